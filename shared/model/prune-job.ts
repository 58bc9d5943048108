import * as z from 'zod/mini';
import { AWS_REGION_NAME } from './aws-region.js';
import './zod-english.js';

const ACCOUNT_ID = z.string().check(z.regex(/^\d{12}$/));
const REGION = z.string().check(z.regex(AWS_REGION_NAME));
/** A run is named by the time its schedule fired (ISO, UTC): a retried fan-out names the same run. */
const RUN_ID_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const RUN_ID = z.string().check(z.regex(RUN_ID_PATTERN));

/** `value` as a run id (the scheduled event's `time`), or undefined when it is not one. */
export function runIdOf(value: unknown): string | undefined {
  return typeof value === 'string' && RUN_ID_PATTERN.test(value) ? value : undefined;
}

/**
 * A message on the organization prune queue: one job (prune one account in one region), or the
 * run's deadline check, which sends the digest if jobs are still missing when the deadline passes.
 * The queue is the hub's own, but a message is still parsed before anything is built from it.
 */
export const PRUNE_QUEUE_MESSAGE = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('prune'),
    runId: RUN_ID,
    account: ACCOUNT_ID,
    /** The account's name in the organization, for the digest. */
    accountName: z.string().check(z.maxLength(256)),
    region: REGION,
    /** The hub's own account: its own credentials, no member role to assume. */
    hubAccount: z.boolean(),
  }),
  z.strictObject({ kind: z.literal('deadline'), runId: RUN_ID }),
]);

export type PruneQueueMessage = z.infer<typeof PRUNE_QUEUE_MESSAGE>;
/** One account and region to prune, in one organization run. */
export type PruneJob = Extract<PruneQueueMessage, { kind: 'prune' }>;

/** `account/region`: how a job is named in keys, logs and the digest. */
export function jobName(job: Pick<PruneJob, 'account' | 'region'>): string {
  return `${job.account}/${job.region}`;
}

/** What one job of an organization run did; the worker records it, the digest sums it. */
export interface PruneJobResult {
  account: string;
  accountName: string;
  region: string;
  /** `pending` until a worker records the job; `failed` when the job could not run at all. */
  status: 'pending' | 'done' | 'failed';
  /** Why the job failed (the account's role could not be assumed, the estate could not be read). */
  error?: string;
  dryRun?: boolean;
  /** Images and snapshots scanned. */
  scanned?: number;
  marked?: number;
  deleted?: number;
  /** Reconciled clones that break the policy. */
  violations?: number;
  /** Clones whose mark, deletion or reconcile failed; the job itself completed. */
  failures?: number;
  /** Upper-bound monthly saving of the unprotected candidates (the prune report's estimate). */
  monthlyUsd?: number;
  /** SDK calls the job made, as its worker counted them. */
  apiCalls?: number;
  finishedAt?: string;
}
