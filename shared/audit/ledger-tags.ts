import type { LedgerRegionReader } from '../aws/clone-ledger-query.js';
import type { CloneRecord } from '../model/clone-record.js';
import { TAG_PREFIX } from '../model/clonewarden-tags.js';
import { governingOf, type LedgerItem, mirrorTags } from '../model/ledger-item.js';

/**
 * The clones with their `clonewarden:` tags replaced by what the ledger holds (its mirror), so
 * that the audit's statuses, violations and lineage are the ledger's and not tags anyone with
 * CreateTags could rewrite. One Query per megabyte of the region's items. The item that decides
 * is enforce's (`governingOf`), except that a clone's own closed item is left out: a clone the
 * ledger does not hold, or holds as closed, keeps its tags unless one of our images speaks for it
 * (read-only: the daily reconcile takes it in).
 */
export async function withLedgerTags(
  readRegion: LedgerRegionReader,
  scope: { account: string; region: string },
  clones: CloneRecord[],
): Promise<CloneRecord[]> {
  const own = new Map<string, LedgerItem>();
  const imagesOfDisk = new Map<string, LedgerItem[]>();
  for await (const page of readRegion(scope.account, scope.region)) {
    for (const item of page) {
      if (item.status === 'closed') continue;
      own.set(item.id, item);
      for (const disk of item.backingSnapshotIds) {
        const images = imagesOfDisk.get(disk) ?? [];
        images.push(item);
        imagesOfDisk.set(disk, images);
      }
    }
  }
  return clones.map((clone) => {
    const images = clone.kind === 'snapshot' ? (imagesOfDisk.get(clone.id) ?? []) : [];
    const item = governingOf(own.get(clone.id), images);
    if (!item) return clone;
    const kept = Object.entries(clone.tags).filter(([key]) => !key.startsWith(TAG_PREFIX));
    return { ...clone, tags: { ...Object.fromEntries(kept), ...mirrorTags(item, clone.id) } };
  });
}
