import { type CloneLedger, changeLedgerItem } from '../aws/clone-ledger.js';
import type { LedgerRegionReader } from '../aws/clone-ledger-query.js';
import type { CloneRecord } from '../model/clone-record.js';
import { TAG_PREFIX } from '../model/clonewarden-tags.js';
import {
  type LedgerChange,
  type LedgerItem,
  mirrorTags,
  quarantinedSince,
  tagsDisagreeing,
  trustOnFirstUse,
  withChange,
} from '../model/ledger-item.js';
import type { PruneNote } from './prune-report.js';

/** At most this many tampered clones are named in the report; the rest are counted. */
const NAMED_DISAGREEMENTS = 20;

/**
 * The ledger as one prune run sees it: the region's items, read once with Query (a page per
 * megabyte), so that each decision reads the ledger from memory, not with a call per clone.
 * The records' `clonewarden:` tags are replaced by the ledger's mirror before any decision,
 * so a forged `prune-after`, status or quarantine start decides nothing.
 */
export class LedgerView {
  readonly #ledger: CloneLedger;
  readonly #readRegion: LedgerRegionReader;
  readonly #region: string;
  readonly #items = new Map<string, LedgerItem>();
  /** A disk's id → its image's item. */
  readonly #disks = new Map<string, LedgerItem>();
  #account: string | undefined;
  /** Clones whose tags disagreed with the ledger (the ledger was used). */
  disagreements = 0;
  readonly notes: PruneNote[] = [];

  constructor(ledger: CloneLedger, readRegion: LedgerRegionReader, region: string) {
    this.#ledger = ledger;
    this.#readRegion = readRegion;
    this.#region = region;
  }

  /** Reads the account's items, once: the first listed clone names the account. */
  async load(account: string | undefined): Promise<void> {
    if (account === undefined || this.#account !== undefined) return;
    this.#account = account;
    for await (const page of this.#readRegion(account, this.#region)) {
      for (const item of page) this.#remember(item);
    }
  }

  /** The item the clone is held under: its own, or its image's for an image's disk. */
  itemOf(id: string): LedgerItem | undefined {
    return this.#items.get(id) ?? this.#disks.get(id);
  }

  /** The record with its `clonewarden:` tags as the ledger has them; unchanged without an item. */
  apply(record: CloneRecord): CloneRecord {
    const item = this.itemOf(record.id);
    if (!item) return record;
    const disagreements = tagsDisagreeing(item, record.tags, record.id);
    if (disagreements.length > 0) {
      this.disagreements++;
      if (this.notes.length < NAMED_DISAGREEMENTS) {
        const keys = disagreements.map((d) => d.key).join(', ');
        this.notes.push({
          id: record.id,
          note: `tags disagree with the ledger (${keys}): the ledger was used`,
        });
      }
    }
    const own = Object.entries(record.tags).filter(([key]) => !key.startsWith(TAG_PREFIX));
    const since = quarantinedSince(item);
    return {
      ...record,
      tags: { ...Object.fromEntries(own), ...mirrorTags(item, record.id) },
      ...(since ? { quarantinedSince: since } : {}),
    };
  }

  /**
   * Takes in a clone an existing install tagged before the ledger (trust on first use).
   * Returns false when another writer got there first (its item is kept).
   */
  async takeIn(record: CloneRecord, now: Date): Promise<boolean> {
    if (!record.ownerId) return false;
    const item = trustOnFirstUse(
      {
        account: record.ownerId,
        region: record.region,
        id: record.id,
        kind: record.kind,
        tags: record.tags,
        ...(record.createdAt ? { createdAt: record.createdAt } : {}),
        backingSnapshotIds: record.backingSnapshotIds,
      },
      now.toISOString(),
    );
    const written = (await this.#ledger.write(item)) === 'written';
    if (written) this.#remember(item);
    return written;
  }

  /**
   * Changes a clone's own item: one conditional write from the version read at the start of
   * the run, and, only when another writer came first, a fresh read and a retry.
   */
  async change(id: string, change: LedgerChange): Promise<void> {
    const item = this.#items.get(id);
    if (!item) return;
    const next = withChange(item, change);
    if ((await this.#ledger.write(next)) === 'written') {
      this.#remember(next);
      return;
    }
    const stored = await changeLedgerItem(this.#ledger, item, () => change);
    if (stored) this.#remember(stored);
  }

  #remember(item: LedgerItem): void {
    this.#items.set(item.id, item);
    for (const disk of item.backingSnapshotIds) this.#disks.set(disk, item);
  }
}
