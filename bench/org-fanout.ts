/**
 * The organization prune's fan-out at scale: a simulated organization of 200 accounts × 4
 * regions (then 400), each account and region with its own estate, on the paginated fake EC2
 * endpoint in per-account mode (bench/lib/fake-ec2-endpoint.ts: it answers STS AssumeRole and
 * tells accounts apart by their credentials). The real fan-out (`fanOutPrune`) names the jobs;
 * CONCURRENCY child processes, each one Lambda container of the prune worker, run them with the
 * real `runPruneJob` (member role assumed per account, the same prune as a single account).
 *
 *   node --import tsx bench/org-fanout.ts            # npm run bench:org-fanout
 *
 * Measured: jobs completed, EC2 and STS calls (client side, per job and in all), each worker's
 * peak RSS, and the wall time at this concurrency. The queue, run-item and digest calls are
 * counted by the adapters' batch sizes (SendMessageBatch 10, BatchWriteItem 25, ListAccounts 20
 * per page, two conditional updates per job); they are added to the totals and shown apart.
 * Writes bench/results/org-fanout.json.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useEmulator } from '../scripts/lib/emulator.js';
import type { PruneJob, PruneJobResult } from '../shared/model/prune-job.js';
import { FAKE_ACCOUNT } from './lib/fake-ec2-endpoint.js';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1'];
const HUB_REGION = REGIONS[0]!;
/** Worker containers at once in this run: the machine has two cores (docs/deploy.md scales it). */
const CONCURRENCY = 8;
/** Snapshots per account and region (image disks included): a small team's estate. */
const SNAPSHOTS_PER_ESTATE = 60;
const SIZES = [200, 400];
const MEMBER_ROLE = 'clonewarden-member';

interface ChildResult {
  results: PruneJobResult[];
  peakRssMiB: number;
  callsByOperation: Record<string, number>;
  wallSeconds: number;
}

/** The accounts: the hub (management) account first, then members with made-up ids. */
function accountsOf(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: i === 0 ? FAKE_ACCOUNT : String(200_000_000_000 + i),
    name: i === 0 ? 'management' : `team-${i}`,
    status: 'ACTIVE',
  }));
}

/** The real fan-out, with the queue and the run's items counted as their adapters would call. */
async function fanOut(accounts: number) {
  const { fanOutPrune } = await import('../shared/prune/fan-out-prune.js');
  const queued: PruneJob[] = [];
  const calls = { 'Organizations:ListAccounts': Math.ceil(accounts / 20), 'SQS:SendMessageBatch': 0 };
  let runItems = 0;
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  await fanOutPrune({
    runId: new Date().toISOString(),
    regions: REGIONS,
    listAccounts: async () => accountsOf(accounts),
    hubAccount: async () => FAKE_ACCOUNT,
    runs: {
      async start(plan) {
        runItems = plan.jobs.length;
        return true;
      },
    },
    queue: {
      async send(messages) {
        calls['SQS:SendMessageBatch'] += Math.ceil(messages.length / 10);
        for (const message of messages) if (message.kind === 'prune') queued.push(message);
      },
    },
    log: quiet,
    now: () => new Date(),
  });
  return {
    jobs: queued,
    calls: {
      ...calls,
      'DynamoDB:PutItem': 1,
      'DynamoDB:BatchWriteItem': Math.ceil(runItems / 25),
      // Per job: complete its pending item, count it; then the digest: claim, read (about
      // 1,000 small items per 1 MB Query page), publish.
      'DynamoDB:UpdateItem': 2 * queued.length + 1,
      'DynamoDB:Query': Math.ceil(queued.length / 1000),
      'SNS:Publish': 1,
    },
  };
}

/** One worker container: its share of the jobs, one at a time, as Lambda with batch size 1. */
async function child(endpoint: string, jobsFile: string): Promise<void> {
  useEmulator(endpoint, HUB_REGION);
  const { readFileSync } = await import('node:fs');
  const { ApiCallCounter } = await import('../shared/aws/api-call-counter.js');
  const { createAwsClients } = await import('../shared/aws/clients.js');
  const { resolveSettings } = await import('../shared/settings/resolve-settings.js');
  const { runPruneJob } = await import('../shared/prune/run-prune-job.js');
  const { AwsOrganizationalUnitPaths } = await import('../shared/aws/organizational-unit-paths.js');
  const jobs: PruneJob[] = JSON.parse(readFileSync(jobsFile, 'utf8'));
  const policy = join(mkdtempSync(join(tmpdir(), 'clonewarden-bench-org-')), 'clonewarden.yml');
  writeFileSync(policy, 'version: 1\nrules: []\nprune: { dryRun: true, graceDays: 7 }\n');
  const counter = new ApiCallCounter();
  const hub = createAwsClients({ region: HUB_REGION, memberRole: MEMBER_ROLE, counter });
  const settings = resolveSettings({ policy, dryRun: true }, {});
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const started = performance.now();
  const results: PruneJobResult[] = [];
  // The bench policy has no overrides: the OU reader is never asked (no Organizations call).
  const organization = new AwsOrganizationalUnitPaths(hub);
  for (const job of jobs) {
    results.push(
      await runPruneJob(job, { settings, hub, organization, log: quiet, metrics: { count() {} } }),
    );
  }
  const result: ChildResult = {
    results,
    peakRssMiB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    callsByOperation: counter.snapshot(),
    wallSeconds: (performance.now() - started) / 1000,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function measure(accounts: number) {
  const { startFakeEc2 } = await import('./lib/fake-ec2-endpoint.js');
  const fake = await startFakeEc2({ snapshots: SNAPSHOTS_PER_ESTATE, region: HUB_REGION, perAccount: true });
  try {
    const { jobs, calls: fanOutCalls } = await fanOut(accounts);
    const dir = mkdtempSync(join(tmpdir(), 'clonewarden-bench-jobs-'));
    // Round robin: what a queue hands out when every job takes about as long.
    const shares = Array.from({ length: CONCURRENCY }, (_, w) =>
      jobs.filter((_, i) => i % CONCURRENCY === w),
    );
    const started = performance.now();
    const children = await Promise.all(
      shares.map(async (share, w) => {
        const file = join(dir, `jobs-${w}.json`);
        writeFileSync(file, JSON.stringify(share));
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', import.meta.filename, '--child', fake.endpoint, file],
          { maxBuffer: 256 * 1024 * 1024 },
        );
        return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
      }),
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const results = children.flatMap((c) => c.results);
    const jobCalls: Record<string, number> = {};
    for (const c of children)
      for (const [op, n] of Object.entries(c.callsByOperation)) jobCalls[op] = (jobCalls[op] ?? 0) + n;
    const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);
    const perJob = results.map((r) => r.apiCalls ?? 0).sort((a, b) => a - b);
    return {
      accounts,
      regions: REGIONS.length,
      jobs: jobs.length,
      jobsCompleted: results.filter((r) => r.status === 'done').length,
      jobsFailed: results
        .filter((r) => r.status === 'failed')
        .map((r) => `${r.account}/${r.region}: ${r.error}`),
      estate: {
        snapshotsPerAccountRegion: fake.estate.snapshots,
        imagesPerAccountRegion: fake.estate.images,
      },
      concurrency: CONCURRENCY,
      wallSeconds: Math.round(wallSeconds * 10) / 10,
      jobsPerSecond: Math.round((jobs.length / wallSeconds) * 10) / 10,
      peakRssMiBPerWorker: Math.max(...children.map((c) => c.peakRssMiB)),
      callsTotal: sum(jobCalls) + sum(fanOutCalls),
      callsInJobs: sum(jobCalls),
      callsPerJob: {
        mean: Math.round((sum(jobCalls) / jobs.length) * 10) / 10,
        min: perJob[0],
        max: perJob.at(-1),
      },
      callsInJobsByOperation: jobCalls,
      callsOfFanOutAndRecords: fanOutCalls,
      fakeBusySeconds: fake.busySeconds(),
    };
  } finally {
    await fake.close();
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!, process.argv[4]!);
  const runs = [];
  for (const accounts of SIZES) {
    const run = await measure(accounts);
    process.stderr.write(
      `measured ${accounts} accounts: ${JSON.stringify({ ...run, callsInJobsByOperation: undefined })}\n`,
    );
    runs.push(run);
  }
  const [small, large] = runs;
  const callRatio = Math.round((large!.callsTotal / small!.callsTotal) * 1000) / 1000;
  const output = {
    command: 'npm run bench:org-fanout',
    node: process.version,
    date: new Date().toISOString(),
    runs,
    doubling: { callRatio, limit: 2.2, holds: callRatio <= 2.2 },
  };
  writeFileSync(
    join(import.meta.dirname, 'results', 'org-fanout.json'),
    `${JSON.stringify(output, null, 2)}\n`,
  );
  process.stdout.write(`${JSON.stringify(output.doubling)}\n`);
  if (!output.doubling.holds) process.exitCode = 1;
}

await main();
