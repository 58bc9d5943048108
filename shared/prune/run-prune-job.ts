import { describeError } from '../aws/aws-error.js';
import type { AwsClients } from '../aws/clients.js';
import { clientsInAccount } from '../aws/member-accounts.js';
import type { OrganizationalUnitPaths } from '../aws/organizational-unit-paths.js';
import type { EnforcerLog, EnforcerMetrics } from '../model/log.js';
import { jobName, type PruneJob, type PruneJobResult } from '../model/prune-job.js';
import type { Settings } from '../settings/resolve-settings.js';
import { createPruneContext } from './create-prune-context.js';
import type { PruneReport } from './prune-report.js';
import { runPrune } from './run-prune.js';

export interface PruneJobOptions {
  settings: Settings;
  /** The hub's clients, with the member role set: the job's account is opened from them. */
  hub: AwsClients;
  log: EnforcerLog;
  metrics: EnforcerMetrics;
  /** Epoch ms after which no deletion or reconcile starts (the worker's Lambda timeout). */
  deadline?: number;
  /** Where the OUs of a job's account are read, for its policy overrides (kept per container). */
  organization: OrganizationalUnitPaths;
  now?: () => Date;
}

/**
 * One job of the organization prune: the same run as the single-account prune
 * (`createPruneContext` and `runPrune`), in the job's account and region through the member role,
 * with the ledger and the topic in the hub. Never throws: a job that cannot run (the role cannot
 * be assumed, the estate cannot be read) is a failed result, so that it is reported by name and
 * the other accounts go on.
 */
export async function runPruneJob(job: PruneJob, options: PruneJobOptions): Promise<PruneJobResult> {
  const { hub, log } = options;
  const callsBefore = hub.counter.total();
  const named = { account: job.account, accountName: job.accountName, region: job.region };
  try {
    const aws = clientsInAccount(hub, job.account, { isHub: job.hubAccount, region: job.region });
    const context = await createPruneContext({
      settings: options.settings,
      aws,
      hubAws: hub,
      // The account's own policy (its OU and account overrides), as enforce judged its clones.
      scope: { account: job.account, organization: options.organization },
      ...(options.now ? { now: options.now } : {}),
      log,
      metrics: options.metrics,
      ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      digestSentByCaller: true,
    });
    const report = await runPrune(context);
    return { ...named, ...summary(report), apiCalls: hub.counter.total() - callsBefore };
  } catch (error) {
    log.error('prune job failed', { job: jobName(job), error: describeError(error) });
    return {
      ...named,
      status: 'failed',
      error: describeError(error),
      apiCalls: hub.counter.total() - callsBefore,
      finishedAt: new Date().toISOString(),
    };
  }
}

/** What the organization digest needs of one run's report. */
function summary(report: PruneReport): Omit<PruneJobResult, 'account' | 'accountName' | 'region'> {
  const { image, snapshot } = report.counts;
  return {
    status: 'done',
    dryRun: report.dryRun,
    scanned: report.scanned.images + report.scanned.snapshots,
    marked: image.mark + snapshot.mark,
    deleted: report.deleted.image + report.deleted.snapshot,
    violations: report.reconcile.violationsTotal,
    failures: report.failures.length,
    monthlyUsd: report.savings.estimatedMonthlyUsd,
    finishedAt: report.finishedAt,
  };
}
