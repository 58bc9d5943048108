import type { MessageAttributeValue, PublishCommandInput } from '@aws-sdk/client-sns';
import { cleanPlainText } from '../actions/sanitize-text.js';
import { buildSnsPublish, fitSubject, stringAttribute } from '../actions/sns-publish.js';
import type { ReportLink } from '../aws/report-store.js';
import type { AuditRun } from './run-audit.js';

const AUDIT_ALERT_SCHEMA = 'clonewarden.audit/v1';

/** Where the run stored its report. */
export interface StoredReport {
  bucket: string;
  htmlKey: string;
  jsonKey: string;
  link: ReportLink;
}

const money = (value: number) => `$${value.toFixed(2)}`;

function headline(run: AuditRun) {
  const { report } = run;
  return {
    images: report.totals.images,
    snapshots: report.totals.snapshots,
    trees: report.totals.trees,
    flagged: report.trees.reduce((sum, tree) => sum + tree.flagged, 0),
    findings: report.findings.counts,
    monthlySpend: report.spend.total,
    pruneCandidates: report.findings.pruneCandidates.length,
    pruneMonthlySaving: report.findings.pruneMonthlySaving,
    sharesUnchecked: run.scopes.reduce((sum, scope) => sum + scope.sharesUnchecked, 0),
  };
}

/** The scopes read: each one for a few, a count for an organization's many. */
function auditedScopes(run: AuditRun): string {
  const named = run.scopes.map((s) => `${cleanPlainText(s.account, 20)}/${cleanPlainText(s.region, 24)}`);
  if (named.length <= 6) return named.join(', ');
  const accounts = new Set(run.scopes.map((s) => s.account)).size;
  const regions = new Set(run.scopes.map((s) => s.region)).size;
  return `${accounts} accounts in ${regions} regions (${named.slice(0, 3).join(', ')}, …)`;
}

/** When the link stops working, and why that is sooner than 7 days when it is. */
function linkLifetime(link: ReportLink): string {
  const until = `The link works until ${link.expiresAt.toISOString()}.`;
  const signer = link.signerProblem
    ? ` The link signer could not be used, so the function's own credentials signed it: ${cleanPlainText(link.signerProblem, 600)}.`
    : '';
  const capped = link.cappedByCredentials
    ? " That is shorter than 7 days because a presigned link dies with the credentials that signed it, and the function's role session is short."
    : '';
  return `${until}${capped}${signer}`;
}

function alertText(run: AuditRun, stored: StoredReport): string {
  const figures = headline(run);
  const { link } = stored;
  const lines = [
    `clonewarden audit of ${auditedScopes(run)}`,
    `${figures.images} images, ${figures.snapshots} snapshots in ${figures.trees} family trees; ${figures.flagged} flagged.`,
    ...Object.entries(figures.findings).map(([flag, count]) => `  ${flag}: ${count}`),
    `Snapshot storage: ${money(figures.monthlySpend)}/month. Prune candidates: ${figures.pruneCandidates} (${money(figures.pruneMonthlySaving)}/month).`,
    figures.sharesUnchecked > 0
      ? `Shares not checked this run: ${figures.sharesUnchecked} clones (audit.shareChecks).`
      : '',
    run.securityHub
      ? `Security Hub: ${run.securityHub.created} new, ${run.securityHub.updated} updated, ${run.securityHub.resolved} resolved findings${run.securityHub.dryRun ? ' (DRY RUN: nothing imported)' : ''}.`
      : '',
    '',
    `Report (HTML, opens offline): ${link.url}`,
    linkLifetime(link),
    `After that, the report stays at s3://${stored.bucket}/${stored.htmlKey} (JSON: ${stored.jsonKey}) for anyone allowed to read the bucket.`,
    ...run.failures.slice(0, 10).map((f) => `FAILED ${f.step}: ${cleanPlainText(f.error, 300)}`),
  ];
  return lines.filter((line, index) => line !== '' || index > 0).join('\n');
}

/**
 * The one message of a scheduled audit: the headline figures and the link to the stored
 * report, built with the one SNS builder. No user text but account ids and error messages,
 * cleaned; the report itself is behind the link.
 */
export function buildAuditAlert(run: AuditRun, stored: StoredReport, topicArn: string): PublishCommandInput {
  const figures = headline(run);
  const attributes: Record<string, MessageAttributeValue> = {
    eventName: stringAttribute('AuditReport'),
    account: stringAttribute(run.scopes[0]?.account),
    region: stringAttribute(run.scopes[0]?.region),
  };
  return buildSnsPublish({
    topicArn,
    subject: fitSubject(
      ['audit:', `${figures.images} images, ${figures.snapshots} snapshots, ${figures.flagged} flagged`],
      [`(~${money(figures.monthlySpend)}/month)`],
    ),
    attributes,
    content: () => ({
      text: alertText(run, stored),
      document: {
        schema: AUDIT_ALERT_SCHEMA,
        generatedAt: run.report.generatedAt,
        scopes: run.scopes,
        ...figures,
        securityHub: run.securityHub ?? null,
        report: {
          url: stored.link.url,
          expiresAt: stored.link.expiresAt.toISOString(),
          cappedByCredentials: stored.link.cappedByCredentials,
          signedBy: stored.link.signedBy,
          signerProblem: stored.link.signerProblem ?? null,
          html: `s3://${stored.bucket}/${stored.htmlKey}`,
          json: `s3://${stored.bucket}/${stored.jsonKey}`,
        },
        failures: run.failures.slice(0, 20),
      },
    }),
  });
}
