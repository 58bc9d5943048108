import type { BlockPublicAccess } from '../aws/block-public-access.js';
import type { CloneKind, Severity } from '../model/types.js';
import type { PruneAction } from './plan-clone.js';
import type { Hold, Protection } from './protection.js';
import type { PruneReason } from './prune-reasons.js';

export const PRUNE_REPORT_SCHEMA = 'clonewarden.prune/v1';

/** The clones a report lists in full; counts always cover every clone. */
export const REPORT_CLONE_LIMIT = 1000;
/** Reconciled violations and unknowns a report lists in full. */
export const REPORT_FINDING_LIMIT = 500;

/** One clone that prune has something to say about (every action but `keep`). */
export interface PrunedClone {
  kind: CloneKind;
  id: string;
  action: PruneAction;
  reasons: PruneReason[];
  protection?: Protection;
  hold?: Hold;
  detail?: string;
  pruneAfter?: string;
  sizeGiB: number;
  /** Image name: user text, sanitised where it is shown. */
  name?: string;
  /** The action was carried out (never in dry-run). */
  done: boolean;
  error?: string;
  /** Images: backing snapshots that another image still uses, so they were kept. */
  keptSnapshots?: string[];
}

export type ActionCounts = Record<PruneAction, number>;

export interface ReconcileFinding {
  resource: string;
  rule: string;
  message: string;
  severity?: Severity;
  action?: string;
}

export interface ReconcileSummary {
  /** Clones with no `clonewarden:status` tag, old enough that enforce should have seen them. */
  readonly found: number;
  readonly evaluated: number;
  /** Left for the next run: over the per-run limit or out of time. */
  readonly deferred: number;
  readonly byStatus: Record<string, number>;
  readonly violations: readonly ReconcileFinding[];
  readonly violationsTotal: number;
  readonly unknowns: readonly ReconcileFinding[];
  readonly unknownsTotal: number;
  readonly highestSeverity?: Severity;
}

export interface PruneFailure {
  id: string;
  step: string;
  error: string;
}

/** A remark about one clone, e.g. an expiry tag that is not a date. */
export interface PruneNote {
  id: string;
  note: string;
}

/**
 * What one prune run saw and did; the Lambda returns it, `clonewarden prune --json` prints it.
 * Built once, from the plan and what applying it did, and never changed after.
 */
export interface PruneReport {
  readonly schema: typeof PRUNE_REPORT_SCHEMA;
  readonly region: string;
  readonly account?: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly scanned: { readonly images: number; readonly snapshots: number };
  readonly inUse: {
    /** How launch-template use was established. */
    readonly referenceSource: 'DescribeImageReferences' | 'launch-template-scan' | 'not-needed';
    readonly imagesUsedByInstances: number;
    readonly launchTemplates?: {
      templates: number;
      versions: number;
      unresolved: number;
      examples: string[];
    };
  };
  readonly counts: Readonly<Record<CloneKind, ActionCounts>>;
  /** Candidates per reason and kind (a clone may have several reasons). */
  readonly byReason: Readonly<Record<PruneReason, Record<CloneKind, number>>>;
  /** Candidates kept because they are in use, by protection. */
  readonly byProtection: Partial<Record<Protection | Hold, number>>;
  readonly savings: {
    readonly pricePerGbMonth: number;
    /** GiB of every unprotected candidate (marked, waiting, held or deleted). */
    readonly candidateGiB: number;
    readonly estimatedMonthlyUsd: number;
    readonly deletedGiB: number;
    readonly deletedMonthlyUsd: number;
    readonly note: string;
  };
  readonly clones: readonly PrunedClone[];
  readonly clonesTotal: number;
  readonly notes: readonly PruneNote[];
  readonly reconcile: ReconcileSummary;
  /** Clones actually deleted this run (never in dry-run). */
  readonly deleted: Readonly<Record<CloneKind, number>>;
  /** Deletions left for the next run because the run ran out of time. */
  readonly deferredDeletions: number;
  readonly failures: readonly PruneFailure[];
  /** Image and snapshot block public access in this account and region, when read. */
  readonly blockPublicAccess?: BlockPublicAccess;
  /** SDK calls by operation, added by the entry point that owns the client's counter. */
  readonly apiCalls?: Record<string, number>;
}

export const SAVINGS_NOTE =
  'An upper bound: EBS snapshots are incremental, so deleting one frees only the blocks no other snapshot shares; images count the full size of their backing snapshots.';

export function emptyCounts(): ActionCounts {
  return { keep: 0, protected: 0, mark: 0, wait: 0, held: 0, delete: 0, unmark: 0 };
}
