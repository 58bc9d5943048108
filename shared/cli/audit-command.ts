import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { cleanPlainText } from '../actions/sanitize-text.js';
import type { AuditRun } from '../audit/run-audit.js';
import { resolveRegion } from '../aws/aws-config.js';
import { StsCallerIdentity } from '../aws/caller-identity.js';
import { UsageError } from '../model/errors.js';
import { resolveSettings } from '../settings/resolve-settings.js';
import { connectAws, withCredentialHint } from './aws-command.js';
import type { CliCommand } from './cli-command.js';
import { MEMBER_ROLE_FLAG, parseFlags, SETTING_FLAGS } from './parse-flags.js';
import { notePolicyWarnings } from './policy-notice.js';
import { createStderrLog, TallyMetrics } from './stderr-log.js';

const FORMATS = ['html', 'json', 'csv'] as const;
type Format = (typeof FORMATS)[number];

/** Each format's renderer, loaded when used: html pulls in Graphviz's WebAssembly. */
const RENDERERS: Record<Format, (run: AuditRun) => Promise<string>> = {
  html: async (run) => (await import('../audit/report/index.js')).renderAuditHtml(run.report),
  json: async (run) => (await import('../audit/report/index.js')).renderAuditJson(run.report),
  csv: async (run) => (await import('../audit/report/index.js')).renderAuditCsv(run.report),
};

/** An account name is set by the organization's administrators: plain text on a terminal. */
const cleanName = (name: string) => cleanPlainText(name, 60);

function summary(run: AuditRun): string {
  const { totals, findings, spend } = run.report;
  const lines = run.scopes.map(
    (s) =>
      `audit ${s.account}${s.accountName ? ` (${cleanName(s.accountName)})` : ''}/${s.region}: ${s.images} images, ${s.snapshots} snapshots${s.sharesUnchecked > 0 ? `; shares not checked for ${s.sharesUnchecked} (audit.shareChecks)` : ''}`,
  );
  lines.push(
    `${totals.trees} family trees; ${Object.entries(findings.counts)
      .map(([flag, n]) => `${flag} ${n}`)
      .join(', ')}`,
    `snapshot storage $${spend.total.toFixed(2)}/month; prune candidates ${findings.pruneCandidates.length} ($${findings.pruneMonthlySaving.toFixed(2)}/month)`,
  );
  const hub = run.securityHub;
  if (hub)
    lines.push(
      `Security Hub: ${hub.created} new, ${hub.updated} updated, ${hub.resolved} resolved, ${hub.unchanged} unchanged${hub.dryRun ? ' (DRY RUN: nothing imported)' : ''}`,
    );
  for (const failure of run.failures) lines.push(`FAILED ${failure.step}: ${failure.error}`);
  return lines.join('\n');
}

function parseFormat(value: string | undefined): Format {
  const format = value ?? 'html';
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format ${format.slice(0, 20)}: use html, json or csv`);
  return format as Format;
}

/** HTML without --out goes to a dated file in the current folder, never to a terminal. */
const defaultHtmlPath = (generatedAt: string) =>
  `clonewarden-audit-${generatedAt.slice(0, 19).replaceAll(':', '-')}.html`;

export const auditCommand: CliCommand = withCredentialHint('audit', {
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      policy: SETTING_FLAGS.policy,
      'dry-run': SETTING_FLAGS['dry-run'],
      ...MEMBER_ROLE_FLAG,
      region: { type: 'string', multiple: true },
      format: { type: 'string' },
      out: { type: 'string' },
    });
    if (positionals.length > 0)
      throw new UsageError(`audit takes no arguments, got: ${positionals.join(' ')}`);
    const format = parseFormat(values.format);
    const settings = resolveSettings({
      ...(values.policy ? { policy: values.policy } : {}),
      ...(values['dry-run'] ? { dryRun: true } : {}),
      ...(values['member-role'] !== undefined ? { memberRole: values['member-role'] } : {}),
    });
    await notePolicyWarnings('audit', settings.policyPath, new Date());
    const [home, ...others] = values.region ?? [];
    // Each --region is checked like the first: a typo fails before any call, not as an SDK error.
    for (const region of others) await resolveRegion(region);
    const aws = await connectAws(home, { checkCredentials: true, memberRole: settings.memberRole });
    const { account = 'unknown' } = await new StsCallerIdentity(aws).whoAmI();
    const { createAuditContext } = await import('../audit/create-audit-context.js');
    const { runAudit } = await import('../audit/run-audit.js');
    const context = await createAuditContext({
      settings,
      aws,
      account,
      ...(values.region ? { regions: others } : {}),
      log: createStderrLog(settings.logLevel),
      metrics: new TallyMetrics(),
    });
    const run = await runAudit(context);
    const text = await RENDERERS[format](run);
    const out = values.out ?? (format === 'html' ? defaultHtmlPath(run.report.generatedAt) : undefined);
    if (out) await writeFile(out, text);
    else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    process.stderr.write(`${summary(run)}\n`);
    if (out) process.stderr.write(`wrote ${resolve(out)}\n`);
    return run.failures.length > 0 ? 1 : 0;
  },
});
