import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import { type LedgerItem, ledgerPartition, parseLedgerItem } from '../model/ledger-item.js';
import type { AwsClients } from './clients.js';

/** Reads a whole region's ledger items: prune and the audit do (its own file, so only their roles are granted Query). */
export type LedgerRegionReader = (account: string, region: string) => AsyncIterable<LedgerItem[]>;

/**
 * A region's items, a page at a time: one Query per megabyte of items (about 1,500 items of
 * ~700 bytes), so that a prune run over 10,000 clones reads the ledger in a handful of calls.
 */
export function dynamoDbLedgerRegion(aws: AwsClients, table: string): LedgerRegionReader {
  return async function* readRegion(account, region) {
    const pages = paginateQuery(
      { client: aws.documents() },
      {
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': ledgerPartition(account, region) },
      },
    );
    for await (const page of pages) {
      yield (page.Items ?? []).map((item) => parseLedgerItem(item));
    }
  };
}
