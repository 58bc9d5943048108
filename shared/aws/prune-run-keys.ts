import { jobName, type PruneJob } from '../model/prune-job.js';

/**
 * The organization prune's run items live in the ledger table under their own partition, apart
 * from every clone's (`<account>#<region>`): `prune-run#<runId>` holds the run (`id: run`) and
 * one item per job (`id: job#<account>/<region>`), which starts `pending` and which the worker
 * that ran the job completes. They expire with the table's TTL.
 */
export const runPartition = (runId: string) => `prune-run#${runId}`;
export const RUN_ITEM_ID = 'run';
export const jobItemId = (job: Pick<PruneJob, 'account' | 'region'>) => `job#${jobName(job)}`;
/** Run items are kept a month: enough to read last week's runs, never a growing table. */
export const RUN_RETENTION_SECONDS = 30 * 24 * 3600;
