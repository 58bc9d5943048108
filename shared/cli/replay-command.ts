import { createAwsClients } from '../aws/clients.js';
import { resolveSettings } from '../config.js';
import type { Verdict } from '../engine/types.js';
import { ActionFailedError, UsageError } from '../errors.js';
import { readRecordsFromFile } from '../events/read-records.js';
import { createEnforceContext } from '../pipeline/create-enforce-context.js';
import { enforceRecord } from '../pipeline/enforce-record.js';
import type { CliCommand } from './main.js';
import { parseFlags, SETTING_FLAGS } from './parse-flags.js';
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

export const replayCommand: CliCommand = {
  usage: [
    'usage: clonewarden replay <file…> [--policy FILE] [--topic-arn ARN] [--dry-run] [--json]',
    '',
    '  Each file may hold a bare CloudTrail record, an EventBridge envelope, a CloudTrail log file',
    '  {"Records":[…]}, a JSON array or JSON lines of those; gzip is detected and unpacked.',
    '  --json   one JSON object per record, then {"summary":{…}}',
    '  Exit 0 when every record was processed (violations are not errors), 1 when one failed,',
    '  2 on bad usage or an invalid policy.',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseFlags(args, SETTING_FLAGS);
    if (positionals.length === 0)
      throw new UsageError('replay needs at least one file of CloudTrail records');
    const settings = resolveSettings({
      ...(values.policy ? { policy: values.policy } : {}),
      ...(values['topic-arn'] ? { topicArn: values['topic-arn'] } : {}),
      ...(values['dry-run'] ? { dryRun: true } : {}),
    });
    const log = createStderrLog();
    const metrics = new TallyMetrics();
    const aws = createAwsClients();
    const context = await createEnforceContext({ settings, aws, log, metrics });

    const byStatus: Record<string, number> = {};
    let records = 0;
    const failures: { eventId: string; error: string }[] = [];
    const out = (line: string) => process.stdout.write(`${line}\n`);
    for (const file of positionals) {
      let inputs: unknown[];
      try {
        inputs = await readRecordsFromFile(file);
      } catch (error) {
        // An unreadable file fails the run (exit 1) but not the other files: their verdicts stand.
        failures.push({ eventId: '', error: (error as Error).message });
        process.stderr.write(`clonewarden replay: ${(error as Error).message}\n`);
        continue;
      }
      for (const input of inputs) {
        records++;
        try {
          const verdict = await enforceRecord(input, context);
          byStatus[verdict.status] = (byStatus[verdict.status] ?? 0) + 1;
          out(values.json ? JSON.stringify(verdictLine(verdict)) : humanLine(verdict));
        } catch (error) {
          // A failed record has no verdict status of its own: it is reported on stderr
          // and in the summary's `failures`, and makes the exit code 1.
          const partial = error instanceof ActionFailedError ? error.verdict : undefined;
          const failure = {
            eventId: partial?.eventId ?? eventIdOf(input),
            error: (error as Error).message ?? String(error),
            ...(partial ? { actions: verdictLine(partial).actions } : {}),
          };
          failures.push(failure);
          process.stderr.write(
            `clonewarden replay: FAILED ${failure.eventId || '(no event id)'}: ${failure.error}\n`,
          );
        }
        if (!values.json && records % 100 === 0)
          process.stderr.write(`clonewarden replay: ${records} records…\n`);
      }
    }
    const summary = {
      records,
      failed: failures.length,
      failures: failures.slice(0, 100),
      byStatus,
      dryRun: context.dryRun,
      apiCalls: aws.counter.snapshot(),
    };
    out(
      values.json
        ? JSON.stringify({ summary })
        : `\n${records} record(s): ${JSON.stringify(byStatus)}${failures.length ? `, ${failures.length} FAILED` : ''}${context.dryRun ? ' (dry run: nothing changed)' : ''}`,
    );
    return failures.length > 0 ? 1 : 0;
  },
};

function eventIdOf(input: unknown): string {
  const record = input as { eventID?: unknown; detail?: { eventID?: unknown } } | undefined;
  const id = record?.detail?.eventID ?? record?.eventID;
  return typeof id === 'string' ? id.slice(0, 128) : '';
}
