import { describeError } from '../aws/aws-error.js';
import { TAG } from '../model/clonewarden-tags.js';
import { forEachConcurrently } from '../model/for-each-concurrently.js';
import { closingChange, LEDGER_RETENTION_DAYS, type LedgerChange } from '../model/ledger-item.js';
import type { PlannedClone, PrunePlan } from './plan-prune.js';
import type { Protection } from './protection.js';
import { isOutOfTime, type PruneContext } from './prune-context.js';
import type { PruneFailure } from './prune-report.js';

/** What became of the write planned for one clone. */
export interface CloneOutcome {
  readonly done: boolean;
  readonly error?: string;
  /** Images: backing snapshots that another image still uses, so they were kept. */
  readonly keptSnapshots?: string[];
  /** Found in use right before deletion: kept and unmarked instead. */
  readonly foundInUse?: { readonly protection: Protection; readonly detail: string };
}

/** The apply step's outcomes: by planned clone, and the failures in the order they happened. */
export interface AppliedPlan {
  readonly outcomes: ReadonlyMap<PlannedClone, CloneOutcome>;
  readonly failures: readonly PruneFailure[];
  /** Deletions left for the next run because the run ran out of time. */
  readonly deferredDeletions: number;
}

/** A dry run applies nothing. */
export const NOTHING_APPLIED: AppliedPlan = { outcomes: new Map(), failures: [], deferredDeletions: 0 };

/** Records outcomes as the writes come back. */
class Outcomes {
  readonly byClone = new Map<PlannedClone, CloneOutcome>();
  readonly failures: PruneFailure[] = [];

  /** Runs one write for a batch of clones: all of them done, or all of them failed. */
  async settle(
    batch: readonly PlannedClone[],
    step: string,
    write: () => Promise<void>,
    extra: Pick<CloneOutcome, 'foundInUse'> = {},
  ): Promise<void> {
    try {
      await write();
      for (const planned of batch) this.byClone.set(planned, { ...extra, done: true });
    } catch (error) {
      const message = describeError(error);
      for (const planned of batch) this.byClone.set(planned, { ...extra, done: false, error: message });
      this.failures.push({ id: `${batch.length} clone(s)`, step, error: message });
    }
  }
}

/**
 * The apply step, never run in dry-run: marks (one CreateTags per date), unmarks (one
 * DeleteTags), then the due deletions, a few at a time until the deadline, each re-checked
 * right before. A failed write is recorded against its clones and the rest go on.
 */
export async function applyPlan(context: PruneContext, plan: PrunePlan): Promise<AppliedPlan> {
  const outcomes = new Outcomes();
  const { region, deleter } = context;
  const cause = { eventId: `prune-${plan.startedAt.toISOString()}`, at: plan.startedAt.toISOString() };
  // The ledger first (the record), then the tag that mirrors it.
  for (const [date, batch] of marksByDate(plan.clones)) {
    const ids = batch.map(({ record }) => record.id);
    await outcomes.settle(batch, 'mark', async () => {
      await recordInLedger(context, ids, { ...cause, set: { pruneAfter: date } });
      await deleter.tag(region, ids, { [TAG.pruneAfter]: date });
    });
  }
  const unmark = plan.clones.filter(({ decision }) => decision.action === 'unmark');
  if (unmark.length > 0) {
    const ids = unmark.map(({ record }) => record.id);
    await outcomes.settle(unmark, 'unmark', async () => {
      await recordInLedger(context, ids, { ...cause, unset: ['pruneAfter'] });
      await deleter.untag(region, ids, [TAG.pruneAfter]);
    });
  }
  const due = plan.clones.filter(({ decision }) => decision.action === 'delete');
  const { started } = await forEachConcurrently(
    due,
    context.concurrency,
    (planned) => deleteOne(context, planned, outcomes),
    () => isOutOfTime(context),
  );
  return { outcomes: outcomes.byClone, failures: outcomes.failures, deferredDeletions: due.length - started };
}

function marksByDate(clones: readonly PlannedClone[]): Map<string, PlannedClone[]> {
  const byDate = new Map<string, PlannedClone[]>();
  for (const planned of clones) {
    const { action, pruneAfter } = planned.decision;
    if (action !== 'mark' || pruneAfter === undefined) continue;
    const batch = byDate.get(pruneAfter);
    if (batch) batch.push(planned);
    else byDate.set(pruneAfter, [planned]);
  }
  return byDate;
}

/** One change to each clone's item, a few at a time; clones the ledger does not hold are skipped. */
async function recordInLedger(context: PruneContext, ids: readonly string[], change: LedgerChange) {
  const ledger = context.ledger;
  if (!ledger) return;
  await forEachConcurrently(ids, context.concurrency, (id) => ledger.change(id, change));
}

/** Closes a deleted clone's item: kept for the audit for the policy's retention days. */
async function closeInLedger(context: PruneContext, id: string): Promise<void> {
  const at = context.now().toISOString();
  const days = context.policy.ledgerRetentionDays ?? LEDGER_RETENTION_DAYS;
  await context.ledger?.change(id, closingChange({ eventId: `prune-delete-${id}`, at }, days));
}

/** Deletes one due clone, unless it turns out to be in use after all. */
async function deleteOne(context: PruneContext, planned: PlannedClone, outcomes: Outcomes): Promise<void> {
  const { record } = planned;
  const { region, deleter } = context;
  try {
    if (record.kind === 'image') {
      // The instance scan is minutes old by now: ask again for this image alone.
      const users = await context.inventory.instancesUsingImage(region, record.id);
      if (users.length > 0) {
        const detail = `in use by ${users.slice(0, 3).join(', ')}`;
        return await keepInUse(context, planned, outcomes, { protection: 'in-use-by-instance', detail });
      }
      const { keptSnapshots } = await deleter.deleteImage(region, record.id, record.backingSnapshotIds);
      await closeInLedger(context, record.id);
      outcomes.byClone.set(planned, { done: true, ...(keptSnapshots.length > 0 ? { keptSnapshots } : {}) });
      return;
    }
    if ((await deleter.deleteSnapshot(region, record.id)) === 'in-use') {
      const detail = 'a registered image uses it';
      return await keepInUse(context, planned, outcomes, { protection: 'backs-image', detail });
    }
    await closeInLedger(context, record.id);
    outcomes.byClone.set(planned, { done: true });
  } catch (error) {
    const message = describeError(error);
    outcomes.byClone.set(planned, { done: false, error: message });
    outcomes.failures.push({ id: record.id, step: 'delete', error: message });
    context.log.error('deletion failed', { id: record.id, error: message });
  }
}

/** Found in use right before deletion: kept and unmarked. */
async function keepInUse(
  context: PruneContext,
  planned: PlannedClone,
  outcomes: Outcomes,
  foundInUse: NonNullable<CloneOutcome['foundInUse']>,
): Promise<void> {
  const { id } = planned.record;
  await outcomes.settle(
    [planned],
    'unmark',
    async () => {
      await recordInLedger(context, [id], {
        eventId: `prune-in-use-${id}`,
        at: context.now().toISOString(),
        unset: ['pruneAfter'],
      });
      await context.deleter.untag(context.region, [id], [TAG.pruneAfter]);
    },
    {
      foundInUse,
    },
  );
}
