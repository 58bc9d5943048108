/**
 * Cold-start import of the functions as deployed: packages them (`scripts/package.sh`), unzips
 * each zip and imports its handler module in a fresh `node` process with exactly the
 * `NODE_OPTIONS` the template gives the function. Interleaved in the same run, round by round:
 *   - a bundle of `@aws-sdk/client-ec2` alone, built with the deployed esbuild settings (the floor);
 *   - the mandated stack alone (EC2 + DynamoDB clients, Powertools logger, metrics, idempotency, middy),
 *     and the same with zod/mini as the cold path uses it (what is left of the budget for our code);
 *   - enforce and prune with their deployed flags, and again with `--enable-source-maps` added;
 *   - Cloud Custodian's Lambda handler with its `ami` and `ebs-snapshot` resources, when a Python
 *     that can import `c7n` is given (`C7N_PYTHON=/path/to/python` or `--c7n-python <path>`).
 *
 *   node --import tsx bench/bundle-import.ts [runs] [--no-package] [--c7n-python <path>]
 *
 * Writes bench/results/bundle-import.json. Target: enforce ≤ 1.2 × the floor; moonshot: c7n ≥ 2 × enforce.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { deployedEsbuildOptions } from './lib/esbuild-settings.js';

const ROOT = resolve(import.meta.dirname, '..');
const WORK = resolve(ROOT, 'bench', '.work', 'bundle-import');
const TEMPLATE = resolve(ROOT, '.serverless', 'cloudformation-template-update-stack.json');
const args = process.argv.slice(2);
const runs = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 31);
const c7nFlag = args.indexOf('--c7n-python');
const c7nPython = process.env.C7N_PYTHON ?? (c7nFlag >= 0 ? args[c7nFlag + 1] : undefined);

/** What one fresh process reports about its import. */
interface Sample {
  /** Wall time of the `import()` (or Python `import` + `load_resources`), in the process. */
  importMs: number;
  /** CPU time (user + system) spent in it: less sensitive than wall time to a busy machine. */
  cpuMs: number;
  /** Resident set size right after the import. */
  rssMiB: number;
  /** The whole process, spawn to exit, seen from here. */
  processMs: number;
}

interface Subject {
  name: string;
  describe: string;
  command: string;
  args: string[];
  nodeOptions?: string;
  bytes?: number;
  samples: Sample[];
}

const NODE_ENV = {
  AWS_REGION: 'us-east-1',
  CLONEWARDEN_IDEMPOTENCY_TABLE: 'bench',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};

function nodeSubject(name: string, describe: string, file: string, nodeOptions = ''): Subject {
  const script = [
    'const cpu0 = process.cpuUsage(); const t0 = performance.now();',
    `await import(${JSON.stringify(file)});`,
    'const t1 = performance.now(); const cpu = process.cpuUsage(cpu0);',
    'console.log(JSON.stringify({ importMs: t1 - t0, cpuMs: (cpu.user + cpu.system) / 1000, rssMiB: process.memoryUsage().rss / 1048576 }));',
  ].join(' ');
  return {
    name,
    describe,
    command: resolve(ROOT, 'node_modules', '.bin', 'node'),
    args: ['--input-type=module', '-e', script],
    nodeOptions,
    bytes: statSync(file).size,
    samples: [],
  };
}

/** Custodian's Lambda entry point plus the two resource types a clone policy would use. */
const C7N_SCRIPT = `
import json, resource, time
c0 = time.process_time(); t0 = time.perf_counter()
import c7n.handler
from c7n.resources import load_resources
missing = load_resources(('aws.ami', 'aws.ebs-snapshot'))
t1 = time.perf_counter(); cpu = time.process_time() - c0
assert not missing, missing
rss = next(int(l.split()[1]) / 1024 for l in open('/proc/self/status') if l.startswith('VmRSS:'))
print(json.dumps({'importMs': (t1 - t0) * 1000, 'cpuMs': cpu * 1000, 'rssMiB': rss}))
`;

/** The c7n subject, or why there is none. */
function c7nSubject(): Subject | string {
  if (!c7nPython) return 'no Python given (set C7N_PYTHON or pass --c7n-python <path>)';
  try {
    const version = execFileSync(c7nPython, ['-c', 'import c7n.version; print(c7n.version.version)'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    return {
      name: 'c7n',
      describe: `Cloud Custodian ${version}: import c7n.handler + load_resources(aws.ami, aws.ebs-snapshot)`,
      command: c7nPython,
      args: ['-c', C7N_SCRIPT],
      samples: [],
    };
  } catch {
    return `${c7nPython} cannot import c7n`;
  }
}

function measure(subject: Subject): Sample {
  const started = process.hrtime.bigint();
  const out = execFileSync(subject.command, subject.args, {
    env: { ...process.env, ...NODE_ENV, NODE_OPTIONS: subject.nodeOptions ?? '' },
  }).toString();
  const processMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { ...JSON.parse(out.trim().split('\n').at(-1) ?? '{}'), processMs };
}

async function bundle(name: string, contents: string): Promise<string> {
  // An entry file rather than stdin: code splitting needs real entry points.
  const outdir = join(WORK, 'bundles', name);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const entry = join(WORK, 'bundles', `${name}.ts`);
  writeFileSync(entry, contents);
  await build({ ...deployedEsbuildOptions(), entryPoints: [entry], outdir });
  return join(outdir, `${name}.mjs`);
}

/** The mandated stack, wired as `functions/enforce.ts` wires it. */
const MANDATED_STACK_SOURCE = [
  "import { EC2Client } from '@aws-sdk/client-ec2';",
  "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
  "import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';",
  "import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';",
  "import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';",
  "import { Logger } from '@aws-lambda-powertools/logger';",
  "import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';",
  "import { Metrics } from '@aws-lambda-powertools/metrics';",
  "import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';",
  "import middy from '@middy/core';",
  'const logger = new Logger(); const metrics = new Metrics(); export const ec2 = new EC2Client({});',
  "const persistenceStore = new DynamoDBPersistenceLayer({ tableName: 't', awsSdkV3Client: new DynamoDBClient({}) });",
  "export const handler = middy(async () => 1).use(injectLambdaContext(logger)).use(logMetrics(metrics)).use(makeHandlerIdempotent({ persistenceStore, config: new IdempotencyConfig({ eventKeyJmesPath: 'detail.eventID' }) }));",
].join('\n');

/**
 * zod/mini with each kind of schema and check that the modules on the cold path build at import
 * (the CloudTrail record, the event families, the settings), the English messages registered as
 * `shared/model/zod-english.ts` does, and one parse: one schema of each kind, not our ~450.
 */
const ZOD_AS_THE_COLD_PATH_USES_IT = `
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
z.config(en());
const text = z.string().check(z.regex(/^[a-z]/), z.minLength(1), z.maxLength(64), z.trim(), z.toLowerCase());
const record = z.strictObject({
  name: text,
  count: z.nullish(z.number().check(z.positive(), z.int())),
  kind: z.optional(z.enum(['image', 'snapshot'])),
  flag: z.boolean(),
  version: z.literal('1.0'),
  tags: z.record(z.string(), z.unknown()),
  at: z.iso.datetime(),
  length: z.pipe(z.string(), z.transform((s) => s.length)),
  items: z.looseObject({ ids: z.array(z.string()) }),
  shape: z.discriminatedUnion('type', [z.object({ type: z.literal('a') }), z.object({ type: z.literal('b') })]),
}).check(z.refine(() => true), z.superRefine(() => {}));
export const parsed = record.safeParse({}).success;
`;

/** Unzips a packaged function; returns its handler module and the NODE_OPTIONS it is deployed with. */
interface FunctionProperties {
  Handler?: string;
  Environment?: { Variables?: Record<string, string> };
}

function unpack(fn: string, template: { Resources: Record<string, { Properties?: FunctionProperties }> }) {
  const dir = join(WORK, 'packaged', fn);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('python3', ['-m', 'zipfile', '-e', join(ROOT, '.serverless', `${fn}.zip`), dir]);
  const resource = Object.values(template.Resources).find(
    (r) => r.Properties?.Handler === `functions/${fn}.handler`,
  );
  const nodeOptions = resource?.Properties?.Environment?.Variables?.NODE_OPTIONS ?? '';
  const zipBytes = statSync(join(ROOT, '.serverless', `${fn}.zip`)).size;
  // Each function's chunks sit in a folder of their own (scripts/esbuild-plugins.cjs).
  const chunks = join(dir, 'functions', 'chunks');
  const chunkFiles = readdirSync(chunks, { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.mjs'),
  );
  return {
    handler: join(dir, 'functions', `${fn}.mjs`),
    nodeOptions,
    zipBytes,
    chunkFiles: chunkFiles.length,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.round((values.length - 1) * q)] ?? NaN;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function summarise(subject: Subject, floor: Subject) {
  const of = (key: keyof Sample) => subject.samples.map((s) => s[key]);
  const floorOf = (key: keyof Sample) => median(floor.samples.map((s) => s[key]));
  return {
    describe: subject.describe,
    ...(subject.nodeOptions !== undefined ? { nodeOptions: subject.nodeOptions } : {}),
    ...(subject.bytes !== undefined ? { bytes: subject.bytes } : {}),
    importMs: {
      median: round(median(of('importMs'))),
      p25: round(quantile(of('importMs'), 0.25)),
      p75: round(quantile(of('importMs'), 0.75)),
    },
    cpuMs: {
      median: round(median(of('cpuMs'))),
      p25: round(quantile(of('cpuMs'), 0.25)),
      p75: round(quantile(of('cpuMs'), 0.75)),
    },
    rssMiB: round(median(of('rssMiB'))),
    processMs: round(median(of('processMs'))),
    overFloor: {
      import: round(median(of('importMs')) / floorOf('importMs'), 2),
      cpu: round(median(of('cpuMs')) / floorOf('cpuMs'), 2),
      process: round(median(of('processMs')) / floorOf('processMs'), 2),
    },
  };
}

async function main() {
  mkdirSync(WORK, { recursive: true });
  if (!args.includes('--no-package')) {
    execFileSync('bash', [join(ROOT, 'scripts', 'package.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const template = JSON.parse(readFileSync(TEMPLATE, 'utf8'));
  const enforce = unpack('enforce', template);
  const prune = unpack('prune', template);
  const withSourceMaps = (options: string) => `${options} --enable-source-maps`.trim();

  const floor = nodeSubject(
    'ec2ClientOnly',
    '@aws-sdk/client-ec2 alone, deployed esbuild settings',
    await bundle(
      'ec2-client-only',
      "import { EC2Client, DescribeImagesCommand } from '@aws-sdk/client-ec2';\nexport const client = new EC2Client({}); export { DescribeImagesCommand };",
    ),
  );
  // The dependencies the ground rules mandate, wired as the handler wires them, with none of our code.
  const mandated = nodeSubject(
    'mandatedStack',
    'EC2 + DynamoDB clients, Powertools logger, metrics, idempotency, middy; deployed esbuild settings',
    await bundle('mandated-stack', MANDATED_STACK_SOURCE),
  );
  // The same plus the validator, as the cold path uses it, still with none of our code: how much
  // of the 1.2× budget is left for clonewarden's own modules.
  const mandatedWithZod = nodeSubject(
    'mandatedStackWithZod',
    'the mandated stack + zod/mini with the checks and English messages the cold path uses; deployed esbuild settings',
    await bundle('mandated-stack-zod', `${MANDATED_STACK_SOURCE}\n${ZOD_AS_THE_COLD_PATH_USES_IT}`),
  );
  const subjects = [
    floor,
    mandated,
    mandatedWithZod,
    nodeSubject('enforce', 'packaged enforce, deployed NODE_OPTIONS', enforce.handler, enforce.nodeOptions),
    nodeSubject(
      'enforceSourceMaps',
      'packaged enforce, + --enable-source-maps',
      enforce.handler,
      withSourceMaps(enforce.nodeOptions),
    ),
    nodeSubject('prune', 'packaged prune, deployed NODE_OPTIONS', prune.handler, prune.nodeOptions),
    nodeSubject(
      'pruneSourceMaps',
      'packaged prune, + --enable-source-maps',
      prune.handler,
      withSourceMaps(prune.nodeOptions),
    ),
  ];
  const c7n = c7nSubject();
  if (typeof c7n === 'string') console.log(`c7n column skipped: ${c7n}`);
  else subjects.push(c7n);

  // Interleaved, so that machine noise falls on all alike; round 0 is a warm-up (file cache).
  for (let round = 0; round <= runs; round++) {
    for (const subject of subjects) {
      const sample = measure(subject);
      if (round > 0) subject.samples.push(sample);
    }
  }
  const results = Object.fromEntries(subjects.map((s) => [s.name, summarise(s, floor)]));
  const ratio = (a: string, b: string, key: 'importMs' | 'cpuMs') =>
    results[a] && results[b] ? round(results[a][key].median / results[b][key].median, 2) : undefined;
  const result = {
    measuredAt: new Date().toISOString(),
    node: execFileSync(floor.command, ['--version']).toString().trim(),
    runs,
    packages: {
      enforce: { zipBytes: enforce.zipBytes, chunkFiles: enforce.chunkFiles },
      prune: { zipBytes: prune.zipBytes, chunkFiles: prune.chunkFiles },
    },
    results,
    sourceMapCost: {
      enforceMs: round(results.enforceSourceMaps!.importMs.median - results.enforce!.importMs.median),
      enforceMiB: round(results.enforceSourceMaps!.rssMiB - results.enforce!.rssMiB),
      pruneMs: round(results.pruneSourceMaps!.importMs.median - results.prune!.importMs.median),
      pruneMiB: round(results.pruneSourceMaps!.rssMiB - results.prune!.rssMiB),
    },
    c7nOverEnforce:
      typeof c7n === 'string'
        ? { skipped: c7n }
        : { import: ratio('c7n', 'enforce', 'importMs'), cpu: ratio('c7n', 'enforce', 'cpuMs') },
    target: 'enforce import ≤ 1.2 × ec2 client alone; moonshot: c7n import ≥ 2 × enforce import',
  };
  writeFileSync(
    resolve(ROOT, 'bench', 'results', 'bundle-import.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result, null, 2));
}

await main();
