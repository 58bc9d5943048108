import type { ReportStore } from '../aws/report-store.js';
import type { AlertPublisher } from '../aws/sns-alert-publisher.js';
import { buildAuditAlert, type StoredReport } from './audit-alert.js';
import { renderAuditHtml, renderAuditJson } from './report/index.js';
import type { AuditRun } from './run-audit.js';

/** The link's lifetime asked for: 7 days, SigV4's maximum; the signing credentials may cut it. */
const LINK_SECONDS = 7 * 86_400;

/** `audits/2026/12/01/clonewarden-audit-2026-12-01T06-00-00Z`: sortable, one folder per day. */
function reportKey(generatedAt: string): string {
  const stamp = generatedAt.replace(/\.\d+Z$/, 'Z').replaceAll(':', '-');
  const [year, month, day] = generatedAt.slice(0, 10).split('-');
  return `audits/${year}/${month}/${day}/clonewarden-audit-${stamp}`;
}

/**
 * The scheduled audit's delivery: the HTML and JSON into the report bucket, a presigned link
 * to the HTML, and one alert with the headline figures (when a topic is set).
 */
export async function deliverAudit(
  run: AuditRun,
  deps: { store: ReportStore; alerts: AlertPublisher; topicArn?: string; now: Date },
): Promise<StoredReport> {
  const key = reportKey(run.report.generatedAt);
  const stored = { bucket: deps.store.bucket, htmlKey: `${key}.html`, jsonKey: `${key}.json` };
  await deps.store.put(stored.jsonKey, renderAuditJson(run.report), 'application/json');
  await deps.store.put(stored.htmlKey, await renderAuditHtml(run.report), 'text/html; charset=utf-8');
  const link = await deps.store.link(stored.htmlKey, LINK_SECONDS, deps.now);
  const result = { ...stored, link };
  if (deps.topicArn) await deps.alerts.publish(buildAuditAlert(run, result, deps.topicArn));
  return result;
}
