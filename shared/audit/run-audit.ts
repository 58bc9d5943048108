import { describeError } from '../aws/aws-error.js';
import type { AuditContext } from './audit-context.js';
import { auditPolicyFigures } from './audit-policy-figures.js';
import { type EstateReading, readEstateScope } from './read-estate.js';
import { type AuditReport, buildAuditReport, type EstateRecord } from './report/index.js';
import { type SecurityHubSync, syncSecurityHub } from './sync-security-hub.js';

/** How much of one scope the run read. */
interface ScopeSummary {
  account: string;
  /** Its name in the organization (organization mode). */
  accountName?: string;
  region: string;
  images: number;
  snapshots: number;
  sharesChecked: number;
  sharesUnchecked: number;
}

/** The outcome of one audit: the report, what was read, and what Security Hub was told. */
export interface AuditRun {
  report: AuditReport;
  records: EstateRecord[];
  scopes: ScopeSummary[];
  securityHub?: SecurityHubSync;
  failures: { step: string; error: string }[];
}

function summarise(reading: EstateReading): ScopeSummary {
  const images = reading.records.filter((record) => record.kind === 'image').length;
  return {
    ...reading.scope,
    images,
    snapshots: reading.records.length - images,
    sharesChecked: reading.sharesChecked,
    sharesUnchecked: reading.sharesUnchecked,
  };
}

const hasOrganizationShare = (record: EstateRecord) =>
  (record.shares.organizations?.length ?? 0) + (record.shares.organizationalUnits?.length ?? 0) > 0;

/**
 * Reads every scope in turn. In organization mode a member account that cannot be read (no
 * member role yet, a suspended account) is recorded as a failure and the others are still read;
 * the caller's own account, and any scope outside organization mode, fails the run.
 */
async function readScopes(context: AuditContext, failures: AuditRun['failures']): Promise<EstateReading[]> {
  const readings: EstateReading[] = [];
  for (const scope of context.scopes) {
    try {
      readings.push(await readEstateScope(context.sources(scope), scope, context));
    } catch (error) {
      if (!context.organizationMode || scope.account === context.account) throw error;
      context.log.error('an account of the organization could not be read', {
        account: scope.account,
        region: scope.region,
        error: describeError(error),
      });
      failures.push({ step: `read ${scope.account}/${scope.region}`, error: describeError(error) });
    }
  }
  return readings;
}

/**
 * The one audit path, for `clonewarden audit` and the weekly function: read every scope, build
 * the report, reconcile Security Hub when the policy asks. A scope that cannot be read fails
 * the run (a report with a region silently missing would mislead); a Security Hub failure is
 * recorded and the report still goes out.
 */
export async function runAudit(context: AuditContext): Promise<AuditRun> {
  const failures: AuditRun['failures'] = [];
  const readings = await readScopes(context, failures);
  const records = readings.flatMap((reading) => reading.records);
  const accounts = context.scopes.map((scope) => scope.account);
  // Asked only when an image is shared with an organization or OU: one call, usually none.
  const organisationId = records.some(hasOrganizationShare)
    ? await context.organization.organizationId()
    : undefined;
  const figures = auditPolicyFigures(context.policy, accounts, organisationId);
  const report = buildAuditReport(records, figures, context.now());
  const run: AuditRun = { report, records, scopes: readings.map(summarise), failures };
  if (context.hub) {
    try {
      run.securityHub = await syncSecurityHub(context.hub, records, { ...context, now: context.now() });
      for (const rejected of run.securityHub.rejected)
        run.failures.push({ step: 'security-hub', error: `${rejected.id}: ${rejected.error}` });
    } catch (error) {
      context.log.error('Security Hub could not be reconciled', { error: describeError(error) });
      run.failures.push({ step: 'security-hub', error: describeError(error) });
    }
  }
  context.metrics.count('AuditImages', report.totals.images);
  context.metrics.count('AuditSnapshots', report.totals.snapshots);
  context.metrics.count(
    'AuditFlagged',
    report.trees.reduce((sum, tree) => sum + tree.flagged, 0),
  );
  return run;
}
