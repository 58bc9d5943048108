import { describeError } from '../aws/aws-error.js';
import type { CloneRecord } from '../model/clone-record.js';
import { forEachConcurrently } from '../model/for-each-concurrently.js';
import type { Verdict } from '../model/types.js';
import { isOutOfTime, type PruneContext } from './prune-context.js';
import type { PruneFailure } from './prune-report.js';

/** What the report needs of one reconciled verdict. */
type ReconciledVerdict = Pick<Verdict, 'status' | 'violations' | 'unknowns'>;

/** The clones that never got a verdict, and what reconciling them this run found. */
export interface ReconcileOutcome {
  /** Clones with no `clonewarden:status` tag, old enough that enforce should have seen them. */
  readonly found: number;
  /** In the order they finished. */
  readonly verdicts: readonly ReconciledVerdict[];
  readonly failures: readonly PruneFailure[];
  /** Left for the next run: over the per-run limit or out of time. */
  readonly deferred: number;
}

/**
 * Judges the selected clones with enforce's engine and actions (the reconciler honours dry-run
 * as enforce does), a few at a time, until the deadline. A failure on one clone is recorded and
 * the rest go on.
 */
export async function reconcileMissed(
  context: PruneContext,
  selected: readonly CloneRecord[],
  found: number,
): Promise<ReconcileOutcome> {
  const verdicts: ReconciledVerdict[] = [];
  const failures: PruneFailure[] = [];
  const { started } = await forEachConcurrently(
    selected,
    context.concurrency,
    async (record) => {
      try {
        const { status, violations, unknowns } = await context.reconciler.reconcile(record);
        verdicts.push({ status, violations, unknowns });
      } catch (error) {
        failures.push({ id: record.id, step: 'reconcile', error: describeError(error) });
        context.log.warn('reconcile failed', { id: record.id, error: describeError(error) });
      }
    },
    () => isOutOfTime(context),
  );
  return { found, verdicts, failures, deferred: found - started };
}
