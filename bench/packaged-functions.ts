/**
 * The deployment packages as Lambda gets them: zip size per function, and the time for a
 * fresh `node` process to import each bundle (whole process, median of N runs).
 *
 *   node --import tsx bench/packaged-functions.ts [runs]
 *
 * Packages first (`scripts/package.sh`, offline). Writes bench/results/packaged-functions.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const PACKAGES = join(ROOT, '.serverless');
const WORK = join(ROOT, 'bench', '.work', 'packaged');
const runs = Number(process.argv[2] ?? 15);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function importMs(bundle: string): number {
  const started = process.hrtime.bigint();
  execFileSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(bundle)});`], {
    env: {
      ...process.env,
      AWS_REGION: 'us-east-1',
      CLONEWARDEN_IDEMPOTENCY_TABLE: 'bench',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function main() {
  execFileSync('bash', [join(ROOT, 'scripts', 'package.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const zips = readdirSync(PACKAGES).filter((name) => name.endsWith('.zip'));
  const baseline = median(
    Array.from({ length: runs }, () => {
      const started = process.hrtime.bigint();
      execFileSync(process.execPath, ['-e', '0']);
      return Number(process.hrtime.bigint() - started) / 1e6;
    }),
  );
  const functions = zips.map((zip) => {
    const name = zip.replace(/\.zip$/, '');
    const dir = join(WORK, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('python3', ['-m', 'zipfile', '-e', join(PACKAGES, zip), dir]);
    // The zip is named after the function (pruneWorker), its entry after the file (prune-worker.mjs):
    // the one .mjs at the top of functions/; its chunks are in functions/chunks/<entry>/.
    const entries = readdirSync(join(dir, 'functions')).filter((file) => file.endsWith('.mjs'));
    if (entries.length !== 1)
      throw new Error(`${zip}: expected one entry bundle, found ${entries.join(', ')}`);
    const bundle = join(dir, 'functions', entries[0]!);
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    importMs(bundle); // warm the file cache
    const samples = Array.from({ length: runs }, () => importMs(bundle));
    return {
      function: name,
      zipBytes: statSync(join(PACKAGES, zip)).size,
      files: files.length,
      chunkFiles: files.filter((f) => f.name.endsWith('.mjs')).length - 1,
      bundleBytes: statSync(bundle).size,
      medianProcessImportMs: Math.round(median(samples) * 10) / 10,
    };
  });
  const result = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    runs,
    emptyNodeProcessMs: Math.round(baseline * 10) / 10,
    functions,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench', 'results', 'packaged-functions.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result, null, 2));
}

main();
