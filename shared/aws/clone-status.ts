import { TAG } from '../model/clonewarden-tags.js';
import type { CloneKind } from '../model/types.js';
import type { CloneLedger } from './clone-ledger.js';
import { type DiskImageLookup, governingItem } from './disk-images.js';

/** The clone whose status is asked: where it lives (the ledger's key) and its tags. */
export interface StatusQuery {
  /** The owning account. */
  account: string;
  region: string;
  id: string;
  /** A snapshot may be an image's disk, whose status is the image's. */
  kind?: CloneKind;
  tags: Record<string, string>;
}

/**
 * Where a clone's status (`quarantined`, `violation`, `exempt`, …) is read: the ledger, which
 * only clonewarden's roles write, and the `clonewarden:status` tag only for a clone the ledger
 * does not hold yet. Its answer only ever restricts: a status never grants anything.
 */
export interface CloneStatusReader {
  statusOf(clone: StatusQuery): Promise<string | undefined>;
}

/** Reads the status from the clone's `clonewarden:status` tag (the CLI without a ledger). */
export const TAG_CLONE_STATUS: CloneStatusReader = {
  statusOf: async (clone) => clone.tags[TAG.status],
};

/**
 * Reads the status from the clone's ledger item: a tag that disagrees with it is tampering, and
 * the ledger wins (a developer who rewrote `clonewarden:status=compliant` on a quarantined clone
 * still cannot share it). A clone the ledger has no item for (tagged before the ledger existed)
 * falls back to its tag, believed as trust on first use; this reader never writes, so dry-run
 * stays read-only, and the item is taken in by the daily reconcile or by the first write.
 * An image's disk is answered from the image's item (`governingItem`, with `disks`): a disk
 * of a quarantined image is quarantined, whatever the disk's own tags say.
 */
export class LedgerCloneStatus implements CloneStatusReader {
  readonly #ledger: CloneLedger;
  readonly #disks: DiskImageLookup | undefined;
  readonly #fallback: CloneStatusReader;

  constructor(ledger: CloneLedger, options: { disks?: DiskImageLookup; fallback?: CloneStatusReader } = {}) {
    this.#ledger = ledger;
    this.#disks = options.disks;
    this.#fallback = options.fallback ?? TAG_CLONE_STATUS;
  }

  async statusOf(clone: StatusQuery): Promise<string | undefined> {
    const item = await governingItem(this.#ledger, this.#disks, clone);
    return item ? item.status : this.#fallback.statusOf(clone);
  }
}
