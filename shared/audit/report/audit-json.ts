import { type AuditReport, AuditReportSchema } from './audit-report-schema.js';

/** The report for machines; validated against its own schema so that a bug cannot ship bad JSON. */
export function renderAuditJson(report: AuditReport): string {
  return `${JSON.stringify(AuditReportSchema.parse(report))}\n`;
}
