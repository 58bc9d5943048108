/**
 * `clonewarden audit` at scale, against the paginated fake EC2 endpoint: 1,000 snapshots (200
 * images) and 10,000 snapshots (2,000 images). Each size runs the audit's one code path
 * (createAuditContext → runAudit → JSON and HTML, as the weekly function renders them) in a
 * child process of its own, so peak RSS is per run: wall, CPU, peak RSS, AWS calls, sizes.
 * Then headless chromium opens the HTML from disk (load to first render, median of 3), twice
 * side by side: the report as written (trees past the first page wait in <template> elements)
 * and the same report with every tree live, as it was written before (`eagerTrees`).
 * Every clone's shares are looked up (audit.shareChecks covers the estate): the worst case.
 *
 *   npm run bench:audit-scale
 *
 * Writes bench/results/audit-scale.json and prints the 10× / 1× ratios.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { useEmulator } from '../scripts/lib/emulator.js';
import { launchHeadlessChromium } from '../scripts/lib/headless-chromium.js';
import { FAKE_ACCOUNT, startFakeEc2 } from './lib/fake-ec2-endpoint.js';

const SIZES = [1_000, 10_000] as const;
const WORK_DIR = join('bench', '.work');
const BROWSER_RUNS = 3;
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

interface AuditFigures {
  snapshots: number;
  images: number;
  trees: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  secondsByStep: { read: number; json: number; html: number };
  apiCalls: number;
  apiCallsByOperation: Record<string, number>;
  bytes: { json: number; html: number };
  htmlFile: string;
}

/** One size, in this child process, against the fake at `endpoint`. */
async function auditOnce(endpoint: string, region: string, snapshots: number): Promise<AuditFigures> {
  useEmulator(endpoint, region);
  const policy = join(mkdtempSync(join(tmpdir(), 'clonewarden-audit-bench-')), 'clonewarden.yml');
  writeFileSync(
    policy,
    'version: 1\nrules:\n  - { id: depth, type: max-generation, severity: high, action: tag, max: 2 }\naudit: { shareChecks: 100000 }\nprune: { maxAgeDays: { snapshot: 90 } }\n',
  );
  const { createAwsClients } = await import('../shared/aws/clients.js');
  const { createAuditContext } = await import('../shared/audit/create-audit-context.js');
  const { runAudit } = await import('../shared/audit/run-audit.js');
  const { renderAuditHtml, renderAuditJson } = await import('../shared/audit/report/index.js');
  const { resolveSettings } = await import('../shared/settings/resolve-settings.js');
  const aws = createAwsClients({ region });
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const [wallStart, cpuStart] = [performance.now(), process.cpuUsage()];
  const context = await createAuditContext({
    settings: resolveSettings({ policy }, {}),
    aws,
    account: FAKE_ACCOUNT,
    log: silent,
    metrics: { count() {} },
  });
  const run = await runAudit(context);
  const read = (performance.now() - wallStart) / 1000;
  const jsonStart = performance.now();
  const json = renderAuditJson(run.report);
  const htmlStart = performance.now();
  const html = await renderAuditHtml(run.report);
  const end = performance.now();
  const cpu = process.cpuUsage(cpuStart);
  const htmlFile = join(WORK_DIR, `audit-scale-${snapshots}.html`);
  writeFileSync(htmlFile, html);
  return {
    snapshots: run.report.totals.snapshots,
    images: run.report.totals.images,
    trees: run.report.totals.trees,
    wallSeconds: round((end - wallStart) / 1000),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6),
    peakRssMiB: round(process.resourceUsage().maxRSS / 1024, 1),
    secondsByStep: {
      read: round(read),
      json: round((htmlStart - jsonStart) / 1000),
      html: round((end - htmlStart) / 1000),
    },
    apiCalls: aws.counter.total(),
    apiCallsByOperation: aws.counter.snapshot(),
    bytes: { json: Buffer.byteLength(json), html: Buffer.byteLength(html) },
    htmlFile,
  };
}

/**
 * The report as the renderer wrote it before trees waited in templates: the same bytes with every
 * <template class="tree-later"> unwrapped, so that all trees are live markup at load.
 */
function eagerTrees(htmlFile: string): string {
  const eager = htmlFile.replace(/\.html$/, '-eager.html');
  const html = readFileSync(htmlFile, 'utf8')
    .replace(/<template class="tree-later" data-tree="\d+">/g, '')
    .replaceAll('</details></template>', '</details>');
  writeFileSync(eager, html);
  return eager;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Load to first render with the page script done, in a fresh page each run. */
async function chromiumLoadSeconds(htmlFile: string): Promise<number> {
  const browser = await launchHeadlessChromium();
  const loads: number[] = [];
  try {
    for (let run = 0; run < BROWSER_RUNS; run++) {
      const page = await browser.context.newPage();
      const start = performance.now();
      // No timeout: a slow load is the figure, not a failure.
      await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load', timeout: 0 });
      await page.waitForFunction("document.getElementById('match-count').textContent !== ''", undefined, {
        timeout: 0,
      });
      await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
      loads.push((performance.now() - start) / 1000);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return round(median(loads));
}

async function main(): Promise<void> {
  mkdirSync(WORK_DIR, { recursive: true });
  if (process.argv[2] === '--child') {
    const [endpoint, region, snapshots] = process.argv.slice(3) as [string, string, string];
    process.stdout.write(JSON.stringify(await auditOnce(endpoint, region, Number(snapshots))));
    return;
  }
  const results = [];
  for (const snapshots of SIZES) {
    const region = 'eu-west-1';
    const fake = await startFakeEc2({
      snapshots,
      region,
      createdAt: new Date(Date.now() - 120 * 86_400_000),
    });
    let figures: AuditFigures;
    try {
      // Async, so that the fake in this process keeps answering while the child runs.
      figures = JSON.parse(await runChild(fake.endpoint, region, snapshots)) as AuditFigures;
    } finally {
      await fake.close();
    }
    const chromium = {
      loadSeconds: await chromiumLoadSeconds(figures.htmlFile),
      eagerTreesLoadSeconds: await chromiumLoadSeconds(eagerTrees(figures.htmlFile)),
    };
    results.push({ ...figures, chromium });
    console.log(JSON.stringify({ ...figures, chromium }));
  }
  const [small, large] = results as [(typeof results)[number], (typeof results)[number]];
  const ratio = {
    wallSeconds: round(large.wallSeconds / small.wallSeconds, 2),
    cpuSeconds: round(large.cpuSeconds / small.cpuSeconds, 2),
    peakRssMiB: round(large.peakRssMiB / small.peakRssMiB, 2),
    apiCalls: round(large.apiCalls / small.apiCalls, 2),
    htmlBytes: round(large.bytes.html / small.bytes.html, 2),
    chromiumLoadSeconds: round(large.chromium.loadSeconds / small.chromium.loadSeconds, 2),
    chromiumEagerTreesLoadSeconds: round(
      large.chromium.eagerTreesLoadSeconds / small.chromium.eagerTreesLoadSeconds,
      2,
    ),
  };
  console.log(`10x / 1x: ${JSON.stringify(ratio)}`);
  const output = {
    benchmark: 'audit-scale',
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
    // The machine's load while the figures were taken: compare figures of one run, not of two.
    loadAverage: os.loadavg().map((value) => round(value, 1)),
    results,
    ratio,
  };
  writeFileSync('bench/results/audit-scale.json', `${JSON.stringify(output, null, 2)}\n`);
}

/** The child, run without blocking this process's event loop (the fake lives here). */
async function runChild(endpoint: string, region: string, snapshots: number): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'bench/audit-scale.ts', '--child', endpoint, region, String(snapshots)],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

await main();
