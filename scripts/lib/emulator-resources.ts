import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * The parts of a deployed clonewarden that the demo, the integration tests and the benchmarks
 * build in the emulator: the alert topic with a subscribed inbox, and the idempotency table.
 */

export interface ReceivedAlert {
  subject: string;
  attributes: Record<string, string>;
  /** The per-protocol variant SQS subscribers get: the JSON alert document. */
  document: {
    schema: string;
    dryRun: boolean;
    verdict: { eventId: string; status: string; violations: { rule: string }[] };
  };
}

/**
 * An SNS topic with an SQS queue subscribed: the security team's inbox. `drain` reads it empty and
 * deletes what it read: long runs outlast the visibility timeout, and a message read twice would
 * count twice.
 */
export async function createAlertInbox(region: string, name: string) {
  const sns = new SNSClient({ region });
  const sqs = new SQSClient({ region });
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn!;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-inbox` }))).QueueUrl!;
  const queueArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
  return {
    topicArn,
    /** Every alert delivered since the last drain. */
    async drain(): Promise<ReceivedAlert[]> {
      const received: ReceivedAlert[] = [];
      for (;;) {
        const batch = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
        );
        if (!batch.Messages?.length) return received;
        for (const message of batch.Messages) {
          const envelope = JSON.parse(message.Body!) as {
            Subject: string;
            Message: string;
            MessageAttributes?: Record<string, { Value: string }>;
          };
          received.push({
            subject: envelope.Subject,
            attributes: Object.fromEntries(
              Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
            ),
            document: JSON.parse(envelope.Message),
          });
        }
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.Messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle!,
            })),
          }),
        );
      }
    },
  };
}

export async function createIdempotencyTable(region: string, tableName: string): Promise<void> {
  const dynamodb = new DynamoDBClient({ region });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    }),
  );
}

/** The ledger table as serverless.yml declares it (pk + id, TTL on expiresAt), in the emulator. */
export async function createLedgerTable(region: string, tableName: string): Promise<void> {
  const dynamodb = new DynamoDBClient({ region });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'id', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'id', KeyType: 'RANGE' },
      ],
    }),
  );
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    }),
  );
}
