import { Ec2BlockPublicAccess } from '../aws/block-public-access.js';
import type { AwsClients } from '../aws/clients.js';
import { Ec2CloneDeleter } from '../aws/clone-deleter.js';
import { Ec2CloneInventory } from '../aws/clone-inventory.js';
import { DynamoDbCloneLedger } from '../aws/clone-ledger.js';
import { dynamoDbLedgerRegion } from '../aws/clone-ledger-query.js';
import { Ec2CloneActions } from '../aws/ec2-clone-actions.js';
import { Ec2CloneFacts } from '../aws/ec2-clone-facts.js';
import type { OrganizationalUnitPaths } from '../aws/organizational-unit-paths.js';
import { SnsAlertPublisher } from '../aws/sns-alert-publisher.js';
import type { EnforcerLog, EnforcerMetrics } from '../model/log.js';
import type { Policy } from '../policy/schema.js';
import type { Settings } from '../settings/resolve-settings.js';
import { LedgerView } from './ledger-view.js';
import { DEFAULT_CONCURRENCY, DEFAULT_RECONCILE_LIMIT, type PruneContext } from './prune-context.js';
import { createReconciler } from './reconcile-clone.js';

export interface PruneContextOptions {
  settings: Settings;
  /** The clients of the account and region to prune. */
  aws: AwsClients;
  /** Organization mode: the hub's own clients, which send the digest to its topic (default `aws`). */
  hubAws?: AwsClients;
  log: EnforcerLog;
  metrics: EnforcerMetrics;
  now?: () => Date;
  deadline?: number;
  /** The organization prune: one digest for every job, sent by the run, none per job. */
  digestSentByCaller?: boolean;
  /**
   * Organization mode: the account pruned, and where its OUs are read. Its overrides (per OU,
   * per account) put its own policy in force, as enforce does for its events; absent
   * (single-account mode), the base policy.
   */
  scope?: { account: string; organization: OrganizationalUnitPaths };
}

/** Reconciling a clone reads it once: it was just listed, so there is nothing to wait for. */
const LISTED_CLONE_RETRY = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

/**
 * Wires the real adapters to a prune run; the Lambda handler and `clonewarden prune` both call
 * this. Prune is dry whenever anything says so: the flag or env var, the policy's top-level
 * `dryRun` (which promises that nothing changes), or `prune.dryRun`, true by default.
 */
export async function createPruneContext(options: PruneContextOptions): Promise<PruneContext> {
  const policy = await policyOfAccount(options);
  const now = options.now ?? (() => new Date());
  const dryRun = options.settings.forceDryRun || policy.dryRun || policy.prune.dryRun;
  const topicArn = options.settings.topicArn ?? policy.alerts.topicArn;
  const { aws, log } = options;
  // The hub's own clients hold the ledger and the topic (organization mode); else the same ones.
  const hub = options.hubAws ?? aws;
  const table = options.settings.ledgerTable;
  const ledger = table ? new DynamoDbCloneLedger(hub, table) : undefined;
  return {
    policy,
    region: aws.region,
    dryRun,
    ...(topicArn ? { topicArn } : {}),
    inventory: new Ec2CloneInventory(aws, { log }),
    publicAccess: new Ec2BlockPublicAccess(aws),
    deleter: new Ec2CloneDeleter(aws),
    reconciler: createReconciler({
      policy,
      facts: new Ec2CloneFacts(aws, { log, now, retry: LISTED_CLONE_RETRY }),
      actions: new Ec2CloneActions(aws, { log, now }),
      ...(ledger ? { ledger } : {}),
      log,
      now,
      dryRun,
    }),
    ...(ledger && table
      ? { ledger: new LedgerView(ledger, dynamoDbLedgerRegion(hub, table), aws.region) }
      : {}),
    alerts: new SnsAlertPublisher(hub),
    log,
    metrics: options.metrics,
    now,
    ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
    reconcileLimit: options.settings.reconcileLimit ?? DEFAULT_RECONCILE_LIMIT,
    concurrency: DEFAULT_CONCURRENCY,
    ...(options.digestSentByCaller ? { digestSentByCaller: true } : {}),
  };
}

/**
 * The policy in force in the pruned account. The file is the hub's (its S3 object or SSM
 * parameter, when it is kept there). A clone that enforce judged dry under its OU's override
 * (`dryRun: true`) has no verdict, so reconcile judges it: with that same override in force, it
 * is judged dry again, and its exemptions and removed rules hold, instead of the base policy's.
 */
async function policyOfAccount(options: PruneContextOptions): Promise<Policy> {
  // Imported on first use, not at import: the YAML parser and the policy schema stay out of the
  // function's cold start (its bundle keeps them in a chunk of their own).
  const [{ loadPolicy }, { policyInAccount }] = await Promise.all([
    import('../policy/load-policy.js'),
    import('../policy/effective-policy.js'),
  ]);
  const policy = await loadPolicy(options.settings.policyPath, options.hubAws ?? options.aws);
  const { scope } = options;
  if (!scope || Object.keys(policy.overrides).length === 0) return policy;
  const effective = await policyInAccount(policy, scope.account, scope.organization);
  if (effective.applied.length > 0) {
    options.log.info('policy overrides in force', { account: scope.account, applied: effective.applied });
  }
  return effective.policy;
}
