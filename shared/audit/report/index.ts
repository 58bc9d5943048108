/**
 * The audit report of `clonewarden audit`: the pure, AWS-free part. Give it the estate's
 * images and snapshots and the policy figures; it returns the analysis and its three formats.
 *
 * ```ts
 * import { buildAuditReport, renderAuditCsv, renderAuditHtml, renderAuditJson } from './report/index.js';
 *
 * const report = buildAuditReport(records, policyFigures, new Date());
 * await writeFile('audit.json', renderAuditJson(report)); // schemaVersion, trees (nodes + edges), findings, spend
 * await writeFile('audit.csv', renderAuditCsv(report));   // one row per clone, spreadsheet-safe
 * await writeFile('audit.html', await renderAuditHtml(report)); // one self-contained file, no network
 * ```
 *
 * - {@link buildAuditReport}`(records, policy, now)`: family trees (one per root, edges from
 *   `clonewarden:parent`, an image's disks under it), per-clone flags (quarantined, stale,
 *   public-share, foreign-share, over-depth, unlabelled), findings with prune candidates and
 *   their monthly saving, and spend by owner, cost center and account. Pure and synchronous.
 * - {@link renderAuditJson}: the report, checked against {@link AuditReportSchema}.
 * - {@link renderAuditCsv}: RFC 4180, CRLF, formula-looking cells prefixed with `'`.
 * - {@link renderAuditHtml}: trees laid out by Graphviz (WebAssembly, in-process), search and
 *   filters in an inline script, a CSP that forbids every network request. Async only because
 *   Graphviz's WebAssembly module loads asynchronously, once per process.
 *
 * Every tag value and name is attacker text: ids are validated before they form an edge, text
 * is cleaned of control and bidi characters, and each format escapes for its own syntax.
 * This folder imports nothing from the rest of shared/.
 */
export { renderAuditCsv } from './audit-csv.js';
export { renderAuditHtml } from './audit-html.js';
export { renderAuditJson } from './audit-json.js';
export {
  AUDIT_SCHEMA_VERSION,
  type AuditReport,
  AuditReportSchema,
  CLONE_FLAGS,
  CLONE_STATUSES,
  type CloneFlag,
  type CloneStatus,
  type FamilyTree,
  type Findings,
  type PruneCandidate,
  type SpendLine,
  type TreeEdge,
  type TreeNode,
} from './audit-report-schema.js';
export { buildAuditReport } from './build-audit-report.js';
export type { AuditPolicyFigures, EstateRecord } from './estate-record.js';
