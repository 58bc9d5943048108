import { describe, expect, it } from 'vitest';
import type { PruneJobQueue } from '../../shared/aws/prune-job-queue.js';
import type { PruneRunState, PruneRunStore } from '../../shared/aws/prune-run-store.js';
import type { PruneJobResult, PruneQueueMessage } from '../../shared/model/prune-job.js';
import { checkPruneDeadline, recordPruneJob } from '../../shared/prune/finish-prune-run.js';

const RUN = '2026-12-02T00:00:00Z';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** The store's conditions, in memory: a pending job is completed once; the claim is taken once. */
class MemoryRunStore implements PruneRunStore {
  jobs = new Map<string, PruneJobResult>();
  run: PruneRunState & { claimedAt?: string };
  constructor(jobs: PruneJobResult[], deadline: number) {
    for (const job of jobs) this.jobs.set(`${job.account}/${job.region}`, job);
    this.run = { total: jobs.length, finished: 0, deadline, digestClaimed: false };
  }
  async record(_runId: string, result: PruneJobResult) {
    const key = `${result.account}/${result.region}`;
    if (this.jobs.get(key)?.status !== 'pending') return undefined;
    this.jobs.set(key, result);
    this.run.finished++;
    return { ...this.run };
  }
  async read() {
    return { ...this.run };
  }
  async claimDigest(_runId: string, now: Date) {
    if (this.run.digestClaimed) return false;
    if (this.run.finished < this.run.total && now.getTime() < this.run.deadline) return false;
    this.run.digestClaimed = true;
    return true;
  }
  async releaseDigest() {
    this.run.digestClaimed = false;
  }
  async results() {
    return [...this.jobs.values()];
  }
}

const pending = (account: string): PruneJobResult => ({
  account,
  accountName: account,
  region: 'eu-west-1',
  status: 'pending',
});
const finished = (account: string): PruneJobResult => ({
  ...pending(account),
  status: 'done',
  dryRun: true,
  scanned: 1,
});

function harness(store: MemoryRunStore, now = new Date('2026-12-02T01:00:00Z')) {
  const published: unknown[] = [];
  const queued: { messages: readonly PruneQueueMessage[]; delay?: number }[] = [];
  const queue: PruneJobQueue = {
    send: async (messages, delay) => void queued.push({ messages, ...(delay ? { delay } : {}) }),
  };
  const options = {
    runs: store,
    alerts: {
      publish: async (input: unknown) => {
        published.push(input);
        return 'id';
      },
    },
    topicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts',
    log: quiet,
    now: () => now,
  };
  return { published, queued, options: { ...options, queue } };
}

describe('Organization prune run: recording jobs and the one digest', () => {
  it('sends the digest after the last job only, once, even when a job is delivered twice', async () => {
    // Prepare
    const store = new MemoryRunStore(
      [pending('111111111111'), pending('222222222222')],
      Date.parse('2026-12-02T06:00:00Z'),
    );
    const { published, options } = harness(store);

    // Act
    await recordPruneJob(RUN, finished('111111111111'), options);
    const afterFirst = published.length;
    await recordPruneJob(RUN, finished('222222222222'), options);
    await recordPruneJob(RUN, finished('222222222222'), options);

    // Assess
    expect(afterFirst).toBe(0);
    expect(published).toHaveLength(1);
    expect(store.run.finished).toBe(2);
  });

  it('checks again before the deadline, and after it sends the digest naming the missing job', async () => {
    // Prepare
    const deadline = Date.parse('2026-12-02T06:00:00Z');
    const store = new MemoryRunStore([pending('111111111111'), pending('222222222222')], deadline);
    await recordPruneJob(RUN, finished('111111111111'), harness(store).options);
    const early = harness(store, new Date(deadline - 100_000));
    const late = harness(store, new Date(deadline + 1));

    // Act
    await checkPruneDeadline(RUN, early.options);
    await checkPruneDeadline(RUN, late.options);
    await checkPruneDeadline(RUN, late.options);

    // Assess: 100 s before, one check 100 s later; after, one digest naming the pending job.
    expect(early.published).toEqual([]);
    expect(early.queued).toEqual([{ messages: [{ kind: 'deadline', runId: RUN }], delay: 100 }]);
    expect(late.published).toHaveLength(1);
    const text = JSON.parse((late.published[0] as { Message: string }).Message).default as string;
    expect(text).toContain('222222222222 (222222222222) eu-west-1: no result');
  });

  it('gives the claim back when the digest cannot be sent, so that a redelivery sends it', async () => {
    // Prepare
    const store = new MemoryRunStore([pending('111111111111')], Date.parse('2026-12-02T06:00:00Z'));
    const { published, options } = harness(store);
    const failing = {
      ...options,
      alerts: { publish: async () => Promise.reject(new Error('SNS throttled')) },
    };

    // Act
    await expect(recordPruneJob(RUN, finished('111111111111'), failing)).rejects.toThrow('SNS throttled');
    await recordPruneJob(RUN, finished('111111111111'), options);

    // Assess
    expect(published).toHaveLength(1);
    expect(store.run.digestClaimed).toBe(true);
  });
});
