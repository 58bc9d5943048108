import { executeActions } from '../actions/execute-actions.js';
import type { CloneActions } from '../aws/ec2-clone-actions.js';
import type { CloneFactsReader } from '../aws/ec2-clone-facts.js';
import type { AlertPublisher } from '../aws/sns-alert-publisher.js';
import { evaluatePolicy } from '../engine/evaluate-policy.js';
import { parseCloneEvent } from '../events/parse-clone-event.js';
import type { EnforcerLog, EnforcerMetrics } from '../model/log.js';
import type { Verdict } from '../model/types.js';
import type { Policy } from '../policy/schema.js';

export interface EnforceContext {
  policy: Policy;
  /** Effective dry-run (policy or forced by flag/env). */
  dryRun: boolean;
  /** Effective alert topic (flag/env, else the policy's). */
  topicArn?: string;
  enforcerPrincipals: string[];
  facts: CloneFactsReader;
  actions: CloneActions;
  alerts: AlertPublisher;
  log: EnforcerLog;
  metrics: EnforcerMetrics;
  now: () => Date;
}

/**
 * The enforce pipeline for one record, shared by the Lambda handler and `clonewarden replay`:
 * parse → facts → verdict → actions.
 *
 * Returns a verdict for everything it could decide, including `skipped` and `rejected` input
 * (which must not be retried). Throws when AWS failed or the clone is not visible yet, so that
 * the event is retried and, once retries are spent, lands in the dead-letter queue whole.
 */
export async function enforceRecord(input: unknown, context: EnforceContext): Promise<Verdict> {
  const parsed = parseCloneEvent(input, { enforcerPrincipals: context.enforcerPrincipals });
  if (parsed.kind !== 'event') {
    const verdict = unprocessedVerdict(parsed, context.dryRun);
    context.metrics.count(parsed.kind === 'skipped' ? 'EventsSkipped' : 'EventsRejected');
    const logLine = parsed.kind === 'skipped' ? context.log.info : context.log.warn;
    logLine.call(context.log, `event ${parsed.kind}`, {
      eventId: verdict.eventId,
      eventName: verdict.eventName,
      reason: verdict.reason,
      ...(parsed.kind === 'rejected' ? { issues: parsed.issues.slice(0, 20) } : {}),
    });
    return verdict;
  }

  const { event } = parsed;
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

function unprocessedVerdict(
  parsed: Exclude<ReturnType<typeof parseCloneEvent>, { kind: 'event' }>,
  dryRun: boolean,
): Verdict {
  const facts = parsed as { eventId?: string; eventName?: string; region?: string; account?: string };
  return {
    eventId: facts.eventId ?? '',
    eventName: facts.eventName ?? '',
    region: facts.region ?? '',
    account: facts.account ?? '',
    resources: [],
    status: parsed.kind,
    reason: parsed.reason,
    violations: [],
    unknowns: [],
    actions: [],
    dryRun,
  };
}
