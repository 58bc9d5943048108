import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { LedgerConflictError } from '../model/errors.js';
import {
  type LedgerChange,
  type LedgerItem,
  type LedgerKey,
  ledgerPartition,
  parseLedgerItem,
  withChange,
} from '../model/ledger-item.js';
import { isConditionalCheckFailed } from './aws-error.js';
import type { AwsClients } from './clients.js';

/** The outcome of a conditional write: `conflict` when another invocation wrote a newer item first. */
export type LedgerWrite = 'written' | 'conflict';

/**
 * clonewarden's own record of the clones it judged (shared/model/ledger-item.ts). Every write
 * is conditional on the version the writer read, so that two invocations never overwrite each
 * other's newer state.
 */
export interface CloneLedger {
  /** The clone's item; undefined when the ledger has none. */
  get(key: LedgerKey): Promise<LedgerItem | undefined>;
  /** Stores `item` if the stored one is still at `item.version - 1` (none for version 1). */
  write(item: LedgerItem): Promise<LedgerWrite>;
}

/**
 * The ledger on a DynamoDB table keyed by `pk` (`<account>#<region>`) and `id`. A write names
 * the version it expects in a condition expression; DynamoDB refuses it with
 * ConditionalCheckFailedException when the item moved on ("Condition expressions" and
 * "Optimistic locking with version number", DynamoDB developer guide).
 */
export class DynamoDbCloneLedger implements CloneLedger {
  readonly #aws: AwsClients;
  readonly #table: string;

  constructor(aws: AwsClients, table: string) {
    this.#aws = aws;
    this.#table = table;
  }

  async get(key: LedgerKey): Promise<LedgerItem | undefined> {
    const { Item } = await this.#aws.documents().send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: ledgerPartition(key.account, key.region), id: key.id },
        // The item is read to decide from it: it must not be older than the last write.
        ConsistentRead: true,
      }),
    );
    return Item ? parseLedgerItem(Item) : undefined;
  }

  async write(item: LedgerItem): Promise<LedgerWrite> {
    const first = item.version === 1;
    try {
      await this.#aws.documents().send(
        new PutCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: first ? 'attribute_not_exists(id)' : '#version = :expected',
          ...(first
            ? {}
            : {
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': item.version - 1 },
              }),
        }),
      );
      return 'written';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'conflict';
      throw error;
    }
  }
}

/** Attempts of a read-change-write before giving up: each conflict means another writer won. */
const CHANGE_ATTEMPTS = 5;

/**
 * Reads the item, asks `decide` what to change, writes the change conditionally, and on a
 * conflict starts again from the newer item. `decide` returns undefined when there is nothing
 * to change (e.g. the change is already there: a retry). Returns the item as stored, or
 * undefined when there is none.
 *
 * @throws {LedgerConflictError} when other writers kept winning.
 */
export async function changeLedgerItem(
  ledger: CloneLedger,
  key: LedgerKey,
  decide: (item: LedgerItem) => LedgerChange | undefined,
): Promise<LedgerItem | undefined> {
  for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
    const item = await ledger.get(key);
    if (!item) return undefined;
    const change = decide(item);
    if (!change) return item;
    const next = withChange(item, change);
    if ((await ledger.write(next)) === 'written') return next;
  }
  throw new LedgerConflictError(key.id, CHANGE_ATTEMPTS);
}

/**
 * Writes a new item, or, when one is there already, hands back the stored one: a retry of the
 * same event, or another writer that got there first. Never overwrites.
 */
export async function recordNewItem(ledger: CloneLedger, item: LedgerItem): Promise<LedgerItem> {
  if ((await ledger.write(item)) === 'written') return item;
  return (await ledger.get(item)) ?? item;
}
