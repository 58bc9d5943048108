import { describeError } from '../aws/aws-error.js';
import type { BlockPublicAccess } from '../aws/block-public-access.js';
import type { CloneRecord } from '../model/clone-record.js';
import { TAG } from '../model/clonewarden-tags.js';
import { forEachConcurrently } from '../model/for-each-concurrently.js';
import type { CloneKind } from '../model/types.js';
import { type ClonePlan, planClone } from './plan-clone.js';
import { type InUseIndex, type ProtectionOutcome, protectionOf } from './protection.js';
import type { PruneContext } from './prune-context.js';
import { type PruneCandidacy, type PruneReason, pruneCandidacy } from './prune-reasons.js';
import { type PruneNote, type PruneReport, REPORT_FINDING_LIMIT } from './prune-report.js';
import { needsReconcile } from './reconcile-clone.js';
import { type ReconcileOutcome, reconcileMissed } from './reconcile-missed.js';
import { keepTagOf, scanInUse } from './scan-in-use.js';

/** One clone prune has something to do or say about (every decision but `keep`). */
export interface PlannedClone {
  /** Only what applying and reporting need: no tags, no description. */
  readonly record: CloneRecord;
  readonly reasons: readonly PruneReason[];
  readonly protection: ProtectionOutcome;
  readonly decision: ClonePlan;
}

/** Everything a run read and decided, before any write. */
export interface PrunePlan {
  readonly startedAt: Date;
  readonly account?: string;
  readonly scanned: PruneReport['scanned'];
  readonly inUse: PruneReport['inUse'];
  /** Clones with nothing to do, by kind: counted, not kept. */
  readonly kept: Readonly<Record<CloneKind, number>>;
  /** In listing order: images first, then snapshots page by page. */
  readonly clones: readonly PlannedClone[];
  readonly notes: readonly PruneNote[];
  readonly reconcile: ReconcileOutcome;
  /** The account's block public access, when the run reads it. */
  readonly blockPublicAccess?: BlockPublicAccess;
}

/**
 * The plan step: what is in use, then each image and each snapshot page by page through the
 * pure decisions (candidacy, protection, mark / unmark / delete / wait / keep), keeping only the
 * clones with something to do; then the clones that never got a verdict are reconciled.
 */
export async function planPrune(context: PruneContext): Promise<PrunePlan> {
  const startedAt = context.now();
  const blockPublicAccess = context.publicAccess?.read(context.region);
  const scan = await scanInUse(context, startedAt);
  const decisions = new Decisions(context, scan.index, startedAt);
  for (const { record, candidacy } of scan.images) decisions.consider(record, candidacy);
  const scanned = { images: scan.images.length, snapshots: 0 };
  let account = scan.images[0]?.record.ownerId;
  for await (const page of context.inventory.snapshots(context.region, keepTagOf(context.policy))) {
    scanned.snapshots += page.length;
    account ??= page[0]?.ownerId;
    await context.ledger?.load(account);
    for (const snapshot of page) decisions.consider(context.ledger?.apply(snapshot) ?? snapshot);
  }
  const takenIn = await takeIntoLedger(context, decisions.toTakeIn);
  const reconcile = await reconcileMissed(context, decisions.toReconcile, decisions.reconcileFound);
  return {
    startedAt,
    ...(account !== undefined ? { account } : {}),
    scanned,
    inUse: scan.inUse,
    kept: decisions.kept,
    clones: decisions.clones,
    notes: [...decisions.notes, ...ledgerNotes(context, takenIn)],
    reconcile,
    ...(blockPublicAccess ? { blockPublicAccess: await blockPublicAccess } : {}),
  };
}

/** Collects the decisions of one plan, clone by clone. */
class Decisions {
  readonly clones: PlannedClone[] = [];
  readonly kept: Record<CloneKind, number> = { image: 0, snapshot: 0 };
  readonly notes: PruneNote[] = [];
  readonly toReconcile: CloneRecord[] = [];
  /** Tagged by an install before the ledger, and not in it yet: taken in on trust. */
  readonly toTakeIn: CloneRecord[] = [];
  reconcileFound = 0;

  constructor(
    private readonly context: PruneContext,
    private readonly index: InUseIndex,
    private readonly now: Date,
  ) {}

  consider(record: CloneRecord, candidacy?: PruneCandidacy): void {
    const settings = this.context.policy.prune;
    const { reasons, notes } = candidacy ?? pruneCandidacy(record, settings, this.now);
    for (const note of notes) {
      if (this.notes.length < REPORT_FINDING_LIMIT) this.notes.push({ id: record.id, note });
    }
    const protection = protectionOf(record, this.index);
    const decision = planClone(record, reasons, protection, this.now, settings.graceDays);
    if (decision.action === 'keep') this.kept[record.kind]++;
    else this.clones.push({ record: compact(record), reasons, protection, decision });
    // An image's disks get their verdict with the image; a clone deleted this run needs none.
    if (decision.action === 'delete' || this.isImageDisk(record)) return;
    const ledger = this.context.ledger;
    if (ledger?.itemOf(record.id)) return;
    if (ledger && record.tags[TAG.status] !== undefined && !record.managedBy) {
      this.toTakeIn.push(record);
    } else if (needsReconcile(record, this.now)) {
      this.reconcileFound++;
      if (this.toReconcile.length < this.context.reconcileLimit) this.toReconcile.push(record);
    }
  }

  private isImageDisk(record: CloneRecord): boolean {
    if (record.kind !== 'snapshot') return false;
    return (
      this.index.backingSnapshots.has(record.id) ||
      (record.describedImageId !== undefined && this.index.registeredImages.has(record.describedImageId))
    );
  }
}

/** Only what deletion and the report need is kept of a record. */
function compact(record: CloneRecord): CloneRecord {
  return {
    kind: record.kind,
    id: record.id,
    region: record.region,
    sizeGiB: record.sizeGiB,
    tags: {},
    backingSnapshotIds: record.backingSnapshotIds,
    ...(record.name ? { name: record.name } : {}),
  };
}

/**
 * Trust on first use: the clones an install tagged before it had a ledger get an item from
 * their tags, once, marked so in their history (never in dry-run). Returns how many were taken in.
 */
async function takeIntoLedger(context: PruneContext, records: readonly CloneRecord[]): Promise<number> {
  const ledger = context.ledger;
  if (!ledger || context.dryRun || records.length === 0) return 0;
  let takenIn = 0;
  const now = context.now();
  await forEachConcurrently(records, context.concurrency, async (record) => {
    try {
      if (await ledger.takeIn(record, now)) takenIn++;
    } catch (error) {
      context.log.warn('could not take a clone into the ledger', {
        id: record.id,
        error: describeError(error),
      });
    }
  });
  return takenIn;
}

function ledgerNotes(context: PruneContext, takenIn: number): PruneNote[] {
  const ledger = context.ledger;
  if (!ledger) return [];
  const notes: PruneNote[] = [...ledger.notes];
  if (ledger.disagreements > ledger.notes.length) {
    notes.push({
      id: '-',
      note: `${ledger.disagreements} clones in all had tags that disagree with the ledger`,
    });
  }
  if (takenIn > 0) {
    notes.push({
      id: '-',
      note: `${takenIn} clones taken into the ledger from their tags (trust on first use)`,
    });
  }
  return notes;
}
