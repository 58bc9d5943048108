import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';
import { type ApiCallCounter, apiCallCounter, countApiCalls } from './api-call-counter.js';

/** How clients are built. `AWS_ENDPOINT_URL` is honoured by the SDK itself, for every client. */
export interface AwsClientOptions {
  /** Home region; defaults to `AWS_REGION`, then `AWS_DEFAULT_REGION`, then us-east-1. */
  region?: string;
  /** Attempts per call, including the first; adaptive retry mode backs off on throttling. */
  maxAttempts?: number;
  counter?: ApiCallCounter;
}

/** The SDK clients clonewarden uses. EC2 clients are per region, because copies cross regions. */
export interface AwsClients {
  readonly region: string;
  ec2(region?: string): EC2Client;
  /** Loaded on first use: only events with violations alert, so most invocations never need SNS. */
  sns(): Promise<SNSClient>;
  dynamodb(): DynamoDBClient;
  /** Loaded on first use: only `release` asks who the caller is. */
  sts(): Promise<STSClient>;
  readonly counter: ApiCallCounter;
}

export function defaultRegion(): string {
  return process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
}

/**
 * Builds the clients lazily and caches them: nothing else in the code base constructs one.
 *
 * @example
 * const aws = createAwsClients();
 * await aws.ec2().send(new DescribeImagesCommand({ Owners: ['self'] }));
 */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const region = options.region ?? defaultRegion();
  const counter = options.counter ?? apiCallCounter;
  const common = { retryMode: 'adaptive' as const, maxAttempts: options.maxAttempts ?? 5 };
  const ec2Clients = new Map<string, EC2Client>();
  let sns: SNSClient | undefined;
  let dynamodb: DynamoDBClient | undefined;
  let sts: STSClient | undefined;

  return {
    region,
    counter,
    ec2(inRegion = region) {
      let client = ec2Clients.get(inRegion);
      if (!client) {
        client = new EC2Client({ ...common, region: inRegion });
        countApiCalls(client.middlewareStack, 'EC2', counter);
        ec2Clients.set(inRegion, client);
      }
      return client;
    },
    async sns() {
      if (!sns) {
        const { SNSClient } = await import('@aws-sdk/client-sns');
        sns = new SNSClient({ ...common, region });
        countApiCalls(sns.middlewareStack, 'SNS', counter);
      }
      return sns;
    },
    dynamodb() {
      if (!dynamodb) {
        dynamodb = new DynamoDBClient({ ...common, region });
        countApiCalls(dynamodb.middlewareStack, 'DynamoDB', counter);
      }
      return dynamodb;
    },
    async sts() {
      if (!sts) {
        const { STSClient } = await import('@aws-sdk/client-sts');
        sts = new STSClient({ ...common, region });
        countApiCalls(sts.middlewareStack, 'STS', counter);
      }
      return sts;
    },
  };
}
