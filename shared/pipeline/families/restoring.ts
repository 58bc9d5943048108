import { executeActions } from '../../actions/execute-actions.js';
import { evaluateRestore } from '../../engine/evaluate-restore.js';
import type { RestoreEvent, RestoreFacts, Verdict } from '../../model/types.js';
import type { EnforceContext } from '../enforce-context.js';
import { reportSkipped, reportVerdict } from './report-verdict.js';

/** A clone restored: facts about the clone and what was created → verdict → label, stop, alert. */
export async function enforceRestoring(event: RestoreEvent, context: EnforceContext): Promise<Verdict> {
  const facts = await context.restoreFacts.collect(event);
  const planned = judge(event, facts, context);
  if (planned.status === 'skipped') return reportSkipped(planned, facts.gaps, context);
  // No clone facts: a restore verdict plans no quarantine, only labels, stops and the alert.
  const verdict = await executeActions(planned, { clones: [], gaps: facts.gaps }, context);

  reportVerdict(verdict, context, { restoredFrom: verdict.restoredFrom, gaps: facts.gaps });
  return verdict;
}

/**
 * A launch from an image that is not ours (an Auto Scaling group on an AWS or Marketplace AMI)
 * is skipped from the container's cache or one Describe call, before the idempotency store is
 * asked: a burst of 1,000 launches costs at most one call per event, not three. Our own clone
 * goes on to `enforceRestoring`, which finds it in the same cache.
 */
export async function screenRestoring(
  event: RestoreEvent,
  context: EnforceContext,
): Promise<Verdict | undefined> {
  const clone = await context.restoreFacts.cloneOf(event);
  if (clone?.ownerId === event.account) return undefined;
  const gaps = clone ? [] : [`${event.clone.id} was not found in ${event.region}`];
  const planned = judge(event, { ...(clone ? { clone } : {}), labelTargets: [], gaps }, context);
  return reportSkipped(planned, gaps, context);
}

function judge(event: RestoreEvent, facts: RestoreFacts, context: EnforceContext): Verdict {
  return evaluateRestore(context.policy, event, facts, {
    now: context.now(),
    dryRun: context.dryRun,
    ...(context.topicArn ? { topicArn: context.topicArn } : {}),
  });
}
