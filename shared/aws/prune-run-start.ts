import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ActionFailedError } from '../model/errors.js';
import type { PruneJob, PruneJobResult } from '../model/prune-job.js';
import { isConditionalCheckFailed } from './aws-error.js';
import type { AwsClients } from './clients.js';
import { jobItemId, RUN_ITEM_ID, RUN_RETENTION_SECONDS, runPartition } from './prune-run-keys.js';

/** How a run begins: its jobs, all pending, and when the digest goes out whatever is missing. */
export interface PruneRunPlan {
  runId: string;
  jobs: readonly PruneJob[];
  startedAt: Date;
  /** Epoch ms after which the digest is sent with the jobs still missing named as such. */
  deadline: number;
}

/** Writes a run's items before its jobs are queued. */
export interface PruneRunStart {
  /** @returns `false` when the run was started before (a retried schedule): its jobs are queued again. */
  start(plan: PruneRunPlan): Promise<boolean>;
}

/** BatchWriteItem takes 25 items at most ("BatchWriteItem", DynamoDB API reference). */
const BATCH_SIZE = 25;
const UNPROCESSED_ATTEMPTS = 5;

/** The run's items in the ledger table. */
export class DynamoDbPruneRunStart implements PruneRunStart {
  readonly #aws: AwsClients;
  readonly #table: string;

  constructor(aws: AwsClients, table: string) {
    this.#aws = aws;
    this.#table = table;
  }

  async start(plan: PruneRunPlan): Promise<boolean> {
    const pk = runPartition(plan.runId);
    const expiresAt = Math.floor(plan.startedAt.getTime() / 1000) + RUN_RETENTION_SECONDS;
    try {
      await this.#aws.documents().send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            pk,
            id: RUN_ITEM_ID,
            total: plan.jobs.length,
            finished: 0,
            startedAt: plan.startedAt.toISOString(),
            deadline: plan.deadline,
            expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
    const items = plan.jobs.map((job) => ({ pk, id: jobItemId(job), expiresAt, ...pendingResult(job) }));
    for (let start = 0; start < items.length; start += BATCH_SIZE) {
      await this.#writeBatch(items.slice(start, start + BATCH_SIZE));
    }
    return true;
  }

  /** One batch, with the items DynamoDB left unprocessed (throttling) written again. */
  async #writeBatch(items: readonly Record<string, unknown>[]): Promise<void> {
    let requests = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; requests.length > 0; attempt++) {
      if (attempt > UNPROCESSED_ATTEMPTS)
        throw new ActionFailedError(`${requests.length} prune run items could not be written`);
      const { UnprocessedItems } = await this.#aws
        .documents()
        .send(new BatchWriteCommand({ RequestItems: { [this.#table]: requests } }));
      requests = (UnprocessedItems?.[this.#table] ?? []) as typeof requests;
    }
  }
}

function pendingResult(job: PruneJob): PruneJobResult {
  return { account: job.account, accountName: job.accountName, region: job.region, status: 'pending' };
}
