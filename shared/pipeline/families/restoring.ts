import { executeActions } from '../../actions/execute-actions.js';
import { evaluateRestore } from '../../engine/evaluate-restore.js';
import type { RestoreEvent, Verdict } from '../../model/types.js';
import type { EnforceContext } from '../enforce-context.js';
import { reportVerdict } from './report-verdict.js';

/** A clone restored: facts about the clone and what was created → verdict → label, stop, alert. */
export async function enforceRestoring(event: RestoreEvent, context: EnforceContext): Promise<Verdict> {
  const facts = await context.restoreFacts.collect(event);
  const planned = evaluateRestore(context.policy, event, facts, {
    now: context.now(),
    dryRun: context.dryRun,
    ...(context.topicArn ? { topicArn: context.topicArn } : {}),
  });
  if (planned.status === 'skipped') {
    // Not our clone, or not visible: logged and counted as the parser's skips are.
    context.metrics.count('EventsSkipped');
    const { eventId, eventName, reason } = planned;
    context.log.info('event skipped', { eventId, eventName, reason, gaps: facts.gaps });
    return planned;
  }
  // No clone facts: a restore verdict plans no quarantine, only labels, stops and the alert.
  const verdict = await executeActions(planned, { clones: [], gaps: facts.gaps }, context);

  reportVerdict(verdict, context, { restoredFrom: verdict.restoredFrom, gaps: facts.gaps });
  return verdict;
}
