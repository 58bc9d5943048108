import { parseCloneEvent } from '../events/parse-clone-event.js';
import { AccountOutsideOrganizationError } from '../model/errors.js';
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
  if (parsed.kind !== 'event') return unprocessed(parsed, context);

  const { event } = parsed;
  let eventContext = context;
  if (context.accounts) {
    try {
      eventContext = { ...context, ...(await context.accounts.open(event.account)) };
    } catch (error) {
      if (!(error instanceof AccountOutsideOrganizationError)) throw error;
      return unprocessed(
        { kind: 'rejected', reason: error.message, issues: [], ...headerOf(event) },
        context,
      );
    }
  }
  if (context.scopes) {
    // The rules in force where the event happened: the hub's policy with its OU's and account's overrides.
    const scoped = await context.scopes.policyIn(event.account);
    eventContext = { ...eventContext, policy: scoped.policy, dryRun: scoped.dryRun };
    if (scoped.applied.length > 0) {
      context.log.debug('policy overrides applied', { account: event.account, overrides: scoped.applied });
    }
  }
  // The table pairs each family with its own event type; TypeScript cannot correlate the two
  // through the union, so the lookup is widened once here.
  const pipeline = (await FAMILY_PIPELINES[event.family]()) as (
    event: GovernedEvent,
    context: EnforceContext,
  ) => Promise<Verdict>;
  return pipeline(event, eventContext);
}

type Unprocessed = Exclude<ReturnType<typeof parseCloneEvent>, { kind: 'event' }>;

/** Skipped or rejected input: counted, logged, and answered with a verdict that is not retried. */
function unprocessed(parsed: Unprocessed, context: EnforceContext): Verdict {
  const verdict = unprocessedVerdict(parsed, context.dryRun);
  context.metrics.count(parsed.kind === 'skipped' ? 'EventsSkipped' : 'EventsRejected');
  const logLine = parsed.kind === 'skipped' ? context.log.info : context.log.warn;
  logLine.call(context.log, `event ${parsed.kind}`, {
    eventId: verdict.eventId,
    eventName: verdict.eventName,
    ...(verdict.account ? { account: verdict.account } : {}),
    reason: verdict.reason,
    ...(parsed.kind === 'rejected' ? { issues: parsed.issues.slice(0, 20) } : {}),
  });
  return verdict;
}

/** What a rejected verdict says about an event that was parsed but may not be acted on. */
function headerOf(event: GovernedEvent) {
  return { eventId: event.eventId, eventName: event.eventName, region: event.region, account: event.account };
}

function unprocessedVerdict(parsed: Unprocessed, dryRun: boolean): Verdict {
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
