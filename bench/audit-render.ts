/**
 * The audit report at two sizes: 1,000 snapshots / 200 images and 10,000 / 2,000. Each size is
 * built in its own Node process (model, JSON, CSV, HTML: wall, CPU, peak RSS, sizes), then
 * headless chromium opens each HTML file from disk (load and first render, and one search).
 * Prints the 10× / 1× ratios and writes bench/results/audit-render.json.
 *
 *   npm run bench:audit-render
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchHeadlessChromium } from '../scripts/lib/headless-chromium.js';
import {
  buildAuditReport,
  renderAuditCsv,
  renderAuditHtml,
  renderAuditJson,
} from '../shared/audit/report/index.js';
import { AUDIT_NOW, AUDIT_POLICY, generateAuditEstate } from './lib/audit-estate.js';

const SIZES = [
  { snapshots: 1_000, images: 200 },
  { snapshots: 10_000, images: 2_000 },
];
const WORK_DIR = join('bench', '.work');
const BROWSER_RUNS = 3;

interface BuildFigures {
  snapshots: number;
  images: number;
  trees: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  secondsByStep: Record<'model' | 'json' | 'csv' | 'html', number>;
  bytes: Record<'json' | 'csv' | 'html', number>;
  htmlFile: string;
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** One size, in this (child) process: everything the audit renderer does, timed step by step. */
async function buildOnce(snapshots: number, images: number): Promise<BuildFigures> {
  const records = generateAuditEstate(snapshots, images);
  const [wallStart, cpuStart] = [performance.now(), process.cpuUsage()];
  const timed = async <T>(step: () => T | Promise<T>): Promise<[T, number]> => {
    const start = performance.now();
    const result = await step();
    return [result, round((performance.now() - start) / 1000)];
  };
  const [report, model] = await timed(() => buildAuditReport(records, AUDIT_POLICY, AUDIT_NOW));
  const [json, jsonSeconds] = await timed(() => renderAuditJson(report));
  const [csv, csvSeconds] = await timed(() => renderAuditCsv(report));
  const [html, htmlSeconds] = await timed(() => renderAuditHtml(report));
  const cpu = process.cpuUsage(cpuStart);
  const htmlFile = join(WORK_DIR, `audit-render-${snapshots}.html`);
  writeFileSync(htmlFile, html);
  return {
    snapshots,
    images,
    trees: report.trees.length,
    wallSeconds: round((performance.now() - wallStart) / 1000),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6),
    peakRssMiB: round(process.resourceUsage().maxRSS / 1024, 1),
    secondsByStep: { model, json: jsonSeconds, csv: csvSeconds, html: htmlSeconds },
    bytes: { json: Buffer.byteLength(json), csv: Buffer.byteLength(csv), html: Buffer.byteLength(html) },
    htmlFile,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Load to first paint with the script done, then one search, in a fresh page each run. */
async function browserFigures(htmlFile: string): Promise<{ loadSeconds: number; searchSeconds: number }> {
  const browser = await launchHeadlessChromium();
  const loads: number[] = [];
  const searches: number[] = [];
  try {
    for (let run = 0; run < BROWSER_RUNS; run++) {
      const page = await browser.context.newPage();
      const start = performance.now();
      await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
      await page.waitForFunction("document.getElementById('match-count').textContent !== ''");
      await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
      loads.push((performance.now() - start) / 1000);
      const searchStart = performance.now();
      await page.fill('#q', 'owner-7');
      await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
      searches.push((performance.now() - searchStart) / 1000);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return { loadSeconds: round(median(loads)), searchSeconds: round(median(searches)) };
}

async function main(): Promise<void> {
  mkdirSync(WORK_DIR, { recursive: true });
  if (process.argv[2] === '--child') {
    process.stdout.write(JSON.stringify(await buildOnce(Number(process.argv[3]), Number(process.argv[4]))));
    return;
  }
  const results = [];
  for (const size of SIZES) {
    const child = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'bench/audit-render.ts', '--child', String(size.snapshots), String(size.images)],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    const build = JSON.parse(child) as BuildFigures;
    const browser = await browserFigures(build.htmlFile);
    results.push({ ...build, chromium: browser });
    console.log(JSON.stringify({ ...build, chromium: browser }));
  }
  const [small, large] = results as [(typeof results)[number], (typeof results)[number]];
  const ratio = {
    wallSeconds: round(large.wallSeconds / small.wallSeconds, 2),
    cpuSeconds: round(large.cpuSeconds / small.cpuSeconds, 2),
    peakRssMiB: round(large.peakRssMiB / small.peakRssMiB, 2),
    htmlBytes: round(large.bytes.html / small.bytes.html, 2),
    chromiumLoadSeconds: round(large.chromium.loadSeconds / small.chromium.loadSeconds, 2),
  };
  console.log(`10x / 1x: ${JSON.stringify(ratio)}`);
  const output = {
    benchmark: 'audit-render',
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
    results,
    ratio,
  };
  writeFileSync('bench/results/audit-render.json', `${JSON.stringify(output, null, 2)}\n`);
}

await main();
