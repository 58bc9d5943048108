import { GetCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PruneJobResult } from '../model/prune-job.js';
import { isConditionalCheckFailed } from './aws-error.js';
import type { AwsClients } from './clients.js';
import { jobItemId, RUN_ITEM_ID, runPartition } from './prune-run-keys.js';

/** Where an organization run stands. */
export interface PruneRunState {
  total: number;
  finished: number;
  /** Epoch ms. */
  deadline: number;
  /** The digest was claimed by one worker (sent, or being sent). */
  digestClaimed: boolean;
}

/** The worker's side of a run: record jobs, and claim the one digest. */
export interface PruneRunStore {
  /**
   * Completes a pending job and counts it. Each step is conditional, so a redelivered message
   * counts nothing twice: `undefined` when the job was recorded before.
   */
  record(runId: string, result: PruneJobResult): Promise<PruneRunState | undefined>;
  read(runId: string): Promise<PruneRunState | undefined>;
  /** `true` for exactly one caller, once every job is recorded or the deadline has passed. */
  claimDigest(runId: string, now: Date): Promise<boolean>;
  /** Gives the claim back (the digest could not be sent), so that a retry may send it. */
  releaseDigest(runId: string): Promise<void>;
  /** Every job of the run, pending ones included. */
  results(runId: string): Promise<PruneJobResult[]>;
}

/** The run's items in the ledger table (prune-run-keys.ts). */
export class DynamoDbPruneRunStore implements PruneRunStore {
  readonly #aws: AwsClients;
  readonly #table: string;

  constructor(aws: AwsClients, table: string) {
    this.#aws = aws;
    this.#table = table;
  }

  async record(runId: string, result: PruneJobResult): Promise<PruneRunState | undefined> {
    const pk = runPartition(runId);
    const { account, region, ...fields } = result;
    const names = Object.keys(fields);
    const recorded = await this.#conditionally(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk, id: jobItemId({ account, region }) },
        UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: {
          '#status': 'status',
          ...Object.fromEntries(names.map((name, i) => [`#f${i}`, name])),
        },
        ExpressionAttributeValues: {
          ':pending': 'pending',
          ...Object.fromEntries(names.map((name, i) => [`:f${i}`, fields[name as keyof typeof fields]])),
        },
      }),
    );
    if (!recorded) return undefined;
    // A crash between the two writes leaves the count one short: the deadline check still sends.
    const { Attributes } = await this.#aws.documents().send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk, id: RUN_ITEM_ID },
        UpdateExpression: 'ADD finished :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return runState(Attributes);
  }

  async read(runId: string): Promise<PruneRunState | undefined> {
    const { Item } = await this.#aws.documents().send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: runPartition(runId), id: RUN_ITEM_ID },
        ConsistentRead: true,
      }),
    );
    return Item ? runState(Item) : undefined;
  }

  claimDigest(runId: string, now: Date): Promise<boolean> {
    return this.#conditionally(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk: runPartition(runId), id: RUN_ITEM_ID },
        UpdateExpression: 'SET digestClaimedAt = :now',
        ConditionExpression:
          'attribute_exists(pk) AND attribute_not_exists(digestClaimedAt) AND (finished >= #total OR deadline <= :epoch)',
        ExpressionAttributeNames: { '#total': 'total' },
        ExpressionAttributeValues: { ':now': now.toISOString(), ':epoch': now.getTime() },
      }),
    );
  }

  async releaseDigest(runId: string): Promise<void> {
    await this.#aws.documents().send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk: runPartition(runId), id: RUN_ITEM_ID },
        UpdateExpression: 'REMOVE digestClaimedAt',
      }),
    );
  }

  async results(runId: string): Promise<PruneJobResult[]> {
    const results: PruneJobResult[] = [];
    const pages = paginateQuery(
      { client: this.#aws.documents() },
      {
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk AND begins_with(id, :job)',
        ExpressionAttributeValues: { ':pk': runPartition(runId), ':job': 'job#' },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const { pk: _pk, id: _id, expiresAt: _expires, ...result } = item;
        results.push(result as PruneJobResult);
      }
    }
    return results;
  }

  /** Sends a conditional update: `false` when its condition did not hold. */
  async #conditionally(command: UpdateCommand): Promise<boolean> {
    try {
      await this.#aws.documents().send(command);
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

function runState(item: Record<string, unknown> | undefined): PruneRunState {
  return {
    total: Number(item?.total ?? 0),
    finished: Number(item?.finished ?? 0),
    deadline: Number(item?.deadline ?? 0),
    digestClaimed: item?.digestClaimedAt !== undefined,
  };
}
