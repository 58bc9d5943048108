import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';
import type { MiddlewareStack, RetryStrategyV2 } from '@smithy/types';
import { type ApiCallCounter, apiCallCounter, countApiCalls } from './api-call-counter.js';

/** How clients are built. `AWS_ENDPOINT_URL` is honoured by the SDK itself, for every client. */
export interface AwsClientOptions {
  /** Home region, from `resolveRegion` (aws-config.ts): never a default, because prune deletes there. */
  region: string;
  /** Attempts per call, including the first; adaptive retry mode backs off on throttling. */
  maxAttempts?: number;
  counter?: ApiCallCounter;
  /**
   * Test seam, unused in production: called with each new client's middleware stack, so that a
   * test can put fault injection between the SDK and the endpoint (test/support/fault-injection.ts).
   */
  decorateStack?: ClientStackDecorator;
  /** Test seam, unused in production: a retry strategy per client, e.g. adaptive with shorter backoff. */
  retryStrategy?: () => RetryStrategyV2;
}

/** The label each client's calls are counted under. */
export type ServiceLabel =
  | 'EC2'
  | 'SNS'
  | 'DynamoDB'
  | 'STS'
  | 'KMS'
  | 'Organizations'
  | 'S3'
  | 'SecurityHub';

// biome-ignore lint/suspicious/noExplicitAny: any client's stack.
export type ClientStackDecorator = (stack: MiddlewareStack<any, any>, service: ServiceLabel) => void;

/** The SDK clients clonewarden uses. EC2 clients are per region, because copies cross regions. */
export interface AwsClients {
  readonly region: string;
  ec2(region?: string): EC2Client;
  /** Loaded on first use: only events with violations alert, so most invocations never need SNS. */
  sns(): Promise<SNSClient>;
  dynamodb(): DynamoDBClient;
  /** Loaded on first use: only `release` asks who the caller is. */
  sts(): Promise<STSClient>;
  /**
   * Loaded on first use, per region (a snapshot's key lives in the snapshot's region): only
   * policies whose encryption rules judge keys call KMS.
   */
  kms(region?: string): Promise<KMSClient>;
  /**
   * Loaded on first use: only a share judged against `organization: true` reads our Organization.
   * A global service: the SDK's endpoint rules send every region's calls to its one endpoint.
   */
  organizations(): Promise<OrganizationsClient>;
  /** Loaded on first use: only the scheduled audit stores its report. */
  s3(): Promise<S3Client>;
  /** Loaded on first use: only an audit with `audit.securityHub.enabled` imports findings. */
  securityHub(): Promise<SecurityHubClient>;
  readonly counter: ApiCallCounter;
  /** The optional APIs this endpoint turned out not to implement, shared by every adapter. */
  readonly unsupported: UnsupportedOperations;
}

/**
 * What an endpoint lacks (moto has no DescribeVolumeStatus, for one): asked once per client
 * set, then skipped. It lives with the clients because it is a fact about their endpoint.
 */
class UnsupportedOperations {
  readonly #operations = new Set<string>();

  /** Whether `operation` was already found missing. */
  has(operation: string): boolean {
    return this.#operations.has(operation);
  }

  /** Records that the endpoint does not implement `operation`. */
  remember(operation: string): void {
    this.#operations.add(operation);
  }
}

/**
 * Builds the clients lazily and caches them: nothing else in the code base constructs one.
 *
 * @example
 * const aws = createAwsClients({ region: await resolveRegion() });
 * await aws.ec2().send(new DescribeImagesCommand({ Owners: ['self'] }));
 */
export function createAwsClients(options: AwsClientOptions): AwsClients {
  const region = options.region;
  const counter = options.counter ?? apiCallCounter;
  const retry = { retryMode: 'adaptive' as const, maxAttempts: options.maxAttempts ?? 5 };
  const common = () => (options.retryStrategy ? { ...retry, retryStrategy: options.retryStrategy() } : retry);
  // biome-ignore lint/suspicious/noExplicitAny: any client's stack.
  const instrumented = <C extends { middlewareStack: MiddlewareStack<any, any> }>(
    client: C,
    service: ServiceLabel,
  ) => {
    countApiCalls(client.middlewareStack, service, counter);
    options.decorateStack?.(client.middlewareStack, service);
    return client;
  };
  let dynamodb: DynamoDBClient | undefined;
  const ec2In = perRegion((inRegion) =>
    instrumented(new EC2Client({ ...common(), region: inRegion }), 'EC2'),
  );
  const kmsIn = perRegion(async (inRegion) => {
    const { KMSClient } = await import('@aws-sdk/client-kms');
    return instrumented(new KMSClient({ ...common(), region: inRegion }), 'KMS');
  });

  return {
    region,
    counter,
    unsupported: new UnsupportedOperations(),
    ec2: (inRegion = region) => ec2In(inRegion),
    sns: lazily(async () => {
      const { SNSClient } = await import('@aws-sdk/client-sns');
      return instrumented(new SNSClient({ ...common(), region }), 'SNS');
    }),
    dynamodb() {
      dynamodb ??= instrumented(new DynamoDBClient({ ...common(), region }), 'DynamoDB');
      return dynamodb;
    },
    sts: lazily(async () => {
      const { STSClient } = await import('@aws-sdk/client-sts');
      return instrumented(new STSClient({ ...common(), region }), 'STS');
    }),
    kms: (inRegion = region) => kmsIn(inRegion),
    organizations: lazily(async () => {
      const { OrganizationsClient } = await import('@aws-sdk/client-organizations');
      return instrumented(new OrganizationsClient({ ...common(), region }), 'Organizations');
    }),
    s3: lazily(async () => {
      const { S3Client } = await import('@aws-sdk/client-s3');
      return instrumented(new S3Client({ ...common(), region }), 'S3');
    }),
    securityHub: lazily(async () => {
      const { SecurityHubClient } = await import('@aws-sdk/client-securityhub');
      return instrumented(new SecurityHubClient({ ...common(), region }), 'SecurityHub');
    }),
  };
}

/** One client per region, built on first use and then reused. */
function perRegion<Client>(build: (region: string) => Client): (region: string) => Client {
  const clients = new Map<string, Client>();
  return (region) => {
    let client = clients.get(region);
    if (client === undefined) {
      client = build(region);
      clients.set(region, client);
    }
    return client;
  };
}

/** A client built on first use (its package loaded then too), and the same one afterwards. */
function lazily<T>(build: () => Promise<T>): () => Promise<T> {
  let client: Promise<T> | undefined;
  return () => {
    client ??= build();
    return client;
  };
}
