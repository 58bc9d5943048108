import { executeActions } from '../../actions/execute-actions.js';
import { evaluatePolicy } from '../../engine/evaluate-policy.js';
import type { CloneEvent, Verdict } from '../../model/types.js';
import type { EnforceContext } from '../enforce-context.js';

/** A clone's birth: facts about the clone and its source → verdict → tag, quarantine, alert. */
export async function enforceCreation(event: CloneEvent, context: EnforceContext): Promise<Verdict> {
  const facts = await context.facts.collect(event);
  const planned = evaluatePolicy(context.policy, event, facts, {
    now: context.now(),
    dryRun: context.dryRun,
    ...(context.topicArn ? { topicArn: context.topicArn } : {}),
  });
  const verdict = await executeActions(planned, facts, context);

  context.metrics.count('EventsEnforced');
  context.metrics.count(`Verdict_${verdict.status}`);
  if (verdict.violations.length > 0) context.metrics.count('Violations', verdict.violations.length);
  context.log.info('verdict', {
    eventId: verdict.eventId,
    eventName: verdict.eventName,
    status: verdict.status,
    resources: verdict.resources,
    violations: verdict.violations.map((v) => `${v.rule}:${v.resource}`),
    unknowns: verdict.unknowns.length,
    gaps: facts.gaps,
    dryRun: verdict.dryRun,
    actions: verdict.actions.map((a) => `${a.type}:${a.target}:${a.done ? 'done' : 'planned'}`),
  });
  return verdict;
}
