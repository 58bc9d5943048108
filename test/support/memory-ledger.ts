import type { CloneLedger, LedgerWrite } from '../../shared/aws/clone-ledger.js';
import {
  type LedgerItem,
  type LedgerKey,
  ledgerPartition,
  trustOnFirstUse,
} from '../../shared/model/ledger-item.js';

/**
 * A `CloneLedger` in memory for unit tests, with DynamoDB's conditional write: a write succeeds
 * only over the version it names (none for version 1). Each get and write goes to `journal`.
 */
export class MemoryLedger implements CloneLedger {
  readonly items = new Map<string, LedgerItem>();

  constructor(readonly journal: string[] = []) {}

  async get(key: LedgerKey): Promise<LedgerItem | undefined> {
    this.journal.push(`ledger get ${key.id}`);
    const item = this.items.get(keyOf(key));
    return item ? structuredClone(item) : undefined;
  }

  async write(item: LedgerItem): Promise<LedgerWrite> {
    const stored = this.items.get(keyOf(item));
    if ((stored?.version ?? 0) !== item.version - 1) return 'conflict';
    this.journal.push(`ledger write ${item.id} v${item.version} ${item.status}`);
    this.items.set(keyOf(item), structuredClone(item));
    return 'written';
  }

  /** Puts an item as it would stand after enforce: `trustOnFirstUse` of `tags`, then `overrides`. */
  seed(key: LedgerKey, overrides: Partial<LedgerItem> = {}): LedgerItem {
    const base = trustOnFirstUse(
      { ...key, kind: 'image', tags: {}, backingSnapshotIds: [] },
      '2026-01-01T00:00:00.000Z',
    );
    const item: LedgerItem = { ...base, origin: 'event', eventId: 'event-0', ...overrides };
    this.items.set(keyOf(item), item);
    return item;
  }
}

const keyOf = (key: LedgerKey) => `${ledgerPartition(key.account, key.region)}/${key.id}`;
