import type { AwsSecurityFinding, Partition, SeverityLabel } from '@aws-sdk/client-securityhub';
import { TAG } from '../model/clonewarden-tags.js';
import { highestSeverity, type Severity } from '../model/severity.js';
import type { Policy } from '../policy/schema.js';
import { findRuleType } from '../rules/registry.js';
import type { EstateRecord } from './report/index.js';

/** The GeneratorId of every clonewarden finding: what the audit owns and reconciles. */
export const FINDING_GENERATOR = 'clonewarden-audit';
/** ASFF type: namespace/category/classifier ("ASFF types taxonomy"); the classifier is ours. */
const FINDING_TYPE = 'Software and Configuration Checks/AWS Security Best Practices/clonewarden clone policy';
const SEVERITY_LABEL: Record<Severity, SeverityLabel> = {
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  critical: 'CRITICAL',
};
/** ASFF field limits: Title 256, Description 1024, Remediation text 512 characters. */
const LIMIT = { title: 256, description: 1024, remediation: 512 } as const;
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A clone's open violation, as its verdict tags record it. */
export interface OpenViolation {
  ruleIds: string[];
  severity: Severity;
  quarantined: boolean;
}

/**
 * The clone's open violation, or `undefined` when it has none (compliant, exempt, released,
 * or never judged). Status and rule ids are read from the record's `clonewarden:` tags, which
 * are the ledger's mirror when the ledger is configured (`withLedgerTags`, read-estate.ts), and
 * the tags as found otherwise; each rule id is still validated, and its severity is the policy's.
 */
export function openViolation(record: EstateRecord, policy: Policy): OpenViolation | undefined {
  const status = record.tags[TAG.status];
  if (status !== 'violation' && status !== 'quarantined') return undefined;
  const ruleIds = (record.tags[TAG.violations] ?? '').split(',').filter((id) => RULE_ID.test(id));
  const rules = ruleIds.flatMap((id) => policy.rules.filter((rule) => rule.id === id));
  const severity = highestSeverity(rules) ?? (status === 'quarantined' ? 'high' : 'medium');
  return { ruleIds, severity, quarantined: status === 'quarantined' };
}

/** `aws`, `aws-cn` or `aws-us-gov`, from the region's name. */
function partitionOf(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The account's default product in the home region: where its own custom findings go. */
export function defaultProductArn(homeRegion: string, account: string): string {
  return `arn:${partitionOf(homeRegion)}:securityhub:${homeRegion}:${account}:product/${account}/default`;
}

/** One finding per clone, stable across runs so that an import replaces it. */
export function findingId(record: Pick<EstateRecord, 'account' | 'region' | 'id'>): string {
  return `clonewarden/${record.account}/${record.region}/${record.id}`;
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** What to do, from each rule type's own fix hint (the same text the alerts give). */
function remediation(record: EstateRecord, violation: OpenViolation, policy: Policy): string {
  const hints = violation.ruleIds.map((id) => {
    const type = policy.rules.find((rule) => rule.id === id)?.type;
    return `${id}: ${findRuleType(type)?.fixHint(record.id) ?? `see rule "${id}" in the policy`}`;
  });
  const release = violation.quarantined
    ? ` After review, lift the quarantine with: clonewarden release ${record.id}.`
    : '';
  return cut(`${hints.join(' ') || 'See the clonewarden policy.'}${release}`, LIMIT.remediation);
}

/**
 * The ASFF finding of a clone with an open violation. Severity goes in FindingProviderFields
 * too: after creation, a provider updates severity only there ("BatchImportFindings").
 * The name is attacker text: it is left out; ids and rule ids are validated.
 */
export function cloneFinding(
  record: EstateRecord,
  violation: OpenViolation,
  context: { policy: Policy; productArn: string; now: Date; createdAt?: string },
): AwsSecurityFinding {
  const partition = partitionOf(record.region);
  const type = record.kind === 'image' ? 'image' : 'snapshot';
  const label = SEVERITY_LABEL[violation.severity];
  const rules = violation.ruleIds.join(', ') || 'unknown rule';
  const now = context.now.toISOString();
  return {
    SchemaVersion: '2018-10-08',
    Id: findingId(record),
    ProductArn: context.productArn,
    GeneratorId: FINDING_GENERATOR,
    AwsAccountId: record.account,
    Types: [FINDING_TYPE],
    CreatedAt: context.createdAt ?? now,
    UpdatedAt: now,
    Severity: { Label: label, Original: violation.severity },
    FindingProviderFields: {
      Severity: { Label: label, Original: violation.severity },
      Types: [FINDING_TYPE],
    },
    Title: cut(`clonewarden: ${type} ${record.id} violates ${rules}`, LIMIT.title),
    Description: cut(
      `The ${type} ${record.id} in ${record.region} breaks the clone policy (rules: ${rules})${violation.quarantined ? ' and is quarantined: unshared and, for an image, disabled' : ''}. Found by the clonewarden audit.`,
      LIMIT.description,
    ),
    Remediation: { Recommendation: { Text: remediation(record, violation, context.policy) } },
    ProductFields: {
      'clonewarden/ruleIds': violation.ruleIds.join(','),
      'clonewarden/status': violation.quarantined ? 'quarantined' : 'violation',
    },
    Resources: [
      {
        Type: 'Other',
        Id: `arn:${partition}:ec2:${record.region}::${type}/${record.id}`,
        Partition: partition,
        Region: record.region,
      },
    ],
    Compliance: { Status: 'FAILED' },
    RecordState: 'ACTIVE',
  };
}
