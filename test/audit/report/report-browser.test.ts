import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_PATH,
  type HeadlessChromium,
  launchHeadlessChromium,
} from '../../../scripts/lib/headless-chromium.js';
import { buildAuditReport, renderAuditHtml } from '../../../shared/audit/report/index.js';
import {
  ami,
  HOSTILE_NAME,
  HOSTILE_OWNER,
  NOW,
  POLICY,
  SEEDED_ESTATE,
  SERVER,
  snap,
} from './seeded-estate.js';

/** `UPDATE_SCREENSHOTS=1 npm run test:browser` refreshes the screenshots in docs/. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs' : undefined;

/** One chromium for the file; each describe opens its own report in a page of it. */
let workDir: string;
let browser: HeadlessChromium;

beforeAll(async () => {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`${CHROMIUM_PATH} is missing: run scripts/ensure-chromium.sh`);
  workDir = await mkdtemp(join(tmpdir(), 'clonewarden-report-'));
  browser = await launchHeadlessChromium();
});

afterAll(async () => {
  await browser?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/**
 * The report of `records` written to a file and opened in a new page, once its script has run,
 * with what the page did besides: console errors, requests for anything but the file, dialogs.
 */
async function openReport(records: Parameters<typeof buildAuditReport>[0]) {
  const file = join(await mkdtemp(join(workDir, 'report-')), 'audit.html');
  await writeFile(file, await renderAuditHtml(buildAuditReport(records, POLICY, NOW)));
  const reportUrl = pathToFileURL(file).href;
  const page = await browser.context.newPage();
  const consoleErrors: string[] = [];
  const otherRequests: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => {
    if (request.url() !== reportUrl) otherRequests.push(request.url());
  });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(reportUrl);
  // Strings, not functions: they run in the page, and this project's TypeScript has no DOM types.
  await page.waitForFunction("document.getElementById('match-count').textContent !== ''");
  return { page, consoleErrors, otherRequests, dialogs };
}

describe('Audit report in headless chromium', () => {
  let page: Page;
  let consoleErrors: string[];
  let otherRequests: string[];
  let dialogs: string[];

  beforeAll(async () => {
    ({ page, consoleErrors, otherRequests, dialogs } = await openReport(SEEDED_ESTATE));
  });

  const matchCount = () => page.locator('#match-count').textContent();
  const visibleTrees = () => page.locator('details.tree:not([hidden])').count();
  const reset = () => page.click('#reset');

  it('loads from file:// with no console error and no request but the file itself', async () => {
    expect(consoleErrors).toEqual([]);
    expect(otherRequests).toEqual([]);
    expect(await matchCount()).toBe('11 of 11 clones');
    expect(await page.locator('#clone-rows tr').count()).toBe(11);
  });

  it('draws the seeded lineage: server → generation 1 → 2 → 3, left to right', async () => {
    // Prepare
    const tree = page.locator('details.tree', { has: page.locator('summary', { hasText: SERVER }) });
    await tree.locator('summary').click();
    const node = (id: string) => tree.locator('g.node', { hasText: id });
    // Act
    const chain = [SERVER, ami(1), ami(2), ami(3)];
    const boxes = await Promise.all(chain.map((id) => node(id).boundingBox()));
    const nodeIds = await Promise.all(chain.map((id) => node(id).getAttribute('id')));
    // Assess
    expect(await node(ami(1)).textContent()).toContain('gen 1');
    expect(await node(ami(2)).textContent()).toContain('gen 2');
    expect(await node(ami(3)).textContent()).toContain('gen 3');
    for (let index = 1; index < chain.length; index++) {
      expect(boxes[index]!.x).toBeGreaterThan(boxes[index - 1]!.x + boxes[index - 1]!.width);
      await expect(tree.locator(`g.edge#${nodeIds[index - 1]}-${nodeIds[index]}`).count()).resolves.toBe(1);
    }
    expect(await tree.locator('g.edge.backs').count()).toBe(1);
    expect(await node(snap(20)).textContent()).toContain('gen 2');
    if (SCREENSHOTS) await tree.screenshot({ path: `${SCREENSHOTS}/report-tree.png` });
  });

  it('shows hostile tag values as text and runs none of them', async () => {
    await page.fill('#q', 'onerror');
    expect(await matchCount()).toBe('1 of 11 clones');
    const row = page.locator('#clone-rows tr');
    expect(await row.locator('td').nth(3).textContent()).toBe(HOSTILE_NAME);
    expect(await row.locator('td').nth(4).textContent()).toBe(HOSTILE_OWNER);
    expect(await page.locator('svg text', { hasText: HOSTILE_NAME }).count()).toBe(1);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(2);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(dialogs).toEqual([]);
    await reset();
  });

  it('narrows the list and the trees with the search box, and marks the hits', async () => {
    await page.fill('#q', ami(3));
    expect(await matchCount()).toBe('1 of 11 clones');
    expect(await visibleTrees()).toBe(1);
    expect(await page.locator('g.node.hit').textContent()).toContain(ami(3));
    await reset();
    expect(await visibleTrees()).toBe(5);
  });

  it.each([
    ['#f-owner', 'v:ops', 1, 1],
    ['#f-owner', 'none', 1, 1],
    ['#f-status', 'v:quarantined', 1, 1],
    ['#f-account', 'v:222222222222', 1, 1],
    ['#f-region', 'v:eu-central-1', 2, 1],
    ['#f-flag', 'stale', 2, 2],
  ])('narrows with the filter %s = %s', async (selector, value, clones, trees) => {
    await page.selectOption(selector, value);
    expect(await matchCount()).toBe(`${clones} of 11 clones`);
    expect(await page.locator('#clone-rows tr').count()).toBe(clones);
    expect(await visibleTrees()).toBe(trees);
    if (SCREENSHOTS && selector === '#f-flag') {
      await page.locator('details.tree:not([hidden]) summary').nth(1).click();
      await page.screenshot({ path: `${SCREENSHOTS}/report-filtered.png`, fullPage: true });
    }
    await reset();
  });

  it('filters by finding from its card', async () => {
    await page.click('.card[data-flag="foreign-share"]');
    expect(await matchCount()).toBe('1 of 11 clones');
    expect(await page.locator('#f-flag').inputValue()).toBe('foreign-share');
    await reset();
    expect(consoleErrors).toEqual([]);
    expect(otherRequests).toEqual([]);
  });
});

describe('Audit report in headless chromium: trees past the first page', () => {
  /** 40 lone snapshots: 40 trees, of which the first 25 are live markup and the rest templates. */
  const LONE = Array.from({ length: 40 }, (_, index) => ({
    kind: 'snapshot' as const,
    id: snap(500 + index),
    account: '111111111111',
    region: 'eu-west-1',
    tags: { Owner: `owner-${index}`, CostCenter: 'cc-1', 'clonewarden:status': 'compliant' },
    createdAt: NOW.toISOString(),
    sizeGiB: 1,
    backingSnapshotIds: [],
    shares: { public: false, accounts: [] },
  }));
  let page: Page;
  let consoleErrors: string[];

  beforeAll(async () => {
    ({ page, consoleErrors } = await openReport(LONE));
  });

  it('keeps the trees after the first page out of the live page until they are shown', async () => {
    expect(await page.locator('details.tree').count()).toBe(25);
    expect(await page.locator('template.tree-later').count()).toBe(15);
    expect(await page.locator('#tree-count').textContent()).toBe(
      'showing 25 of 40 matching trees (40 in all)',
    );
  });

  it('draws a later tree when a search finds it, and marks the hit', async () => {
    // Prepare: the last tree is in a template at load.
    const last = LONE.at(-1)!.id;
    expect(await page.locator('g.node', { hasText: last }).count()).toBe(0);
    // Act
    await page.fill('#q', last);
    // Assess
    expect(await page.locator('details.tree:not([hidden])').count()).toBe(1);
    expect(await page.locator('g.node.hit').textContent()).toContain(last);
    await page.click('#reset');
  });

  it('opens a later tree from the clone list, and shows the next page of trees', async () => {
    // Act: the list is in tree order, so its last clone is the last tree's, still a template.
    const last = LONE.at(-1)!.id;
    await page.locator('#clone-rows button.link', { hasText: last }).click();
    // Assess
    const opened = page.locator('details.tree[open]', { has: page.locator('summary', { hasText: last }) });
    expect(await opened.count()).toBe(1);
    expect(await opened.locator('g.node', { hasText: last }).count()).toBe(1);
    await page.click('#more-trees');
    expect(await page.locator('details.tree:not([hidden])').count()).toBe(40);
    expect(await page.locator('template.tree-later').count()).toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});
