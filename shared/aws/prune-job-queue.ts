import { ActionFailedError } from '../model/errors.js';
import type { PruneQueueMessage } from '../model/prune-job.js';
import type { AwsClients } from './clients.js';

/** Where the organization prune puts its jobs. */
export interface PruneJobQueue {
  /** Puts the messages on the queue, each delivered after `delaySeconds` (at most 900). */
  send(messages: readonly PruneQueueMessage[], delaySeconds?: number): Promise<void>;
}

/** SendMessageBatch takes ten entries at most ("SendMessageBatch", SQS API reference). */
const BATCH_SIZE = 10;
/** Entries SQS refused in a batch (it answers 200 with a Failed list) are sent again this often. */
const ENTRY_ATTEMPTS = 3;

/** The SQS queue of the organization prune, ten messages per call. */
export class SqsPruneJobQueue implements PruneJobQueue {
  readonly #aws: AwsClients;
  readonly #queueUrl: string;

  constructor(aws: AwsClients, queueUrl: string) {
    this.#aws = aws;
    this.#queueUrl = queueUrl;
  }

  async send(messages: readonly PruneQueueMessage[], delaySeconds = 0): Promise<void> {
    // Imported here, not at the top: only organization mode's daily run queues jobs.
    const { SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
    const sqs = await this.#aws.sqs();
    for (let start = 0; start < messages.length; start += BATCH_SIZE) {
      let entries = messages.slice(start, start + BATCH_SIZE).map((message, index) => ({
        Id: String(index),
        MessageBody: JSON.stringify(message),
        ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
      }));
      for (let attempt = 1; entries.length > 0; attempt++) {
        const { Failed = [] } = await sqs.send(
          new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: entries }),
        );
        const failed = new Set(Failed.map((entry) => entry.Id));
        entries = entries.filter((entry) => failed.has(entry.Id));
        if (entries.length > 0 && attempt >= ENTRY_ATTEMPTS) {
          const reasons = Failed.map((entry) => `${entry.Code ?? '?'}: ${entry.Message ?? ''}`).join('; ');
          throw new ActionFailedError(`${entries.length} prune jobs could not be queued (${reasons})`);
        }
      }
    }
  }
}
