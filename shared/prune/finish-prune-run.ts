import type { PruneJobQueue } from '../aws/prune-job-queue.js';
import type { PruneRunStore } from '../aws/prune-run-store.js';
import type { AlertPublisher } from '../aws/sns-alert-publisher.js';
import type { EnforcerLog } from '../model/log.js';
import type { PruneJobResult } from '../model/prune-job.js';
import { MAX_DELAY_SECONDS } from './fan-out-prune.js';
import { buildOrganizationDigest } from './organization-digest.js';

export interface PruneRunOptions {
  runs: PruneRunStore;
  alerts: AlertPublisher;
  topicArn?: string;
  log: EnforcerLog;
  now: () => Date;
}

/**
 * Records one job's result and, when it was the run's last, sends the organization digest.
 * A redelivered job counts nothing twice; it still checks whether the run is complete, so that a
 * digest whose sending failed is sent by the retry.
 */
export async function recordPruneJob(
  runId: string,
  result: PruneJobResult,
  options: PruneRunOptions,
): Promise<void> {
  const state = (await options.runs.record(runId, result)) ?? (await options.runs.read(runId));
  if (state && !state.digestClaimed && state.finished >= state.total) await sendDigest(runId, options);
}

/**
 * The run's deadline check: nothing when the digest is out; before the deadline, checks again
 * later (SQS delays 15 minutes at most); after it, sends the digest, missing jobs named.
 */
export async function checkPruneDeadline(
  runId: string,
  options: PruneRunOptions & { queue: PruneJobQueue },
): Promise<void> {
  const state = await options.runs.read(runId);
  if (!state || state.digestClaimed) return;
  const left = state.deadline - options.now().getTime();
  if (left > 0 && state.finished < state.total) {
    const delay = Math.min(MAX_DELAY_SECONDS, Math.ceil(left / 1000));
    await options.queue.send([{ kind: 'deadline', runId }], delay);
    return;
  }
  await sendDigest(runId, options);
}

/** Sends the digest if this caller wins the claim; a failed send gives the claim back and throws. */
async function sendDigest(runId: string, options: PruneRunOptions): Promise<void> {
  const { runs, log } = options;
  if (!(await runs.claimDigest(runId, options.now()))) return;
  try {
    const results = await runs.results(runId);
    if (!options.topicArn) {
      log.warn('the organization prune digest is not sent: no alert topic', { runId });
      return;
    }
    await options.alerts.publish(buildOrganizationDigest({ runId, results, topicArn: options.topicArn }));
    log.info('organization prune digest sent', { runId, jobs: results.length });
  } catch (error) {
    await runs.releaseDigest(runId);
    throw error;
  }
}
