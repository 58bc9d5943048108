import type { MemberAccount } from '../aws/active-accounts.js';
import type { PruneJobQueue } from '../aws/prune-job-queue.js';
import type { PruneRunStart } from '../aws/prune-run-start.js';
import type { EnforcerLog } from '../model/log.js';
import type { PruneJob } from '../model/prune-job.js';

/**
 * How long a run waits for its jobs before the digest goes out without the missing ones: a job
 * that fails three times goes to the DLQ after 3 × the queue's visibility timeout (90 minutes),
 * so six hours covers a slow day and still reports the same day.
 */
const RUN_DEADLINE_MS = 6 * 3600_000;
/** SQS delays a message by 15 minutes at most ("DelaySeconds", SendMessage). */
export const MAX_DELAY_SECONDS = 900;

export interface FanOutOptions {
  /** The time the schedule fired, ISO: it names the run, so a retried schedule names the same one. */
  runId: string;
  regions: readonly string[];
  /** The organization's ACTIVE accounts. */
  listAccounts: () => Promise<MemberAccount[]>;
  /** The hub's own account, pruned with its own credentials. */
  hubAccount: () => Promise<string | undefined>;
  runs: PruneRunStart;
  queue: PruneJobQueue;
  log: EnforcerLog;
  now: () => Date;
}

/** What the fan-out did, which the prune function returns and logs. */
export interface FanOutSummary {
  runId: string;
  accounts: number;
  regions: readonly string[];
  jobs: number;
  /** The run had been started before (a retried schedule): its jobs were queued again. */
  restarted: boolean;
}

/**
 * The daily prune of an organization: one job per ACTIVE account and configured region on the
 * queue, the run's items written first (all pending), then the deadline check, delayed. The
 * workers do the rest; the last one to finish, or the deadline check, sends the one digest.
 */
export async function fanOutPrune(options: FanOutOptions): Promise<FanOutSummary> {
  const { runId, regions } = options;
  const [accounts, home] = await Promise.all([options.listAccounts(), options.hubAccount()]);
  const jobs: PruneJob[] = accounts.flatMap((account) =>
    regions.map((region) => ({
      kind: 'prune' as const,
      runId,
      account: account.id,
      accountName: account.name.slice(0, 256),
      region,
      hubAccount: account.id === home,
    })),
  );
  const startedAt = options.now();
  const fresh = await options.runs.start({
    runId,
    jobs,
    startedAt,
    deadline: startedAt.getTime() + RUN_DEADLINE_MS,
  });
  await options.queue.send(jobs);
  await options.queue.send([{ kind: 'deadline', runId }], MAX_DELAY_SECONDS);
  const summary = { runId, accounts: accounts.length, regions, jobs: jobs.length, restarted: !fresh };
  options.log.info('organization prune fanned out', { ...summary });
  return summary;
}
