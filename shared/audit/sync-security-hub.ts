import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { FindingsHub, RejectedFinding } from '../aws/security-hub-findings.js';
import type { Policy } from '../policy/schema.js';
import {
  cloneFinding,
  defaultProductArn,
  FINDING_GENERATOR,
  findingId,
  type OpenViolation,
  openViolation,
} from './clone-finding.js';
import type { EstateScope } from './read-estate.js';
import type { EstateRecord } from './report/index.js';

/** What one audit run did to Security Hub. */
export interface SecurityHubSync {
  productArn: string;
  created: number;
  updated: number;
  resolved: number;
  unchanged: number;
  rejected: RejectedFinding[];
  dryRun: boolean;
}

export interface SecurityHubSyncOptions {
  policy: Policy;
  homeRegion: string;
  /** The account the run acts in: BatchImportFindings takes only its own findings. */
  account: string;
  /** What this run read: findings of clones outside it are left alone, never resolved. */
  scopes: EstateScope[];
  now: Date;
  dryRun: boolean;
}

const sameViolation = (finding: AwsSecurityFinding, violation: OpenViolation) =>
  finding.ProductFields?.['clonewarden/ruleIds'] === violation.ruleIds.join(',') &&
  finding.FindingProviderFields?.Severity?.Original === violation.severity &&
  finding.ProductFields?.['clonewarden/status'] === (violation.quarantined ? 'quarantined' : 'violation');

/** The finding marked resolved: archived and passed, built from the fields an import requires. */
function resolvedFinding(finding: AwsSecurityFinding, now: Date): AwsSecurityFinding {
  const { SchemaVersion, Id, ProductArn, GeneratorId, AwsAccountId, Types, CreatedAt } = finding;
  const { Severity, FindingProviderFields, Title, Description, Resources, ProductFields } = finding;
  return {
    ...{ SchemaVersion, Id, ProductArn, GeneratorId, AwsAccountId, Types, CreatedAt, Severity },
    ...{ FindingProviderFields, Title, Description, Resources, ProductFields },
    UpdatedAt: now.toISOString(),
    Compliance: { Status: 'PASSED' },
    RecordState: 'ARCHIVED',
  };
}

function inScope(finding: AwsSecurityFinding, scopes: EstateScope[]): boolean {
  const region = finding.Resources?.[0]?.Region;
  return scopes.some((scope) => scope.account === finding.AwsAccountId && scope.region === region);
}

/**
 * Reconciles Security Hub with the estate, idempotently: each clone with an open violation is
 * one ACTIVE finding (created, or replaced when its rules, severity or quarantine changed); an
 * active finding whose clone is now compliant, exempt, released or gone is archived with
 * compliance PASSED. Running it twice changes nothing the second time.
 */
export async function syncSecurityHub(
  hub: FindingsHub,
  records: EstateRecord[],
  options: SecurityHubSyncOptions,
): Promise<SecurityHubSync> {
  const productArn = defaultProductArn(options.homeRegion, options.account);
  const active = new Map((await hub.activeFindings(productArn, FINDING_GENERATOR)).map((f) => [f.Id, f]));
  const imports: AwsSecurityFinding[] = [];
  const counts = { created: 0, updated: 0, resolved: 0, unchanged: 0 };
  const open = new Set<string>();
  for (const record of records) {
    const violation = record.account === options.account ? openViolation(record, options.policy) : undefined;
    if (!violation) continue;
    const id = findingId(record);
    open.add(id);
    const existing = active.get(id);
    if (existing && sameViolation(existing, violation)) {
      counts.unchanged++;
      continue;
    }
    counts[existing ? 'updated' : 'created']++;
    const createdAt = existing?.CreatedAt;
    imports.push(
      cloneFinding(record, violation, {
        policy: options.policy,
        productArn,
        now: options.now,
        ...(createdAt ? { createdAt } : {}),
      }),
    );
  }
  for (const [id, finding] of active) {
    if (open.has(id ?? '') || !inScope(finding, options.scopes)) continue;
    counts.resolved++;
    imports.push(resolvedFinding(finding, options.now));
  }
  const rejected = options.dryRun || imports.length === 0 ? [] : await hub.importFindings(imports);
  return { productArn, ...counts, rejected, dryRun: options.dryRun };
}
