import { parseCloneEvent } from '../events/parse-clone-event.js';
import type { GovernedEvent, Verdict } from '../model/types.js';
import type { EnforceContext } from './enforce-context.js';
import { FAMILY_PIPELINES } from './family-pipelines.js';

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

  // FAMILY_PIPELINES pairs each family with the pipeline of its own event type.
  const pipeline = FAMILY_PIPELINES[parsed.event.family] as (
    event: GovernedEvent,
    context: EnforceContext,
  ) => Promise<Verdict>;
  return pipeline(parsed.event, context);
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
