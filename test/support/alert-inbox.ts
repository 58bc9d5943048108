import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

/** One alert as an SQS subscriber receives it. */
export interface InboxAlert {
  subject: string;
  /** The SNS message attributes, name → value. */
  attributes: Record<string, string>;
  /** The JSON variant of the message (the `sqs` key). */
  document: { verdict: { eventId: string; status: string; violations: { rule: string }[] } };
}

/**
 * An SNS topic with an SQS queue subscribed, read to empty with every message deleted: long
 * runs outlast the queue's visibility timeout, and a message read twice would count twice.
 */
export async function createDeletingInbox(region: string, name: string) {
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
    async drain(): Promise<InboxAlert[]> {
      const received: InboxAlert[] = [];
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
            Entries: batch.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
    },
  };
}

/** Alerts per CloudTrail event id, read from the `eventId` attribute. */
export function countByEventId(alerts: readonly InboxAlert[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const alert of alerts) {
    const id = alert.attributes.eventId ?? alert.document.verdict.eventId;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
