import * as z from 'zod';

/**
 * The machine-readable audit report (`clonewarden audit --format json`). The zod schema is the
 * source of truth: the model types are derived from it, and consumers can validate with it.
 * Bump {@link AUDIT_SCHEMA_VERSION} on any change that is not a pure addition.
 */
export const AUDIT_SCHEMA_VERSION = 1;

export const CLONE_STATUSES = ['compliant', 'violation', 'quarantined', 'exempt', 'unevaluated'] as const;
/** `unevaluated`: no `clonewarden:status` tag, or one that is not a known status. */
const CloneStatusSchema = z.enum(CLONE_STATUSES);

export const CLONE_FLAGS = [
  'quarantined',
  'stale',
  'public-share',
  'foreign-share',
  'over-depth',
  'unlabelled',
] as const;
const CloneFlagSchema = z.enum(CLONE_FLAGS);

const NodeKindSchema = z.enum(['image', 'snapshot', 'instance', 'volume']);

/** A node of a family tree: a clone of the estate, or an original it descends from. */
const TreeNodeSchema = z.object({
  /** `region/id`: unique across the estate. */
  key: z.string(),
  id: z.string(),
  kind: NodeKindSchema,
  region: z.string(),
  /** False for originals (instances, volumes) and ancestors that are not in the estate. */
  inEstate: z.boolean(),
  account: z.string().optional(),
  /** The account's name in the organization (organization mode). */
  accountName: z.string().optional(),
  name: z.string().optional(),
  owner: z.string().optional(),
  costCenter: z.string().optional(),
  createdAt: z.string().optional(),
  ageDays: z.number().int().nonnegative().optional(),
  sizeGiB: z.number().nonnegative().optional(),
  state: z.string().optional(),
  status: CloneStatusSchema.optional(),
  /** The larger of the `clonewarden:generation` tag and the depth in the tree; 0 for a root. */
  generation: z.number().int().nonnegative(),
  monthlyCost: z.number().nonnegative(),
  flags: z.array(CloneFlagSchema),
  missingTags: z.array(z.string()),
  foreignAccounts: z.array(z.string()),
  /** Organizations and OUs (ARNs) the image is shared with, ours or not. */
  organizationShares: z.array(z.string()),
  /** What the analysis could not take at face value, e.g. an invalid or cyclic parent tag. */
  notes: z.array(z.string()),
});

/**
 * `lineage`: from the `clonewarden:parent` tag. `via-root`: the parent is not in the estate, so
 * the clone hangs under its `clonewarden:root`. `backs`: an image's block-device snapshot.
 */
const TreeEdgeSchema = z.object({
  from: z.string(),
  to: z.string(),
  kind: z.enum(['lineage', 'via-root', 'backs']),
});

const FamilyTreeSchema = z.object({
  /** The root node's key. */
  root: z.string(),
  nodes: z.array(TreeNodeSchema),
  edges: z.array(TreeEdgeSchema),
  depth: z.number().int().nonnegative(),
  clones: z.number().int().nonnegative(),
  flagged: z.number().int().nonnegative(),
  monthlyCost: z.number().nonnegative(),
});

const PruneCandidateSchema = z.object({
  key: z.string(),
  id: z.string(),
  kind: z.enum(['image', 'snapshot']),
  region: z.string(),
  owner: z.string().optional(),
  ageDays: z.number().int().nonnegative(),
  sizeGiB: z.number().nonnegative(),
  monthlySaving: z.number().nonnegative(),
});

const SpendLineSchema = z.object({
  key: z.string(),
  clones: z.number().int().nonnegative(),
  /** GiB of snapshot storage. */
  sizeGiB: z.number().nonnegative(),
  monthlyCost: z.number().nonnegative(),
});

const FindingsSchema = z.object({
  counts: z.record(CloneFlagSchema, z.number().int().nonnegative()),
  /** The node keys carrying each flag. */
  byFlag: z.record(CloneFlagSchema, z.array(z.string())),
  pruneCandidates: z.array(PruneCandidateSchema),
  pruneMonthlySaving: z.number().nonnegative(),
});

const SpendSchema = z.object({
  total: z.number().nonnegative(),
  byOwner: z.array(SpendLineSchema),
  byCostCenter: z.array(SpendLineSchema),
  byAccount: z.array(SpendLineSchema),
});

export const AuditReportSchema = z.object({
  schemaVersion: z.literal(AUDIT_SCHEMA_VERSION),
  generatedAt: z.string(),
  policy: z.object({
    maxAgeDays: z.object({ image: z.number().optional(), snapshot: z.number().optional() }),
    maxGeneration: z.number().optional(),
    requiredTags: z.array(z.string()),
    pricePerGbMonth: z.number().nonnegative(),
  }),
  totals: z.object({
    images: z.number().int().nonnegative(),
    snapshots: z.number().int().nonnegative(),
    trees: z.number().int().nonnegative(),
    /** GiB of snapshot storage: what the estate is billed for (images are billed through their snapshots). */
    snapshotGiB: z.number().nonnegative(),
  }),
  trees: z.array(FamilyTreeSchema),
  findings: FindingsSchema,
  spend: SpendSchema,
});

export type CloneStatus = z.infer<typeof CloneStatusSchema>;
export type CloneFlag = z.infer<typeof CloneFlagSchema>;
export type NodeKind = z.infer<typeof NodeKindSchema>;
export type TreeNode = z.infer<typeof TreeNodeSchema>;
export type TreeEdge = z.infer<typeof TreeEdgeSchema>;
export type FamilyTree = z.infer<typeof FamilyTreeSchema>;
export type PruneCandidate = z.infer<typeof PruneCandidateSchema>;
export type SpendLine = z.infer<typeof SpendLineSchema>;
export type Findings = z.infer<typeof FindingsSchema>;
export type AuditReport = z.infer<typeof AuditReportSchema>;
