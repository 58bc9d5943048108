import { AwsOrganizationalUnitPaths } from '../aws/organizational-unit-paths.js';
import { UsageError } from '../model/errors.js';
import { createPruneContext } from '../prune/create-prune-context.js';
import type { PruneReport } from '../prune/prune-report.js';
import { runPrune } from '../prune/run-prune.js';
import { resolveSettings } from '../settings/resolve-settings.js';
import { connectAws, openTargetAccount, withCredentialHint } from './aws-command.js';
import type { CliCommand } from './cli-command.js';
import { warnWithoutLedger } from './ledger-warning.js';
import { ACCOUNT_FLAGS, parseFlags, SETTING_FLAGS } from './parse-flags.js';
import { notePolicyWarnings } from './policy-notice.js';
import { createStderrLog, TallyMetrics } from './stderr-log.js';

function humanReport(report: PruneReport, accountName: string | undefined): string {
  const named = accountName ? ` (${accountName})` : '';
  const lines = [
    `prune ${report.account ?? '?'}${named}/${report.region}${report.dryRun ? ' (DRY RUN: nothing changed)' : ''}`,
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
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      ...SETTING_FLAGS,
      ...ACCOUNT_FLAGS,
      'reconcile-limit': { type: 'string' },
    });
    if (positionals.length > 0)
      throw new UsageError(`prune takes no arguments, got: ${positionals.join(' ')}`);
    const settings = resolveSettings({
      ...(values.policy ? { policy: values.policy } : {}),
      ...(values['topic-arn'] ? { topicArn: values['topic-arn'] } : {}),
      ...(values['dry-run'] ? { dryRun: true } : {}),
      ...(values['reconcile-limit'] !== undefined ? { reconcileLimit: values['reconcile-limit'] } : {}),
      ...(values['member-role'] !== undefined ? { memberRole: values['member-role'] } : {}),
    });
    await notePolicyWarnings('prune', settings.policyPath, new Date());
    const log = createStderrLog(settings.logLevel);
    const aws = await connectAws(values.region, { checkCredentials: true, memberRole: settings.memberRole });
    const target = await openTargetAccount(aws, {
      accountFlag: values.account,
      memberRole: settings.memberRole,
      log,
    });
    // After the region and credential checks, whose one-line errors come first.
    warnWithoutLedger(settings, 'prune');
    const context = await createPruneContext({
      settings,
      aws: target.aws,
      hubAws: aws,
      // --account: that account's own policy (its OU and account overrides), as enforce's.
      ...(values.account !== undefined
        ? { scope: { account: values.account, organization: new AwsOrganizationalUnitPaths(aws) } }
        : {}),
      log,
      metrics: new TallyMetrics(),
    });
    const report = {
      ...(await runPrune(context)),
      ...(target.accountName ? { accountName: target.accountName } : {}),
      apiCalls: aws.counter.snapshot(),
    };
    process.stdout.write(
      `${values.json ? JSON.stringify(report) : humanReport(report, target.accountName)}\n`,
    );
    return report.failures.length > 0 ? 1 : 0;
  },
});
