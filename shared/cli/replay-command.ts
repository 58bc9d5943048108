import { readRecordsFromFile } from '../events/read-records.js';
import { ActionFailedError, UsageError } from '../model/errors.js';
import type { Verdict } from '../model/types.js';
import { createEnforceContext } from '../pipeline/create-enforce-context.js';
import type { EnforceContext } from '../pipeline/enforce-context.js';
import { enforceRecord } from '../pipeline/enforce-record.js';
import { resolveSettings } from '../settings/resolve-settings.js';
import { connectAws, withCredentialHint } from './aws-command.js';
import { type CliCommand, EXIT } from './cli-command.js';
import { parseFlags, SETTING_FLAGS } from './parse-flags.js';
import { notePolicyWarnings } from './policy-notice.js';
import { createStderrLog, TallyMetrics } from './stderr-log.js';

/** The line `replay --json` prints per record: a fixed shape that scripts may rely on. */
export function verdictLine(verdict: Verdict) {
  return {
    eventId: verdict.eventId,
    eventName: verdict.eventName,
    region: verdict.region,
    account: verdict.account,
    resources: verdict.resources,
    status: verdict.status,
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    violations: verdict.violations.map((v) => ({ rule: v.rule, severity: v.severity, message: v.message })),
    actions: verdict.actions.map((a) => ({ type: a.type, target: a.target, done: a.done })),
  };
}

function humanLine(verdict: Verdict): string {
  const head = `${verdict.status.toUpperCase().padEnd(11)} ${verdict.eventName || '?'} ${verdict.resources.join(',') || '-'} (${verdict.eventId || 'no event id'})`;
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
  usage: [
    'usage: clonewarden replay <file…> [--region R] [--policy FILE] [--topic-arn ARN] [--dry-run] [--no-alerts] [--json]',
    '',
    '  Each file may hold a bare CloudTrail record, an EventBridge envelope, a CloudTrail log file',
    '  {"Records":[…]}, a JSON array or JSON lines of those; gzip is detected and unpacked.',
    '  EC2 is read in the region each record names (awsRegion); --region is home for the alert topic.',
    '',
    '                   tags and quarantine   alert',
    '    (no flag)      as the policy says    sent',
    '    --dry-run      nothing changes       sent, marked DRY RUN',
    '    --no-alerts    as the policy says    not sent',
    '    both           nothing changes       not sent: a read-only check of the records',
    '  --json   one JSON object per record, then {"summary":{…}}',
    '',
    '  Exit 0 when every record was processed (violations are not errors; skipped records, calls',
    '  clonewarden does not govern, are not either), 1 when a record was rejected (not a CloudTrail',
    '  record it can read) or failed, a file could not be read or held no record; 2 on bad usage',
    '  or an invalid policy.',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      ...SETTING_FLAGS,
      'no-alerts': { type: 'boolean' },
    });
    if (positionals.length === 0)
      throw new UsageError('replay needs at least one file of CloudTrail records');
    const settings = resolveSettings({
      ...(values.policy ? { policy: values.policy } : {}),
      ...(values['topic-arn'] ? { topicArn: values['topic-arn'] } : {}),
      ...(values['dry-run'] ? { dryRun: true } : {}),
    });
    await notePolicyWarnings('replay', settings.policyPath, new Date());
    const log = createStderrLog(settings.logLevel);
    const metrics = new TallyMetrics();
    // Records carry their own region; this one is home for the alert topic. Credentials are not
    // checked up front: records that are skipped or rejected need none.
    const aws = await connectAws(values.region, { checkCredentials: false });
    const context = await createEnforceContext({ settings, aws, log, metrics });
    // No topic, no alert action: the engine plans none, so the verdicts show none.
    if (values['no-alerts']) delete context.topicArn;

    const tally: ReplayTally = {
      records: 0,
      byStatus: {},
      failures: [],
      warnMissingTopic: !values['no-alerts'] && context.topicArn === undefined,
    };
    for (const file of positionals) await replayFile(file, context, tally, values.json === true);
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

async function replayFile(file: string, context: EnforceContext, tally: ReplayTally, json: boolean) {
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
    await replayRecord(input, context, tally, json);
    if (!json && tally.records % 100 === 0)
      process.stderr.write(`clonewarden replay: ${tally.records} records…\n`);
  }
}

async function replayRecord(input: unknown, context: EnforceContext, tally: ReplayTally, json: boolean) {
  try {
    const verdict = await enforceRecord(input, context);
    tally.byStatus[verdict.status] = (tally.byStatus[verdict.status] ?? 0) + 1;
    writeLine(json ? JSON.stringify(verdictLine(verdict)) : humanLine(verdict));
    if (tally.warnMissingTopic && verdict.violations.length > 0) {
      tally.warnMissingTopic = false;
      process.stderr.write(
        'clonewarden replay: violations found, but no alert is sent: no alert topic (give --topic-arn, set CLONEWARDEN_ALERT_TOPIC_ARN or alerts.topicArn in the policy; --no-alerts silences this)\n',
      );
    }
  } catch (error) {
    // A failed record has no verdict status of its own: it is reported on stderr
    // and in the summary's `failures`, and makes the exit code 1.
    const partial = error instanceof ActionFailedError ? error.verdict : undefined;
    const failure = {
      eventId: partial?.eventId ?? eventIdOf(input),
      error: (error as Error).message ?? String(error),
      ...(partial ? { actions: verdictLine(partial).actions } : {}),
    };
    tally.failures.push(failure);
    process.stderr.write(
      `clonewarden replay: FAILED ${failure.eventId || '(no event id)'}: ${failure.error}\n`,
    );
  }
}

function eventIdOf(input: unknown): string {
  const record = input as { eventID?: unknown; detail?: { eventID?: unknown } } | undefined;
  const id = record?.detail?.eventID ?? record?.eventID;
  return typeof id === 'string' ? id.slice(0, 128) : '';
}
