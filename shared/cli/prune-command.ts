import { UsageError } from '../model/errors.js';
import { createPruneContext } from '../prune/create-prune-context.js';
import type { PruneReport } from '../prune/prune-report.js';
import { runPrune } from '../prune/run-prune.js';
import { resolveSettings } from '../settings/resolve-settings.js';
import { connectAws, withCredentialHint } from './aws-command.js';
import type { CliCommand } from './cli-command.js';
import { parseFlags, SETTING_FLAGS } from './parse-flags.js';
import { notePolicyWarnings } from './policy-notice.js';
import { createStderrLog, TallyMetrics } from './stderr-log.js';

function humanReport(report: PruneReport): string {
  const lines = [
    `prune ${report.account ?? '?'}/${report.region}${report.dryRun ? ' (DRY RUN: nothing changed)' : ''}`,
    `scanned ${report.scanned.images} images, ${report.scanned.snapshots} snapshots; launch-template use from ${report.inUse.referenceSource}`,
  ];
  for (const kind of ['image', 'snapshot'] as const) {
    const counts = Object.entries(report.counts[kind])
      .filter(([action, n]) => n > 0 && action !== 'keep')
      .map(([action, n]) => `${action} ${n}`);
    lines.push(`${kind}s: ${counts.join(', ') || 'nothing to do'}`);
  }
  for (const clone of report.clones) {
    const why = clone.protection ?? clone.hold;
    lines.push(
      `  ${clone.action.toUpperCase().padEnd(9)} ${clone.id} ${clone.reasons.join(',') || '-'}${why ? ` [${why}]` : ''}${clone.pruneAfter ? ` prune-after ${clone.pruneAfter}` : ''}${clone.done ? ' done' : ''}${clone.error ? ` FAILED ${clone.error}` : ''}`,
    );
  }
  if (report.clonesTotal > report.clones.length) {
    lines.push(`  … and ${report.clonesTotal - report.clones.length} more (see --json)`);
  }
  const r = report.reconcile;
  lines.push(
    `reconciled ${r.evaluated} of ${r.found} clones with no verdict (${r.deferred} deferred): ${JSON.stringify(r.byStatus)}, ${r.violationsTotal} violations, ${r.unknownsTotal} unknowns`,
  );
  for (const v of r.violations) lines.push(`  ✗ ${v.rule} [${v.severity}] ${v.resource}: ${v.message}`);
  lines.push(
    `estimated monthly saving $${report.savings.estimatedMonthlyUsd.toFixed(2)} (${report.savings.candidateGiB} GiB; upper bound)`,
  );
  for (const f of report.failures) lines.push(`FAILED ${f.step} ${f.id}: ${f.error}`);
  return lines.join('\n');
}

export const pruneCommand: CliCommand = withCredentialHint('prune', {
  usage: [
    'usage: clonewarden prune [--region R] [--policy FILE] [--topic-arn ARN] [--dry-run] [--json] [--reconcile-limit N]',
    '',
    "  Region: --region, AWS_REGION, AWS_DEFAULT_REGION, or your profile's region; none is an error.",
    '  Dry-run unless the policy sets prune.dryRun: false;',
    '  --dry-run / CLONEWARDEN_DRY_RUN=true force it. One digest goes to the alert topic.',
    '  --json              print the report as one JSON object',
    '  --reconcile-limit   clones without a verdict to evaluate this run (CLONEWARDEN_RECONCILE_LIMIT, default 500)',
    '  Exit 0 when the run completed, 1 when a deletion, mark or reconcile failed, 2 on bad usage or policy.',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      ...SETTING_FLAGS,
      'reconcile-limit': { type: 'string' },
    });
    if (positionals.length > 0)
      throw new UsageError(`prune takes no arguments, got: ${positionals.join(' ')}`);
    const settings = resolveSettings({
      ...(values.policy ? { policy: values.policy } : {}),
      ...(values['topic-arn'] ? { topicArn: values['topic-arn'] } : {}),
      ...(values['dry-run'] ? { dryRun: true } : {}),
      ...(values['reconcile-limit'] !== undefined ? { reconcileLimit: values['reconcile-limit'] } : {}),
    });
    await notePolicyWarnings('prune', settings.policyPath, new Date());
    const aws = await connectAws(values.region, { checkCredentials: true });
    const context = await createPruneContext({
      settings,
      aws,
      log: createStderrLog(settings.logLevel),
      metrics: new TallyMetrics(),
    });
    const report = { ...(await runPrune(context)), apiCalls: aws.counter.snapshot() };
    process.stdout.write(`${values.json ? JSON.stringify(report) : humanReport(report)}\n`);
    return report.failures.length > 0 ? 1 : 0;
  },
});
