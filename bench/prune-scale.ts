/**
 * Prune at scale: a dry run over 1,000 and then 10,000 snapshots (with images at 1:5), each
 * measured in a child process of its own so that peak RSS is per run.
 *
 *   node --import tsx bench/prune-scale.ts                   # against moto (the default)
 *   node --import tsx bench/prune-scale.ts --endpoint fake   # against a paginated fake EC2
 *   node --import tsx bench/prune-scale.ts --endpoint fake-ledger
 *       # the paginated fake EC2, each size twice side by side: tags only, then with the ledger
 *       # (a DynamoDB table in moto holding an item per tagged clone, as an existing install's)
 *
 * moto's own cost grows with the square of the estate (it scans every tag for each resource it
 * lists, and ignores MaxResults), so its wall times measure the emulator as much as clonewarden.
 * `--endpoint fake` runs the same bundled dry run against bench/lib/fake-ec2-endpoint.ts, which
 * pages like EC2 at a constant cost per page: clonewarden's own scaling, wall time included.
 *
 * Writes bench/results/prune-scale.json and bench/results/prune-scale.md, and prints both; each
 * mode keeps the other's figures (the fake's under `paginatedFake`).
 * Targets: ten times the data costs at most eleven times the time and the API calls, and the
 * 10,000-snapshot run peaks under 256 MB (the function's memory size).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateImageCommand,
  CreateLaunchTemplateCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  EC2Client,
  RegisterImageCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { startEmulator, useEmulator } from '../scripts/lib/emulator.js';
import { FAKE_ACCOUNT, type TaggedCloneSeed } from './lib/fake-ec2-endpoint.js';
import { isInLaunchTemplate, isUsedByInstance, mixFor } from './lib/prune-estate.js';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results');
const SIZES = [
  { snapshots: 1_000, region: 'eu-north-1' },
  { snapshots: 10_000, region: 'ap-northeast-1' },
] as const;
const SEED_CONCURRENCY = 8;
const DAY = 86_400_000;

interface RunResult {
  snapshots: number;
  images: number;
  seededIn: { seconds: number };
  wallSeconds: number;
  /** CPU time of the measured process (user + system): clonewarden's own cost, whatever the emulator's speed. */
  cpuSeconds: number;
  peakRssMiB: number;
  /** Seconds spent waiting for each operation, summed over its calls (overlapping when concurrent). */
  secondsByOperation: Record<string, number>;
  apiCalls: number;
  apiCallsByOperation: Record<string, number>;
  report: {
    scanned: { images: number; snapshots: number };
    referenceSource?: string;
    counts: unknown;
    byProtection: unknown;
    reconcile: { found: number; evaluated: number; deferred: number };
    estimatedMonthlyUsd: number;
  };
}

const asTags = (tags: Record<string, string>): Tag[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const tagSpecification = (type: 'image' | 'snapshot', tags: Record<string, string>) =>
  Object.keys(tags).length > 0 ? { TagSpecifications: [{ ResourceType: type, Tags: asTags(tags) }] } : {};

async function inParallel(count: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** Seeds `snapshots` snapshots in all: images at 1:5 (each with its one moto disk) and standalone ones. */
async function seed(region: string, total: number): Promise<{ images: number }> {
  const ec2 = new EC2Client({ region, maxAttempts: 8 });
  const imageCount = total / 5;
  const volumes = await Promise.all(
    Array.from({ length: 8 }, () =>
      ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${region}a`, Size: 20 })),
    ),
  );
  const baseSnapshot = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumes[0]!.VolumeId! }));
  const base = await ec2.send(
    new RegisterImageCommand({
      Name: 'bench-base',
      RootDeviceName: '/dev/xvda',
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: baseSnapshot.SnapshotId! } }],
    }),
  );
  const builder = await ec2.send(
    new RunInstancesCommand({ ImageId: base.ImageId!, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }),
  );
  const builderId = builder.Instances![0]!.InstanceId!;

  // Images from one instance: moto gives each its one 15 GiB disk, so they count as snapshots.
  const imageIds: string[] = new Array(imageCount);
  await inParallel(imageCount, async (i) => {
    const image = await ec2.send(
      new CreateImageCommand({
        InstanceId: builderId,
        Name: `bench-image-${i}`,
        ...tagSpecification('image', mixFor(i)),
      }),
    );
    imageIds[i] = image.ImageId!;
  });
  // Some expired ones are in use: 1% by (half stopped) instances, 1% by launch templates.
  const used = imageIds.filter((_, i) => isUsedByInstance(i));
  const templated = imageIds.filter((_, i) => isInLaunchTemplate(i));
  await inParallel(used.length, async (i) => {
    const run = await ec2.send(
      new RunInstancesCommand({ ImageId: used[i]!, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }),
    );
    if (i % 2 === 0)
      await ec2.send(new StopInstancesCommand({ InstanceIds: [run.Instances![0]!.InstanceId!] }));
  });
  await inParallel(templated.length, async (i) => {
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `bench-template-${i}`,
        LaunchTemplateData: { ImageId: templated[i]! },
      }),
    );
  });

  const standalone = total - imageCount - 1; // the base image's snapshot is one of them
  await inParallel(standalone, async (i) => {
    await ec2.send(
      new CreateSnapshotCommand({
        VolumeId: volumes[i % volumes.length]!.VolumeId!,
        ...tagSpecification('snapshot', mixFor(i)),
      }),
    );
  });
  return { images: imageCount + 1 };
}

/**
 * The measured run goes through esbuild with the Lambda's settings (bundled, minified ESM) and
 * runs on plain node, so that its memory is what the function's would be, not tsx's.
 */
async function buildChild(): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(ROOT, 'bench', '.work', 'prune-scale.mjs');
  await build({
    entryPoints: [join(ROOT, 'bench', 'prune-scale.ts')],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  return outfile;
}

/** Where the measured run finds the ledger: a table on another endpoint (moto's DynamoDB). */
interface LedgerTarget {
  endpoint: string;
  table: string;
}

async function runChild(
  bundle: string,
  endpoint: string,
  region: string,
  ledger?: LedgerTarget,
): Promise<Omit<RunResult, 'snapshots' | 'images' | 'seededIn'>> {
  const env = { ...process.env };
  delete env.AWS_ENDPOINT_URL_DYNAMODB;
  // The SDK's service-specific endpoint variable sends DynamoDB (only) to the ledger's endpoint.
  if (ledger) env.AWS_ENDPOINT_URL_DYNAMODB = ledger.endpoint;
  const args = [bundle, '--child', endpoint, region, ...(ledger ? [ledger.table] : [])];
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    cwd: ROOT,
    maxBuffer: 64 << 20,
    env,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

/** The measured run: a prune dry-run, alone in this process; with the ledger when `table` is given. */
async function child(endpoint: string, region: string, table?: string): Promise<void> {
  useEmulator(endpoint, region);
  const { ApiCallCounter } = await import('../shared/aws/api-call-counter.js');
  const { createAwsClients } = await import('../shared/aws/clients.js');
  const { resolveSettings } = await import('../shared/settings/resolve-settings.js');
  const { createPruneContext } = await import('../shared/prune/create-prune-context.js');
  const { runPrune } = await import('../shared/prune/run-prune.js');
  const policyPath = join(mkdtempSync(join(tmpdir(), 'clonewarden-bench-')), 'clonewarden.yml');
  writeFileSync(
    policyPath,
    [
      'version: 1',
      'rules:',
      '  - { id: labels, type: required-tags, severity: medium, action: tag, tags: { Owner: { pattern: "^.+$" } } }',
      'prune: { dryRun: true, graceDays: 7, maxAgeDays: { snapshot: 365 } }',
    ].join('\n'),
  );
  const counter = new ApiCallCounter();
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const aws = createAwsClients({ region, counter });
  const waited: Record<string, number> = {};
  // biome-ignore lint/suspicious/noExplicitAny: one timer for two clients' stacks (EC2's and the ledger's).
  const timer = (next: any, context: any) => async (args: any) => {
    const start = performance.now();
    try {
      return await next(args);
    } finally {
      const name = String(context.commandName).replace(/Command$/, '');
      waited[name] = (waited[name] ?? 0) + (performance.now() - start) / 1000;
    }
  };
  const timed = { step: 'initialize', name: 'benchOperationTimer' } as const;
  aws.ec2(region).middlewareStack.add(timer, timed);
  // The ledger's reads too (the document client's commands are named Query, Get, …).
  aws.documents().middlewareStack.add(timer, timed);
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const context = await createPruneContext({
    settings: resolveSettings(
      { policy: policyPath, dryRun: true },
      table ? { CLONEWARDEN_LEDGER_TABLE: table } : {},
    ),
    aws,
    log: quiet,
    metrics: { count() {} },
    // Two days on, so that the seeded clones without a verdict are past reconcile's settling time.
    now: () => new Date(Date.now() + 2 * DAY),
  });
  const report = await runPrune(context);
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  const round = (value: number) => Math.round(value * 100) / 100;
  const result = {
    wallSeconds: round(wallSeconds),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6),
    secondsByOperation: Object.fromEntries(Object.entries(waited).map(([name, sec]) => [name, round(sec)])),
    // resourceUsage().maxRSS is in kilobytes.
    peakRssMiB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    apiCalls: counter.total(),
    apiCallsByOperation: counter.snapshot(),
    report: {
      scanned: report.scanned,
      referenceSource: report.inUse.referenceSource,
      counts: report.counts,
      byProtection: report.byProtection,
      reconcile: {
        found: report.reconcile.found,
        evaluated: report.reconcile.evaluated,
        deferred: report.reconcile.deferred,
      },
      estimatedMonthlyUsd: report.savings.estimatedMonthlyUsd,
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function markdown(results: RunResult[], verdict: Verdict): string {
  const rows = results.map(
    (r) =>
      `| ${r.snapshots.toLocaleString('en')} | ${r.images.toLocaleString('en')} | ${r.wallSeconds} | ${r.cpuSeconds} | ${r.peakRssMiB} | ${r.apiCalls} | ${r.report.reconcile.evaluated} |`,
  );
  const slowest = (r: RunResult) =>
    Object.entries(r.secondsByOperation)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 3)
      .map(([name, seconds]) => `${name} ${seconds} s`)
      .join(', ');
  return [
    '# Prune at scale (dry run, moto 5.2.5)',
    '',
    'Command: `node --import tsx bench/prune-scale.ts`. Each size is measured in its own child process,',
    "bundled by esbuild with the Lambda's settings and run on plain node; peak RSS is",
    '`process.resourceUsage().maxRSS` of that process, CPU is its user + system time.',
    '',
    '| snapshots | images | wall (s) | CPU (s) | peak RSS (MiB) | API calls | reconciled |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `- API calls, 10x data: x${verdict.callRatio} (target ≤ 11): ${verdict.callRatio <= 11 ? 'met' : 'MISSED'}.`,
    `- CPU time (clonewarden's own work), 10x data: x${verdict.cpuRatio} (target ≤ 11): ${verdict.cpuRatio <= 11 ? 'met' : 'MISSED'}.`,
    `- Wall time, 10x data: x${verdict.wallRatio} (target ≤ 11): ${verdict.wallRatio <= 11 ? 'met' : 'MISSED'}.`,
    `- Peak RSS at 10,000 snapshots: ${results[1]?.peakRssMiB} MiB (target < 256): ${verdict.rssMet ? 'met' : 'MISSED'}.`,
    '',
    `Where the wall time went (time waiting on moto, summed per operation; concurrent reconcile calls overlap): ${results.map((r) => `${r.snapshots}: ${slowest(r)}`).join('; ')}.`,
    '',
    "moto looks up every resource's tags by scanning all the tags in the region",
    '(`TagBackend.describe_tags` with a `resource-id` filter), so a DescribeSnapshots or DescribeImages',
    "that lists n clones costs it O(n × all tags): the emulator's time grows with the square of the",
    'estate, and the wall time with it. AWS pages these listings 1,000 at a time at a roughly constant',
    "cost per page. clonewarden's own cost is the CPU column (parsing, deciding, reconciling), and the",
    'calls it makes; both grow linearly. moto also ignores MaxResults for DescribeImages and',
    'DescribeSnapshots (one page each), answers DescribeImageReferences with HTTP 500 (so the launch',
    "template scan is used), and most of the calls are reconcile's reads for the 5% of clones seeded",
    'without a verdict. A dry run makes no EC2 write.',
    '',
  ].join('\n');
}

interface Verdict {
  wallRatio: number;
  cpuRatio: number;
  callRatio: number;
  rssMet: boolean;
  met: boolean;
}

type Measured = Omit<RunResult, 'snapshots' | 'images' | 'seededIn'>;

interface FakeRunResult extends Measured {
  snapshots: number;
  images: number;
  /** Requests the fake answered, by action (pages and retries each count). */
  serverRequests: Record<string, number>;
  /** Seconds the fake spent building its answers: its share of the wall time. */
  serverBusySeconds: number;
}

interface FakeSection extends Verdict {
  endpoint: string;
  node: string;
  results: FakeRunResult[];
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

function verdictOf(small: Measured, large: Measured, requireWall: boolean): Verdict {
  const verdict: Verdict = {
    wallRatio: ratio(large.wallSeconds, small.wallSeconds),
    cpuRatio: ratio(large.cpuSeconds, small.cpuSeconds),
    callRatio: ratio(large.apiCalls, small.apiCalls),
    rssMet: large.peakRssMiB < 256,
    met: false,
  };
  verdict.met =
    verdict.cpuRatio <= 11 &&
    verdict.callRatio <= 11 &&
    verdict.rssMet &&
    (!requireWall || verdict.wallRatio <= 11);
  return verdict;
}

function fakeMarkdown(section: FakeSection): string {
  const rows = section.results.map(
    (r) =>
      `| ${r.snapshots.toLocaleString('en')} | ${r.images.toLocaleString('en')} | ${r.wallSeconds} | ${r.cpuSeconds} | ${r.peakRssMiB} | ${r.apiCalls} | ${r.report.reconcile.evaluated} | ${r.serverBusySeconds} |`,
  );
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const listing = (r: FakeRunResult) =>
    `${r.snapshots.toLocaleString('en')}: snapshots in ${Math.ceil(r.snapshots / 1000)} page(s), images in ${Math.ceil(r.images / 1000)}`;
  return [
    "## Paginated fake EC2: clonewarden's own scaling",
    '',
    'Command: `node --import tsx bench/prune-scale.ts --endpoint fake`. The same bundled dry run, one child',
    'process per size, against `bench/lib/fake-ec2-endpoint.ts`: a loopback HTTP server in the parent process',
    "that answers the EC2 Query API in EC2's XML from in-memory arrays holding the same estate as the moto",
    "seeding (`bench/lib/prune-estate.ts`), pages like EC2 (MaxResults within each API's limits, NextToken)",
    'and renders each page in time proportional to the page. It answers `DescribeImageReferences`, as AWS does,',
    'so the reference check takes the AWS path rather than the launch-template scan moto forces. "fake busy"',
    "is the server's own time building answers, inside the wall time.",
    '',
    '| snapshots | images | wall (s) | CPU (s) | peak RSS (MiB) | API calls | reconciled | fake busy (s) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `- API calls, 10x data: x${section.callRatio} (target ≤ 11): ${met(section.callRatio <= 11)}.`,
    `- CPU time, 10x data: x${section.cpuRatio} (target ≤ 11): ${met(section.cpuRatio <= 11)}.`,
    `- Wall time, 10x data: x${section.wallRatio} (target ≤ 11): ${met(section.wallRatio <= 11)}.`,
    `- Peak RSS at 10,000 snapshots: ${section.results[1]?.peakRssMiB} MiB (target < 256): ${met(section.rssMet)}.`,
    '',
    `The listings take one call per 1,000 (${section.results.map(listing).join('; ')}); almost all the other`,
    "calls are reconcile's reads, about three per clone, four clones at a time, for the 5% of clones seeded",
    'without a verdict (at most 500 per run). There are more calls than against moto because the fake answers',
    'DescribeVolumeStatus (one per reconciled snapshot; moto lacks it, so clonewarden stops asking after the',
    "first refusal), and one clone fewer is found to reconcile because moto's estate holds one extra snapshot.",
    '',
  ].join('\n');
}

function readPrevious(): Record<string, unknown> | undefined {
  const path = join(RESULTS, 'prune-scale.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

function write(json: Record<string, unknown>): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'prune-scale.json'), `${JSON.stringify(json, null, 2)}\n`);
  const motoResults = json.results as RunResult[] | undefined;
  const fake = json.paginatedFake as FakeSection | undefined;
  const ledger = json.ledger as LedgerSection | undefined;
  const md = [
    ...(motoResults?.length === 2 ? [markdown(motoResults, json as unknown as Verdict)] : []),
    ...(fake ? [fakeMarkdown(fake)] : []),
    ...(ledger ? [ledgerMarkdown(ledger)] : []),
  ].join('\n');
  writeFileSync(join(RESULTS, 'prune-scale.md'), md);
  process.stdout.write(`${JSON.stringify(json, null, 2)}\n\n${md}`);
}

async function runAgainstMoto(bundle: string): Promise<void> {
  const emulator = await startEmulator('bench-prune');
  try {
    const results: RunResult[] = [];
    for (const size of SIZES) {
      useEmulator(emulator.endpoint, size.region);
      const seedStart = performance.now();
      const { images } = await seed(size.region, size.snapshots);
      const seededIn = { seconds: Math.round((performance.now() - seedStart) / 100) / 10 };
      process.stderr.write(
        `seeded ${size.snapshots} snapshots and ${images} images in ${seededIn.seconds} s\n`,
      );
      const measured = await runChild(bundle, emulator.endpoint, size.region);
      results.push({ snapshots: size.snapshots, images, seededIn, ...measured });
      process.stderr.write(`measured: ${JSON.stringify(measured)}\n`);
    }
    const [small, large] = results as [RunResult, RunResult];
    // moto's wall time is the emulator's (see the markdown): the verdict rests on CPU, calls and RSS.
    const verdict = verdictOf(small, large, false);
    const previous = readPrevious();
    write({
      benchmark: 'prune-scale',
      moto: '5.2.5',
      node: process.version,
      results,
      ...verdict,
      ...(previous?.paginatedFake ? { paginatedFake: previous.paginatedFake } : {}),
    });
  } finally {
    await emulator.stop();
  }
}

async function runAgainstFake(bundle: string): Promise<void> {
  const { startFakeEc2 } = await import('./lib/fake-ec2-endpoint.js');
  const results: FakeRunResult[] = [];
  for (const size of SIZES) {
    const fake = await startFakeEc2({ snapshots: size.snapshots, region: size.region });
    try {
      const measured = await runChild(bundle, fake.endpoint, size.region);
      results.push({
        snapshots: fake.estate.snapshots,
        images: fake.estate.images,
        ...measured,
        serverRequests: fake.requests(),
        serverBusySeconds: fake.busySeconds(),
      });
      process.stderr.write(`measured (fake, ${size.snapshots}): ${JSON.stringify(results.at(-1))}\n`);
    } finally {
      await fake.close();
    }
  }
  const [small, large] = results as [FakeRunResult, FakeRunResult];
  const section: FakeSection = {
    endpoint: 'bench/lib/fake-ec2-endpoint.ts',
    node: process.version,
    results,
    ...verdictOf(small, large, true),
  };
  const previous = readPrevious() ?? { benchmark: 'prune-scale', node: process.version };
  write({ ...previous, paginatedFake: section });
}

interface LedgerSection {
  endpoints: string;
  node: string;
  /** Per size: the same estate, tags only and then with the ledger, one after the other. */
  results: { snapshots: number; images: number; items: number; tagsOnly: Measured; withLedger: Measured }[];
  withLedgerVerdict: Verdict;
}

/** An item per clone with a verdict, as the daily reconcile takes an existing install in. */
async function seedLedger(target: LedgerTarget, region: string, clones: TaggedCloneSeed[]) {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { BatchWriteCommand, DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { trustOnFirstUse } = await import('../shared/model/ledger-item.js');
  const { createLedgerTable } = await import('../scripts/lib/emulator-resources.js');
  await createLedgerTable(region, target.table);
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region, maxAttempts: 8 }));
  const items = clones.map((clone) =>
    trustOnFirstUse({ ...clone, account: FAKE_ACCOUNT, region }, '2026-01-01T00:00:00.000Z'),
  );
  const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, i) =>
    items.slice(i * 25, i * 25 + 25),
  );
  await inParallel(batches.length, async (i) => {
    let requests = batches[i]!.map((Item) => ({ PutRequest: { Item } }));
    // DynamoDB hands back what it throttled; a bounded number of rounds, then fail loudly.
    for (let round = 0; requests.length > 0; round++) {
      if (round === 20)
        throw new Error(`seeding the ledger: ${requests.length} items still unprocessed after 20 rounds`);
      const { UnprocessedItems } = await documents.send(
        new BatchWriteCommand({ RequestItems: { [target.table]: requests } }),
      );
      requests = (UnprocessedItems?.[target.table] ?? []) as typeof requests;
    }
  });
  return items.length;
}

/** Each size against the paginated fake EC2: tags only, then the same estate with the ledger. */
async function runWithLedger(bundle: string): Promise<void> {
  const { startFakeEc2 } = await import('./lib/fake-ec2-endpoint.js');
  const emulator = await startEmulator('bench-prune-ledger');
  try {
    const results: LedgerSection['results'] = [];
    for (const size of SIZES) {
      useEmulator(emulator.endpoint, size.region);
      const target = { endpoint: emulator.endpoint, table: `bench-ledger-${size.snapshots}` };
      const fake = await startFakeEc2({ snapshots: size.snapshots, region: size.region });
      try {
        const items = await seedLedger(target, size.region, fake.taggedClones());
        const tagsOnly = await runChild(bundle, fake.endpoint, size.region);
        const withLedger = await runChild(bundle, fake.endpoint, size.region, target);
        const { images, snapshots } = fake.estate;
        results.push({ snapshots, images, items, tagsOnly, withLedger });
        process.stderr.write(`measured (ledger, ${size.snapshots}): ${JSON.stringify(results.at(-1))}\n`);
      } finally {
        await fake.close();
      }
    }
    const section: LedgerSection = {
      endpoints: 'EC2: bench/lib/fake-ec2-endpoint.ts; DynamoDB: moto 5.2.5',
      node: process.version,
      results,
      withLedgerVerdict: verdictOf(results[0]!.withLedger, results[1]!.withLedger, true),
    };
    const previous = readPrevious() ?? { benchmark: 'prune-scale', node: process.version };
    write({ ...previous, ledger: section });
  } finally {
    await emulator.stop();
  }
}

function ledgerMarkdown(section: LedgerSection): string {
  const dynamo = (m: Measured) =>
    Object.entries(m.apiCallsByOperation)
      .filter(([name]) => name.startsWith('DynamoDB'))
      .map(([name, count]) => `${name} ${count}`)
      .join(', ') || 'none';
  const rows = section.results.flatMap((r) => [
    `| ${r.snapshots.toLocaleString('en')} | tags only | ${r.tagsOnly.wallSeconds} | ${r.tagsOnly.cpuSeconds} | ${r.tagsOnly.peakRssMiB} | ${r.tagsOnly.apiCalls} | ${dynamo(r.tagsOnly)} |`,
    `| ${r.snapshots.toLocaleString('en')} | ledger (${r.items.toLocaleString('en')} items) | ${r.withLedger.wallSeconds} | ${r.withLedger.cpuSeconds} | ${r.withLedger.peakRssMiB} | ${r.withLedger.apiCalls} | ${dynamo(r.withLedger)} |`,
  ]);
  const v = section.withLedgerVerdict;
  return [
    '## With the ledger, side by side with tags only',
    '',
    'Command: `node --import tsx bench/prune-scale.ts --endpoint fake-ledger`. Per size, the same estate',
    'on the paginated fake EC2, measured twice in fresh child processes: tags only, then with',
    '`CLONEWARDEN_LEDGER_TABLE` set to a moto DynamoDB table holding one item per clone with a verdict',
    "(trust on first use of its tags, as the daily reconcile takes an existing install in). moto's",
    "DynamoDB runs in another process on the same two cores, so the ledger's wall time includes it.",
    '',
    '| snapshots | run | wall (s) | CPU (s) | peak RSS (MiB) | API calls | ledger calls |',
    '|---:|---|---:|---:|---:|---:|---|',
    ...rows,
    '',
    `- With the ledger, 10x data: calls x${v.callRatio}, CPU x${v.cpuRatio}, wall x${v.wallRatio} (targets ≤ 11), peak RSS at 10,000 ${section.results[1]?.withLedger.peakRssMiB} MiB (< 256): ${v.met ? 'met' : 'MISSED'}.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await child(process.argv[3]!, process.argv[4]!, process.argv[5]);
    return;
  }
  const at = process.argv.indexOf('--endpoint');
  const endpoint = at === -1 ? 'moto' : process.argv[at + 1];
  if (endpoint !== 'moto' && endpoint !== 'fake' && endpoint !== 'fake-ledger') {
    throw new Error(`--endpoint ${endpoint}: expected moto, fake or fake-ledger`);
  }
  const bundle = await buildChild();
  if (endpoint === 'fake-ledger') await runWithLedger(bundle);
  else if (endpoint === 'fake') await runAgainstFake(bundle);
  else await runAgainstMoto(bundle);
}

await main();
