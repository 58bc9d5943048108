import { organizationIdOf } from '../../model/organization-arn.js';
import type { CloneFlag, CloneStatus, NodeKind, TreeNode } from './audit-report-schema.js';
import { AUDIT_TAG, type AuditPolicyFigures, type EstateRecord, RESOURCE_LABEL } from './estate-record.js';

const DAY_MS = 86_400_000;
const KNOWN_STATUSES: ReadonlySet<string> = new Set(['compliant', 'violation', 'quarantined', 'exempt']);
const KIND_BY_PREFIX: Record<string, NodeKind> = {
  ami: 'image',
  snap: 'snapshot',
  i: 'instance',
  vol: 'volume',
};
/** C0/C1 controls and the bidi overrides that can make text read differently than it is stored. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** The longest user text kept: EC2's tag value limit; image names are at most 128. */
const MAX_TEXT = 256;

/** The unique key of a resource: ids are only unique within a region. */
export function nodeKey(region: string, id: string): string {
  return `${region}/${id}`;
}

export interface ResourceLabel {
  key: string;
  id: string;
  region: string;
  kind: NodeKind;
}

/** Reads a lineage tag value (`id` or `region/id`); anything that is not a valid id is ignored. */
export function parseResourceLabel(
  value: string | undefined,
  defaultRegion: string,
): ResourceLabel | undefined {
  if (value === undefined || !RESOURCE_LABEL.test(value)) return undefined;
  const slash = value.indexOf('/');
  const region = slash > 0 ? value.slice(0, slash) : defaultRegion;
  const id = slash > 0 ? value.slice(slash + 1) : value;
  const kind = KIND_BY_PREFIX[id.slice(0, id.indexOf('-'))]!;
  return { key: nodeKey(region, id), id, region, kind };
}

/** User text made safe to show: controls and bidi overrides replaced, cut to a sane length. */
function displayText(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const cleaned = value.replace(UNSAFE_CHARACTERS, '\uFFFD').trim();
  if (cleaned === '') return undefined;
  const codePoints = [...cleaned];
  return codePoints.length > MAX_TEXT ? `${codePoints.slice(0, MAX_TEXT - 1).join('')}…` : cleaned;
}

/** The generation the enforcer recorded, if it is a plain number. */
export function taggedGeneration(tags: Record<string, string>): number | undefined {
  const value = tags[AUDIT_TAG.generation];
  return value !== undefined && /^\d{1,4}$/.test(value) ? Number(value) : undefined;
}

function cloneStatus(tags: Record<string, string>): CloneStatus {
  const value = tags[AUDIT_TAG.status];
  return value !== undefined && KNOWN_STATUSES.has(value) ? (value as CloneStatus) : 'unevaluated';
}

function ageInDays(createdAt: string | undefined, now: Date): number | undefined {
  const created = createdAt === undefined ? Number.NaN : Date.parse(createdAt);
  if (Number.isNaN(created)) return undefined;
  return Math.max(0, Math.floor((now.getTime() - created) / DAY_MS));
}

/** The flags that depend on the clone alone; `over-depth` needs the tree and is added later. */
function recordFlags(
  record: EstateRecord,
  facts: {
    status: CloneStatus;
    ageDays?: number;
    missingTags: string[];
    foreignAccounts: string[];
    foreignOrganizations: string[];
  },
  policy: AuditPolicyFigures,
): CloneFlag[] {
  const flags: CloneFlag[] = [];
  const maxAge = policy.maxAgeDays[record.kind];
  if (facts.status === 'quarantined') flags.push('quarantined');
  if (maxAge !== undefined && facts.ageDays !== undefined && facts.ageDays > maxAge) flags.push('stale');
  if (record.shares.public) flags.push('public-share');
  if (facts.foreignAccounts.length > 0 || facts.foreignOrganizations.length > 0) flags.push('foreign-share');
  if (facts.missingTags.length > 0) flags.push('unlabelled');
  return flags;
}

/** Said of a clone whose shares the run did not look up, so that "not shared" is never assumed. */
const SHARES_UNCHECKED_NOTE = 'shares not checked this run (over audit.shareChecks)';

/** Said of an organization or OU share when the audit could not read its own organization's id. */
const ORGANIZATION_UNKNOWN_NOTE =
  "shared with an organization or OU, counted as foreign: the audit could not read its own organization's id";

/** The organization and OU shares of a record, and those outside our own organization. */
function organizationShares(record: EstateRecord, policy: AuditPolicyFigures) {
  const all = [
    ...new Set([...(record.shares.organizations ?? []), ...(record.shares.organizationalUnits ?? [])]),
  ];
  const foreign = all.filter(
    (arn) => policy.organisationId === undefined || organizationIdOf(arn) !== policy.organisationId,
  );
  return { all, foreign };
}

/** The tree node of one clone of the estate, before its place in the tree is known. */
export function describeClone(record: EstateRecord, policy: AuditPolicyFigures, now: Date): TreeNode {
  const organisation = new Set(policy.organisationAccounts);
  const status = cloneStatus(record.tags);
  const ageDays = ageInDays(record.createdAt, now);
  const missingTags = policy.requiredTags.filter((key) => displayText(record.tags[key]) === undefined);
  const foreignAccounts = [...new Set(record.shares.accounts)].filter(
    (account) => !organisation.has(account),
  );
  const organizations = organizationShares(record, policy);
  const flags = recordFlags(
    record,
    { status, ageDays, missingTags, foreignAccounts, foreignOrganizations: organizations.foreign },
    policy,
  );
  const notes = record.sharesUnchecked ? [SHARES_UNCHECKED_NOTE] : [];
  if (organizations.all.length > 0 && policy.organisationId === undefined)
    notes.push(ORGANIZATION_UNKNOWN_NOTE);
  const node: TreeNode = {
    key: nodeKey(record.region, record.id),
    id: record.id,
    kind: record.kind,
    region: record.region,
    inEstate: true,
    account: record.account,
    accountName: displayText(record.accountName),
    name: displayText(record.name ?? record.tags.Name),
    owner: displayText(record.tags[AUDIT_TAG.owner]),
    costCenter: displayText(record.tags[AUDIT_TAG.costCenter]),
    createdAt: record.createdAt,
    ageDays,
    sizeGiB: Math.max(0, record.sizeGiB),
    state: displayText(record.state),
    status,
    generation: 0,
    monthlyCost: 0,
    flags,
    missingTags,
    foreignAccounts: foreignAccounts.map((account) => displayText(account) ?? '?'),
    organizationShares: organizations.all.map((arn) => displayText(arn) ?? '?'),
    notes,
  };
  return dropUndefined(node);
}

/** A node for an original or an ancestor that the estate does not hold: only its id is known. */
export function describeOutsider(label: ResourceLabel, note: string): TreeNode {
  return {
    key: label.key,
    id: label.id,
    kind: label.kind,
    region: label.region,
    inEstate: false,
    generation: 0,
    monthlyCost: 0,
    flags: [],
    missingTags: [],
    foreignAccounts: [],
    organizationShares: [],
    notes: [note],
  };
}

/** Optional fields are left out rather than `undefined`, so that the JSON has no holes. */
function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
