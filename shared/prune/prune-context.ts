import type { BlockPublicAccessReader } from '../aws/block-public-access.js';
import type { CloneDeleter } from '../aws/clone-deleter.js';
import type { CloneInventory } from '../aws/clone-inventory.js';
import type { AlertPublisher } from '../aws/sns-alert-publisher.js';
import type { EnforcerLog, EnforcerMetrics } from '../model/log.js';
import type { Policy } from '../policy/schema.js';
import type { LedgerView } from './ledger-view.js';
import type { Reconciler } from './reconcile-clone.js';

/** What a prune run works with: the policy, the adapters, the clock and the run's limits. */
export interface PruneContext {
  policy: Policy;
  region: string;
  /** Effective dry-run: the policy's `prune.dryRun`, or forced by `--dry-run` / CLONEWARDEN_DRY_RUN. */
  dryRun: boolean;
  topicArn?: string;
  inventory: CloneInventory;
  /** The account's image and snapshot block public access; the run reports it when given. */
  publicAccess?: BlockPublicAccessReader;
  deleter: CloneDeleter;
  reconciler: Reconciler;
  /** The ledger, read once per run; absent only in the CLI without CLONEWARDEN_LEDGER_TABLE. */
  ledger?: LedgerView;
  alerts: AlertPublisher;
  log: EnforcerLog;
  metrics: EnforcerMetrics;
  now: () => Date;
  /** Epoch ms after which no new deletion or reconcile starts (Lambda's 15 minutes). */
  deadline?: number;
  /** Clones reconciled per run at most; the rest wait for the next run. */
  reconcileLimit: number;
  /** Deletions and reconciles in flight at once; adaptive retries absorb EC2 throttling. */
  concurrency: number;
  /** The organization prune: the run sends no digest of its own, its job result goes into one. */
  digestSentByCaller?: boolean;
}

export const DEFAULT_RECONCILE_LIMIT = 500;
export const DEFAULT_CONCURRENCY = 4;

/** Whether the run's deadline has passed: work not yet started is left for the next run. */
export function isOutOfTime(context: Pick<PruneContext, 'deadline'>): boolean {
  return context.deadline !== undefined && Date.now() >= context.deadline;
}
