import { createHash } from 'node:crypto';
import { IdempotencyAlreadyInProgressError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { idempotencyOptions, idempotencyPayload } from '../aws/idempotency-store.js';
import { parseCloneEvent } from '../events/parse-clone-event.js';
import { readRecordsFromFile } from '../events/read-records.js';
import { ActionFailedError, UsageError } from '../model/errors.js';
import type { Verdict, VerdictStatus } from '../model/types.js';
import { createEnforceContext } from '../pipeline/create-enforce-context.js';
import type { EnforceContext } from '../pipeline/enforce-context.js';
import { enforceRecord } from '../pipeline/enforce-record.js';
import { resolveSettings } from '../settings/resolve-settings.js';
import { connectAws, withCredentialHint } from './aws-command.js';
import { type CliCommand, EXIT } from './cli-command.js';
import { warnWithoutLedger } from './ledger-warning.js';
import { MEMBER_ROLE_FLAG, parseFlags, SETTING_FLAGS } from './parse-flags.js';
import { notePolicyWarnings } from './policy-notice.js';
import { createStderrLog, TallyMetrics } from './stderr-log.js';

/** A record's status in a replay: its verdict's, or `duplicate` (seen before), or `failed`. */
export type ReplayStatus = VerdictStatus | 'duplicate' | 'failed';

/** The line `replay --json` prints per record: a fixed shape that scripts may rely on. */
export function verdictLine(verdict: Verdict, status: ReplayStatus = verdict.status) {
  return {
    eventId: verdict.eventId,
    eventName: verdict.eventName,
    region: verdict.region,
    account: verdict.account,
    ...(verdict.accountName ? { accountName: verdict.accountName } : {}),
    resources: verdict.resources,
    status,
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    violations: verdict.violations.map((v) => ({ rule: v.rule, severity: v.severity, message: v.message })),
    actions: verdict.actions.map((a) => ({ type: a.type, target: a.target, done: a.done })),
  };
}

function humanLine(verdict: Verdict, status: ReplayStatus = verdict.status): string {
  const head = `${status.toUpperCase().padEnd(11)} ${verdict.eventName || '?'} ${verdict.resources.join(',') || '-'} (${verdict.eventId || 'no event id'})`;
  const lines = [head];
  if (verdict.reason) lines.push(`    reason: ${verdict.reason}`);
  for (const v of verdict.violations)
    lines.push(`    ✗ ${v.rule} [${v.severity}/${v.action}] ${v.resource}: ${v.message}`);
  for (const u of verdict.unknowns) lines.push(`    ? ${u.rule} ${u.resource}: ${u.message}`);
  for (const a of verdict.actions) {
    const state = a.done
      ? 'done'
      : verdict.dryRun && a.type !== 'alert'
        ? 'dry run: not done'
        : a.error
          ? `FAILED ${a.error}`
          : 'not done';
    lines.push(`    → ${a.type} ${a.target}: ${state}`);
  }
  return lines.join('\n');
}

export const replayCommand: CliCommand = withCredentialHint('replay', {
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      ...SETTING_FLAGS,
      ...MEMBER_ROLE_FLAG,
      'no-alerts': { type: 'boolean' },
    });
    if (positionals.length === 0)
      throw new UsageError('replay needs at least one file of CloudTrail records');
    const settings = resolveSettings({
      ...(values.policy ? { policy: values.policy } : {}),
      ...(values['topic-arn'] ? { topicArn: values['topic-arn'] } : {}),
      ...(values['dry-run'] ? { dryRun: true } : {}),
      ...(values['member-role'] !== undefined ? { memberRole: values['member-role'] } : {}),
    });
    await notePolicyWarnings('replay', settings.policyPath, new Date());
    const log = createStderrLog(settings.logLevel);
    const metrics = new TallyMetrics();
    // Records carry their own region (and, in organization mode, their own account); this one is
    // home for the alert topic. Credentials are not checked up front: records that are skipped or
    // rejected need none.
    const aws = await connectAws(values.region, { checkCredentials: false, memberRole: settings.memberRole });
    // After the region and credential checks, whose one-line errors come first.
    warnWithoutLedger(settings, 'replay');
    const context = await createEnforceContext({ settings, aws, log, metrics });
    // No topic, no alert action: the engine plans none, so the verdicts show none.
    if (values['no-alerts']) delete context.topicArn;
    const once = enforceOnce(
      context,
      settings.idempotencyTable ? idempotencyOptions(aws, settings.idempotencyTable) : undefined,
    );

    const tally: ReplayTally = {
      records: 0,
      byStatus: {},
      failures: [],
      warnMissingTopic: !values['no-alerts'] && context.topicArn === undefined,
    };
    for (const file of positionals) await replayFile(file, once, tally, values.json === true);
    const { records, byStatus, failures } = tally;
    const summary = {
      records,
      failed: failures.length,
      failures: failures.slice(0, 100),
      byStatus,
      dryRun: context.dryRun,
      apiCalls: aws.counter.snapshot(),
    };
    writeLine(
      values.json
        ? JSON.stringify({ summary })
        : `\n${records} record(s): ${JSON.stringify(byStatus)}${failures.length ? `, ${failures.length} FAILED` : ''}${context.dryRun ? ' (dry run: nothing changed)' : ''}${values['no-alerts'] ? ' (--no-alerts: none sent)' : ''}`,
    );
    return failures.length > 0 || (byStatus.rejected ?? 0) > 0 ? EXIT.failed : EXIT.ok;
  },
});

/** What a replay has done so far, across its files. */
interface ReplayTally {
  records: number;
  byStatus: Record<string, number>;
  failures: { eventId: string; error: string; actions?: unknown }[];
  /** True until the run has said, once, that violations went unalerted for want of a topic. */
  warnMissingTopic: boolean;
}

const writeLine = (line: string) => process.stdout.write(`${line}\n`);

async function replayFile(file: string, once: EnforceOnce, tally: ReplayTally, json: boolean) {
  let inputs: unknown[];
  try {
    inputs = await readRecordsFromFile(file);
  } catch (error) {
    // An unreadable file fails the run (exit 1) but not the other files: their verdicts stand.
    tally.failures.push({ eventId: '', error: (error as Error).message });
    process.stderr.write(`clonewarden replay: ${(error as Error).message}\n`);
    return;
  }
  if (inputs.length === 0) {
    // A file that holds no record checks nothing: that is not a success.
    const error = `${file} holds no CloudTrail record`;
    tally.failures.push({ eventId: '', error });
    process.stderr.write(`clonewarden replay: ${error}\n`);
    return;
  }
  for (const input of inputs) {
    tally.records++;
    await replayRecord(input, once, tally, json);
    if (!json && tally.records % 100 === 0)
      process.stderr.write(`clonewarden replay: ${tally.records} records…\n`);
  }
}

async function replayRecord(input: unknown, once: EnforceOnce, tally: ReplayTally, json: boolean) {
  let outcome: { verdict: Verdict; status: ReplayStatus };
  try {
    outcome = await once(input);
  } catch (error) {
    // A failed record gets its line too, with the reason; the summary lists it and the exit code is 1.
    const partial = error instanceof ActionFailedError ? error.verdict : undefined;
    const reason = (error as Error).message ?? String(error);
    const verdict = { ...(partial ?? unprocessed(input)), reason };
    tally.failures.push({
      eventId: verdict.eventId,
      error: reason,
      ...(partial ? { actions: verdictLine(partial).actions } : {}),
    });
    process.stderr.write(`clonewarden replay: FAILED ${verdict.eventId || '(no event id)'}: ${reason}\n`);
    outcome = { verdict, status: 'failed' };
  }
  const { verdict, status } = outcome;
  if (status !== 'failed') tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
  writeLine(json ? JSON.stringify(verdictLine(verdict, status)) : humanLine(verdict, status));
  if (tally.warnMissingTopic && verdict.violations.length > 0) {
    tally.warnMissingTopic = false;
    process.stderr.write(
      'clonewarden replay: violations found, but no alert is sent: no alert topic (give --topic-arn, set CLONEWARDEN_ALERT_TOPIC_ARN or alerts.topicArn in the policy; --no-alerts silences this)\n',
    );
  }
}

/** Lambda's longest invocation (15 minutes): how long a record replay is working on stays locked. */
const LOCK_MS = 15 * 60_000;

/** Enforces one record unless it was seen before; throws as `enforceRecord` does. */
type EnforceOnce = (input: unknown) => Promise<{ verdict: Verdict; status: ReplayStatus }>;

/**
 * A record seen again in the same run is a `duplicate` with no action; with the idempotency
 * table, so is one the Lambda (or an earlier replay) handled: the same Powertools store and key
 * as the Lambda's. A record that failed, was skipped or rejected is not remembered: it did
 * nothing, so a later copy is read again.
 */
function enforceOnce(
  context: EnforceContext,
  idempotency?: ReturnType<typeof idempotencyOptions>,
): EnforceOnce {
  const seen = new Map<string, Verdict>();
  let ran = false;
  const run = async (_payload: unknown, input: unknown) => {
    ran = true;
    return enforceRecord(input, context);
  };
  // Powertools sizes the in-progress lock by the Lambda's remaining time; replay gives each
  // record the longest a Lambda invocation may take, so a crashed replay's lock lapses as one would.
  idempotency?.config.registerLambdaContext({ getRemainingTimeInMillis: () => LOCK_MS } as Context);
  const enforce = idempotency ? makeIdempotent(run, idempotency) : run;
  return async (input) => {
    const key = replayKey(input);
    const earlier = seen.get(key);
    if (earlier)
      return {
        verdict: asDuplicate(earlier, 'the same record came earlier in this replay'),
        status: 'duplicate',
      };
    ran = false;
    let verdict: Verdict;
    try {
      verdict = (await enforce(idempotencyPayload(input), input)) as Verdict;
    } catch (error) {
      if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error;
      const busy = asDuplicate(unprocessed(input), 'being enforced right now by another invocation');
      return { verdict: busy, status: 'duplicate' };
    }
    // Skipped and rejected records did nothing: a later copy is read again (it may differ).
    if (verdict.status !== 'skipped' && verdict.status !== 'rejected') seen.set(key, verdict);
    if (ran) return { verdict, status: verdict.status };
    return {
      verdict: asDuplicate(verdict, 'already handled (idempotency table): nothing done again'),
      status: 'duplicate',
    };
  };
}

/** The event id a record is known by (as the idempotency key reads it), else its whole text. */
function replayKey(input: unknown): string {
  const payload = idempotencyPayload(input) as { id?: unknown; detail?: { eventID?: unknown } };
  const id = payload.detail?.eventID ?? payload.id;
  if (typeof id === 'string' && id.length > 0) return `id:${id}`;
  return `record:${createHash('sha256')
    .update(JSON.stringify(input) ?? '')
    .digest('hex')}`;
}

/** What was done for the first copy is not done again: no actions, no violations repeated. */
function asDuplicate(verdict: Verdict, reason: string): Verdict {
  return { ...verdict, reason, violations: [], unknowns: [], actions: [] };
}

/** A verdict shell with what the record itself says (ids, name, region), for a line with no verdict. */
function unprocessed(input: unknown): Verdict {
  const parsed = parseCloneEvent(input);
  const known = (parsed.kind === 'event' ? parsed.event : parsed) as {
    eventId?: string;
    eventName?: string;
    region?: string;
    account?: string;
  };
  return {
    eventId: known.eventId ?? eventIdOf(input),
    eventName: known.eventName ?? '',
    region: known.region ?? '',
    account: known.account ?? '',
    resources: [],
    status: 'skipped',
    violations: [],
    unknowns: [],
    actions: [],
    dryRun: false,
  };
}

function eventIdOf(input: unknown): string {
  const record = input as { eventID?: unknown; detail?: { eventID?: unknown } } | undefined;
  const id = record?.detail?.eventID ?? record?.eventID;
  return typeof id === 'string' ? id.slice(0, 128) : '';
}
