import type { LedgerRegionReader } from '../aws/clone-ledger-query.js';
import type { CloneRecord } from '../model/clone-record.js';
import { TAG_PREFIX } from '../model/clonewarden-tags.js';
import { isQuarantinedInLedger, type LedgerItem, mirrorTags } from '../model/ledger-item.js';

/**
 * The clones with their `clonewarden:` tags replaced by what the ledger holds (its mirror), so
 * that the audit's statuses, violations and lineage are the ledger's and not tags anyone with
 * CreateTags could rewrite. One Query per megabyte of the region's items. An image's disk is read
 * from its image's item when it has none of its own or the image is quarantined (as enforce does);
 * a clone the ledger does not hold, or holds as closed, keeps its tags (read-only: the daily
 * reconcile takes it in).
 */
export async function withLedgerTags(
  readRegion: LedgerRegionReader,
  scope: { account: string; region: string },
  clones: CloneRecord[],
): Promise<CloneRecord[]> {
  const own = new Map<string, LedgerItem>();
  const imageOfDisk = new Map<string, LedgerItem>();
  for await (const page of readRegion(scope.account, scope.region)) {
    for (const item of page) {
      if (item.status === 'closed') continue;
      own.set(item.id, item);
      for (const disk of item.backingSnapshotIds) {
        if (!imageOfDisk.has(disk) || isQuarantinedInLedger(item)) imageOfDisk.set(disk, item);
      }
    }
  }
  return clones.map((clone) => {
    const image = clone.kind === 'snapshot' ? imageOfDisk.get(clone.id) : undefined;
    const mine = own.get(clone.id);
    const item = image && (isQuarantinedInLedger(image) || !mine) ? image : mine;
    if (!item) return clone;
    const kept = Object.entries(clone.tags).filter(([key]) => !key.startsWith(TAG_PREFIX));
    return { ...clone, tags: { ...Object.fromEntries(kept), ...mirrorTags(item, clone.id) } };
  });
}
