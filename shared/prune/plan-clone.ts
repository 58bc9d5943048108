import type { CloneRecord } from '../model/clone-record.js';
import { TAG } from '../model/clonewarden-tags.js';
import type { ProtectionOutcome } from './protection.js';
import { type PruneReason, pruneAfterDate, pruneAfterInstant } from './prune-reasons.js';

/**
 * What prune does with one clone this run:
 * - `keep`: not a candidate, not marked;
 * - `protected`: a candidate that is in use or owned by AWS Backup/DLM (or exempted);
 * - `mark`: a new candidate: tag `clonewarden:prune-after`;
 * - `wait`: marked, grace period not over;
 * - `held`: marked and due, but not provably unused this run (pending, or unresolved templates);
 * - `delete`: marked, due, and not in use;
 * - `unmark`: marked, but no longer a candidate (expiry extended) or now in use.
 */
export type PruneAction = 'keep' | 'protected' | 'mark' | 'wait' | 'held' | 'delete' | 'unmark';

export interface ClonePlan {
  action: PruneAction;
  /** For `mark`, the new mark; for `wait`/`held`/`delete`, the existing one. */
  pruneAfter?: string;
}

export function planClone(
  record: CloneRecord,
  reasons: readonly PruneReason[],
  outcome: ProtectionOutcome,
  now: Date,
  graceDays: number,
): ClonePlan {
  const mark = record.tags[TAG.pruneAfter];
  if (reasons.length === 0) return { action: mark !== undefined ? 'unmark' : 'keep' };
  if (outcome.protection) return { action: mark !== undefined ? 'unmark' : 'protected' };

  const due = pruneAfterInstant(mark);
  // No mark, or one that is not a date (never trusted to mean "now"): mark it afresh.
  if (!due) return { action: 'mark', pruneAfter: pruneAfterDate(now, graceDays) };
  if (due.getTime() > now.getTime()) return { action: 'wait', pruneAfter: mark! };
  return { action: outcome.hold ? 'held' : 'delete', pruneAfter: mark! };
}
