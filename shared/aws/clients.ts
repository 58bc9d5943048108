import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
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
export type ServiceLabel = 'EC2' | 'SNS' | 'DynamoDB' | 'STS' | 'S3' | 'SecurityHub';

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
export class UnsupportedOperations {
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

/** A client built on its first use, once: its SDK package is imported only then. */
function onFirstUse<T>(build: () => Promise<T>): () => Promise<T> {
  let client: Promise<T> | undefined;
  return () => {
    client ??= build();
    return client;
  };
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
  const ec2Clients = new Map<string, EC2Client>();
  let dynamodb: DynamoDBClient | undefined;

  return {
    region,
    counter,
    unsupported: new UnsupportedOperations(),
    ec2(inRegion = region) {
      let client = ec2Clients.get(inRegion);
      if (!client) {
        client = instrumented(new EC2Client({ ...common(), region: inRegion }), 'EC2');
        ec2Clients.set(inRegion, client);
      }
      return client;
    },
    sns: onFirstUse(async () => {
      const { SNSClient } = await import('@aws-sdk/client-sns');
      return instrumented(new SNSClient({ ...common(), region }), 'SNS');
    }),
    dynamodb() {
      dynamodb ??= instrumented(new DynamoDBClient({ ...common(), region }), 'DynamoDB');
      return dynamodb;
    },
    sts: onFirstUse(async () => {
      const { STSClient } = await import('@aws-sdk/client-sts');
      return instrumented(new STSClient({ ...common(), region }), 'STS');
    }),
    s3: onFirstUse(async () => {
      const { S3Client } = await import('@aws-sdk/client-s3');
      return instrumented(new S3Client({ ...common(), region }), 'S3');
    }),
    securityHub: onFirstUse(async () => {
      const { SecurityHubClient } = await import('@aws-sdk/client-securityhub');
      return instrumented(new SecurityHubClient({ ...common(), region }), 'SecurityHub');
    }),
  };
}
