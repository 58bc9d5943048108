import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
export type ServiceLabel = 'EC2' | 'SNS' | 'DynamoDB' | 'STS';

// biome-ignore lint/suspicious/noExplicitAny: any client's stack.
export type ClientStackDecorator = (stack: MiddlewareStack<any, any>, service: ServiceLabel) => void;

/** The SDK clients clonewarden uses. EC2 clients are per region, because copies cross regions. */
export interface AwsClients {
  readonly region: string;
  ec2(region?: string): EC2Client;
  /** Loaded on first use: only events with violations alert, so most invocations never need SNS. */
  sns(): Promise<SNSClient>;
  dynamodb(): DynamoDBClient;
  /** The same DynamoDB client, speaking plain objects (the ledger's items). */
  documents(): DynamoDBDocumentClient;
  /** Loaded on first use: only `release` asks who the caller is. */
  sts(): Promise<STSClient>;
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
  const instrument = (stack: MiddlewareStack<any, any>, service: ServiceLabel) => {
    countApiCalls(stack, service, counter);
    options.decorateStack?.(stack, service);
  };
  const ec2Clients = new Map<string, EC2Client>();
  let sns: SNSClient | undefined;
  let dynamodb: DynamoDBClient | undefined;
  let documents: DynamoDBDocumentClient | undefined;
  let sts: STSClient | undefined;

  return {
    region,
    counter,
    unsupported: new UnsupportedOperations(),
    ec2(inRegion = region) {
      let client = ec2Clients.get(inRegion);
      if (!client) {
        client = new EC2Client({ ...common(), region: inRegion });
        instrument(client.middlewareStack, 'EC2');
        ec2Clients.set(inRegion, client);
      }
      return client;
    },
    async sns() {
      if (!sns) {
        const { SNSClient } = await import('@aws-sdk/client-sns');
        sns = new SNSClient({ ...common(), region });
        instrument(sns.middlewareStack, 'SNS');
      }
      return sns;
    },
    dynamodb() {
      if (!dynamodb) {
        dynamodb = new DynamoDBClient({ ...common(), region });
        instrument(dynamodb.middlewareStack, 'DynamoDB');
      }
      return dynamodb;
    },
    documents() {
      documents ??= documentClientOf(this.dynamodb());
      return documents;
    },
    async sts() {
      if (!sts) {
        const { STSClient } = await import('@aws-sdk/client-sts');
        sts = new STSClient({ ...common(), region });
        instrument(sts.middlewareStack, 'STS');
      }
      return sts;
    },
  };
}

/** Plain objects over the DynamoDB client; it shares the client's stack, so its calls are counted. */
function documentClientOf(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
