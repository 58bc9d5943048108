import { parseCloneEvent } from '../events/parse-clone-event.js';
import { AccountOutsideOrganizationError } from '../model/errors.js';
import type { GovernedEvent, Verdict } from '../model/types.js';
import type { EnforceContext } from './enforce-context.js';
import { FAMILY_PIPELINES, FAMILY_SCREENS } from './family-pipelines.js';

/**
 * The enforce pipeline for one record, shared by the Lambda handler and `clonewarden replay`:
 * parse → facts → verdict → actions.
 *
 * Returns a verdict for everything it could decide, including `skipped` and `rejected` input
 * (which must not be retried). Throws when AWS failed or the clone is not visible yet, so that
 * the event is retried and, once retries are spent, lands in the dead-letter queue whole.
 */
export async function enforceRecord(input: unknown, context: EnforceContext): Promise<Verdict> {
  const opened = await openRecord(input, context);
  if ('verdict' in opened) return opened.verdict;
  // The table pairs each family with its own event type; TypeScript cannot correlate the two
  // through the union, so the lookup is widened once here.
  const pipeline = (await FAMILY_PIPELINES[opened.event.family]()) as (
    event: GovernedEvent,
    context: EnforceContext,
  ) => Promise<Verdict>;
  return pipeline(opened.event, opened.context);
}

/**
 * The verdict of a record that needs nothing changed, decided before anything is locked or
 * written: input the parser skips or rejects, and what a family's screen skips (a launch from an
 * image that is not ours). `undefined` when the record must go through `enforceRecord`. The Lambda
 * handler asks this before the idempotency store, so that such events cost no DynamoDB call: a
 * verdict that changes nothing is harmless to repeat.
 */
export async function screenRecord(input: unknown, context: EnforceContext): Promise<Verdict | undefined> {
  const opened = await openRecord(input, context);
  if ('verdict' in opened) return opened.verdict;
  const screen = FAMILY_SCREENS[opened.event.family] as
    | (() => Promise<(event: GovernedEvent, context: EnforceContext) => Promise<Verdict | undefined>>)
    | undefined;
  return screen ? (await screen())(opened.event, opened.context) : undefined;
}

type OpenedRecord = { verdict: Verdict } | { event: GovernedEvent; context: EnforceContext };

/**
 * Parses a record and gives it the context of where it happened: in organization mode the member
 * account's clients (an account outside the organization is rejected) and the policy in force
 * there, the hub's with its OU's and account's overrides.
 */
async function openRecord(input: unknown, context: EnforceContext): Promise<OpenedRecord> {
  const parsed = parseCloneEvent(input, { enforcerPrincipals: context.enforcerPrincipals });
  if (parsed.kind !== 'event') return { verdict: unprocessed(parsed, context) };

  const { event } = parsed;
  let eventContext = context;
  if (context.accounts) {
    try {
      eventContext = { ...context, ...(await context.accounts.open(event.account)) };
    } catch (error) {
      if (!(error instanceof AccountOutsideOrganizationError)) throw error;
      const rejected: Unprocessed = {
        kind: 'rejected',
        reason: error.message,
        issues: [],
        ...headerOf(event),
      };
      return { verdict: unprocessed(rejected, context) };
    }
  }
  if (context.scopes) {
    const scoped = await context.scopes.policyIn(event.account);
    eventContext = { ...eventContext, policy: scoped.policy, dryRun: scoped.dryRun };
    if (scoped.applied.length > 0) {
      context.log.debug('policy overrides applied', { account: event.account, overrides: scoped.applied });
    }
  }
  return { event, context: eventContext };
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
