import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
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
  sns(): SNSClient;
  dynamodb(): DynamoDBClient;
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
    sns() {
      if (!sns) {
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
  };
}
