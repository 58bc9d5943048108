/**
 * Whole-process startup of the `clonewarden` command, before and after the bundle:
 *
 *   old      what bin/clonewarden.js did before: tsx registered, then shared/cli/main.ts, which
 *            imported every command (and so the AWS SDK) up front. Checked out from git at the
 *            commit before lazy loading came in, into bench/.work/cli-startup/old/.
 *   source   today's sources through tsx (CLONEWARDEN_FROM_SOURCE=1): lazy commands, no bundle.
 *   bundle   the packed tarball installed with `npm install -g --prefix`, run through its link.
 *
 * For `--help`, `--version` and `validate` (on a copy of clonewarden.yml), on the system Node
 * and the pinned Node 22. Repetitions are interleaved (every variant, command and Node once per
 * round) so that machine load hits them alike. Writes bench/results/cli-startup.json.
 *
 *   npm run bench:cli-startup [-- rounds]      (default 15)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { installPackedCli } from '../scripts/lib/install-packed-cli.js';
import { envWithNode, type NodeBinary, nodeBinaries } from '../scripts/lib/node-binaries.js';

const ROOT = resolve(import.meta.dirname, '..');
const WORK = join(ROOT, 'bench', '.work', 'cli-startup');
const rounds = Number(process.argv[2] ?? 15);
const COMMANDS: Record<string, string[]> = {
  '--help': ['--help'],
  '--version': ['--version'],
  validate: ['validate'],
};

const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

/** The last commit whose CLI still imported every command eagerly. */
function commitBeforeLazyLoading(): string {
  const introduced = git('log', '--diff-filter=A', '--format=%H', '--', 'shared/cli/cli-version.ts')
    .split('\n')
    .at(-1);
  if (!introduced)
    throw new Error('cannot find the commit that made the CLI lazy (shared/cli/cli-version.ts)');
  return git('rev-parse', `${introduced}^`);
}

/** Extracts bin/ and shared/ of `commit`; tsx and the dependencies resolve from the repository's node_modules. */
function checkOutOldCli(commit: string): string {
  const dir = join(WORK, 'old');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('bash', ['-c', `git archive ${commit} bin shared package.json | tar -x -C "${dir}"`], {
    cwd: ROOT,
  });
  return join(dir, 'bin', 'clonewarden.js');
}

interface Variant {
  name: 'old' | 'source' | 'bundle' | 'empty';
  command(node: NodeBinary): [string, string[]];
  env?: NodeJS.ProcessEnv;
}

function timeOnce(variant: Variant, node: NodeBinary, args: string[], cwd: string): number {
  const [file, prefix] = variant.command(node);
  const started = process.hrtime.bigint();
  const run = spawnSync(file, [...prefix, ...args], {
    cwd,
    env: envWithNode(node, variant.env),
    stdio: 'ignore',
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // The old CLI had no --version: it answers "unknown command" (exit 2), after the same start-up.
  const expected = variant.name === 'old' && args[0] === '--version' ? 2 : 0;
  if (run.status !== expected)
    throw new Error(`${variant.name} ${args.join(' ')} on ${node.version} exited ${run.status}`);
  return ms;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (ms: number) => Math.round(ms);
  return {
    medianMs: round(at(0.5)),
    p25Ms: round(at(0.25)),
    p75Ms: round(at(0.75)),
    minMs: round(sorted[0]!),
    maxMs: round(sorted.at(-1)!),
  };
}

/** A bare `node -e 0`: the floor under every variant. */
const EMPTY: Variant = { name: 'empty', command: (node) => [node.path, ['-e', '0']] };

const loadAverage = () => os.loadavg().map((load) => Math.round(load * 10) / 10);

function main() {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const oldCommit = commitBeforeLazyLoading();
  const oldBin = checkOutOldCli(oldCommit);
  const installed = installPackedCli('bench-cli-startup');
  const cwd = installed.workDir;
  copyFileSync(join(ROOT, 'clonewarden.yml'), join(cwd, 'clonewarden.yml'));
  const variants: Variant[] = [
    { name: 'old', command: (node) => [node.path, [oldBin]] },
    {
      name: 'source',
      command: (node) => [node.path, [join(ROOT, 'bin', 'clonewarden.js')]],
      env: { CLONEWARDEN_FROM_SOURCE: '1' },
    },
    { name: 'bundle', command: () => [installed.bin, []] },
  ];
  const nodes = nodeBinaries();
  // The machine is shared: the load average says how much the absolute figures are worth.
  const loadAtStart = loadAverage();
  const samples = new Map<string, number[]>();
  const key = (variant: Variant, node: NodeBinary, command: string) =>
    `${node.version}|${command}|${variant.name}`;
  const measure = (round: number, variant: Variant, node: NodeBinary, command: string, args: string[]) => {
    const ms = timeOnce(variant, node, args, cwd);
    // Round 0 warms the file cache and tsx's transform cache; it is not counted.
    if (round > 0)
      samples.set(key(variant, node, command), [...(samples.get(key(variant, node, command)) ?? []), ms]);
  };
  try {
    for (let round = 0; round <= rounds; round++) {
      for (const node of nodes) {
        measure(round, EMPTY, node, '-e 0', []);
        for (const [command, args] of Object.entries(COMMANDS))
          for (const variant of variants) measure(round, variant, node, command, args);
      }
      process.stderr.write(`cli-startup: round ${round}/${rounds}\n`);
    }
  } finally {
    installed.remove();
  }
  const results = nodes.flatMap((node) =>
    Object.keys(COMMANDS).map((command) => ({
      node: node.version,
      command,
      ...Object.fromEntries(variants.map((v) => [v.name, stats(samples.get(key(v, node, command))!)])),
    })),
  );
  const result = {
    measuredAt: new Date().toISOString(),
    what: 'whole-process wall time of one clonewarden invocation (spawn to exit), ms',
    oldCommit,
    rounds,
    interleaved: true,
    note: 'old has no --version: it loads everything, then exits 2 with "unknown command"',
    loadAverage: { start: loadAtStart, end: loadAverage() },
    emptyNodeProcessMs: Object.fromEntries(
      nodes.map((node) => [node.version, stats(samples.get(key(EMPTY, node, '-e 0'))!).medianMs]),
    ),
    results,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'cli-startup.json'), `${JSON.stringify(result, null, 2)}\n`);
  // biome's JSON style (short arrays on one line), so that `npm test`'s lint passes on a fresh result.
  execFileSync('npx', ['biome', 'format', '--write', join(ROOT, 'bench', 'results', 'cli-startup.json')], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  for (const row of results) {
    const cell = (name: Variant['name']) => {
      const s = (row as unknown as Record<string, ReturnType<typeof stats>>)[name]!;
      return `${s.medianMs} ms [${s.minMs}–${s.maxMs}]`;
    };
    console.log(
      `${row.node} ${row.command.padEnd(9)} old ${cell('old')}  source ${cell('source')}  bundle ${cell('bundle')}`,
    );
  }
}

main();
