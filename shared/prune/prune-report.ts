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
  found: number;
  evaluated: number;
  /** Left for the next run: over the per-run limit or out of time. */
  deferred: number;
  byStatus: Record<string, number>;
  violations: ReconcileFinding[];
  violationsTotal: number;
  unknowns: ReconcileFinding[];
  unknownsTotal: number;
  highestSeverity?: Severity;
}

export interface PruneFailure {
  id: string;
  step: string;
  error: string;
}

/** What one prune run saw and did; the Lambda returns it, `clonewarden prune --json` prints it. */
export interface PruneReport {
  schema: typeof PRUNE_REPORT_SCHEMA;
  region: string;
  account?: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  scanned: { images: number; snapshots: number };
  inUse: {
    /** How launch-template use was established. */
    referenceSource: 'DescribeImageReferences' | 'launch-template-scan' | 'not-needed';
    imagesUsedByInstances: number;
    launchTemplates?: { templates: number; versions: number; unresolved: number; examples: string[] };
  };
  counts: Record<CloneKind, ActionCounts>;
  /** Candidates per reason and kind (a clone may have several reasons). */
  byReason: Record<PruneReason, Record<CloneKind, number>>;
  /** Candidates kept because they are in use, by protection. */
  byProtection: Partial<Record<Protection | Hold, number>>;
  savings: {
    pricePerGbMonth: number;
    /** GiB of every unprotected candidate (marked, waiting, held or deleted). */
    candidateGiB: number;
    estimatedMonthlyUsd: number;
    deletedGiB: number;
    deletedMonthlyUsd: number;
    note: string;
  };
  clones: PrunedClone[];
  clonesTotal: number;
  notes: { id: string; note: string }[];
  reconcile: ReconcileSummary;
  /** Clones actually deleted this run (never in dry-run). */
  deleted: Record<CloneKind, number>;
  /** Deletions left for the next run because the run ran out of time. */
  deferredDeletions: number;
  failures: PruneFailure[];
  apiCalls?: Record<string, number>;
}

export const SAVINGS_NOTE =
  'An upper bound: EBS snapshots are incremental, so deleting one frees only the blocks no other snapshot shares; images count the full size of their backing snapshots.';

export function emptyCounts(): ActionCounts {
  return { keep: 0, protected: 0, mark: 0, wait: 0, held: 0, delete: 0, unmark: 0 };
}
