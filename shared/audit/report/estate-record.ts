/**
 * One image or snapshot of the estate, as the audit reads it. Everything but `kind`, `id`,
 * `account`, `region` and the numbers is user-controlled text (tags, names) and is treated as
 * attacker input all the way to the rendered report.
 */
export interface EstateRecord {
  kind: 'image' | 'snapshot';
  id: string;
  /** The owning account id. */
  account: string;
  /** The account's name in the organization (organization mode); set by its administrators. */
  accountName?: string;
  region: string;
  /** An image's name, or a snapshot's `Name` tag / description. */
  name?: string;
  tags: Record<string, string>;
  /** ISO 8601: the image's CreationDate or the snapshot's StartTime. */
  createdAt?: string;
  /** GiB: a snapshot's VolumeSize; for an image, the sum over its backing snapshots. */
  sizeGiB: number;
  state?: string;
  /** Images: the snapshots behind their block devices. Empty for snapshots. */
  backingSnapshotIds: string[];
  /**
   * Launch permissions (images) or createVolumePermission (snapshots). Images can also be
   * shared with a whole organization or organizational unit, by ARN
   * (`arn:aws:organizations::<management account>:organization/o-…`, `…:ou/o-…/ou-…`).
   */
  shares: { public: boolean; accounts: string[]; organizations?: string[]; organizationalUnits?: string[] };
  /** True when the shares were not looked up (the run's share-check budget ran out): `shares` is then unknown, not empty. */
  sharesUnchecked?: boolean;
}

/** The policy figures the audit measures the estate against. */
export interface AuditPolicyFigures {
  /** Older than this many days is stale; absent means no limit for that kind. */
  maxAgeDays: { image?: number; snapshot?: number };
  /** Deeper than this generation is over-depth; absent means no limit. */
  maxGeneration?: number;
  /** Tag keys every clone must carry with a non-empty value (`Owner`, `CostCenter`, …). */
  requiredTags: string[];
  /** USD per GB-month of snapshot storage, for spend and prune savings. */
  pricePerGbMonth: number;
  /** The organisation's own account ids: a share with any other account is a foreign share. */
  organisationAccounts: string[];
  /**
   * Our organization's id (`o-…`) when the audit could read it: a share with any other
   * organization, or an OU of one, is a foreign share; absent, every such share counts as foreign.
   */
  organisationId?: string;
}

/**
 * The tag keys the audit reads. The `clonewarden:` ones are the public tag interface (README,
 * "Tags written"); they are spelled out here so that the renderer imports nothing from the
 * rest of shared/ while it is being restructured.
 */
export const AUDIT_TAG = {
  parent: 'clonewarden:parent',
  root: 'clonewarden:root',
  generation: 'clonewarden:generation',
  source: 'clonewarden:source',
  status: 'clonewarden:status',
  owner: 'Owner',
  costCenter: 'CostCenter',
} as const;

/** A resource id, optionally `region/id`; the same pattern as the engine's `isResourceLabel`. */
export const RESOURCE_LABEL = /^(?:[a-z]{2}(?:-[a-z]+)+-\d\/)?(?:ami|snap|i|vol)-[0-9a-f]{8,17}$/;
