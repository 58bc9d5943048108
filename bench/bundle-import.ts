/**
 * Size and import time of the enforce bundle against a bundle of `@aws-sdk/client-ec2` alone,
 * built with the deployed esbuild settings and measured in the same run, interleaved, each
 * import in a fresh Node process.
 *
 *   node --import tsx bench/bundle-import.ts [runs]
 *
 * Writes bench/results/bundle-import.json. Target (issue 3): enforce ≤ 1.2 × the EC2 client.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { deployedEsbuildOptions } from './lib/esbuild-settings.js';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = resolve(ROOT, 'bench', '.work', 'bundles');
const runs = Number(process.argv[2] ?? 25);

async function bundle(name: string, entry: { contents?: string; path?: string }): Promise<string> {
  const outfile = resolve(OUT, `${name}.mjs`);
  await build({
    ...deployedEsbuildOptions(),
    ...(entry.path
      ? { entryPoints: [entry.path] }
      : { stdin: { contents: entry.contents!, resolveDir: ROOT, loader: 'ts' } }),
    outfile,
  });
  return outfile;
}

/** Milliseconds from process start to the end of the import, and for the import alone. */
function measure(file: string): { importMs: number; processMs: number } {
  const script = `const t0 = performance.now(); await import(${JSON.stringify(file)}); const t1 = performance.now(); console.log(JSON.stringify({ importMs: t1 - t0, processMs: t1 }));`;
  const started = process.hrtime.bigint();
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      ...process.env,
      AWS_REGION: 'us-east-1',
      CLONEWARDEN_IDEMPOTENCY_TABLE: 'bench',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
  }).toString();
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  const { importMs } = JSON.parse(out.trim().split('\n').at(-1)!);
  return { importMs, processMs: wall };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function main() {
  mkdirSync(OUT, { recursive: true });
  const ec2Only = await bundle('ec2-client-only', {
    contents:
      "import { EC2Client, DescribeImagesCommand } from '@aws-sdk/client-ec2';\nexport const client = new EC2Client({}); export { DescribeImagesCommand };",
  });
  // The dependencies the issue mandates, wired as the handler wires them, with none of our code:
  // what any Powertools + middy + idempotency handler over EC2 pays before clonewarden adds anything.
  const infrastructure = await bundle('mandated-infrastructure', {
    contents: [
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
    ].join('\n'),
  });
  const enforce = await bundle('enforce', { path: resolve(ROOT, 'functions', 'enforce.ts') });

  // Interleaved, so that machine noise falls on both alike; the first run of each is a warm-up.
  const samples = {
    ec2: [] as number[],
    infrastructure: [] as number[],
    enforce: [] as number[],
    ec2Process: [] as number[],
    enforceProcess: [] as number[],
  };
  measure(ec2Only);
  measure(infrastructure);
  measure(enforce);
  for (let i = 0; i < runs; i++) {
    const a = measure(ec2Only);
    const m = measure(infrastructure);
    const b = measure(enforce);
    samples.ec2.push(a.importMs);
    samples.infrastructure.push(m.importMs);
    samples.enforce.push(b.importMs);
    samples.ec2Process.push(a.processMs);
    samples.enforceProcess.push(b.processMs);
  }
  const result = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    runs,
    bytes: {
      ec2ClientOnly: statSync(ec2Only).size,
      mandatedInfrastructure: statSync(infrastructure).size,
      enforce: statSync(enforce).size,
    },
    medianImportMs: {
      ec2ClientOnly: round(median(samples.ec2)),
      mandatedInfrastructure: round(median(samples.infrastructure)),
      enforce: round(median(samples.enforce)),
    },
    medianProcessMs: {
      ec2ClientOnly: round(median(samples.ec2Process)),
      enforce: round(median(samples.enforceProcess)),
    },
    ratio: {
      import: round(median(samples.enforce) / median(samples.ec2)),
      mandatedInfrastructureImport: round(median(samples.infrastructure) / median(samples.ec2)),
      enforceOverInfrastructureImport: round(median(samples.enforce) / median(samples.infrastructure)),
      process: round(median(samples.enforceProcess) / median(samples.ec2Process)),
      bytes: round(statSync(enforce).size / statSync(ec2Only).size),
    },
    target: 'enforce import ≤ 1.2 × ec2 client alone',
  };
  writeFileSync(
    resolve(ROOT, 'bench', 'results', 'bundle-import.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result, null, 2));
}

const round = (n: number) => Math.round(n * 100) / 100;
await main();
