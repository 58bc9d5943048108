import { instance, type Viz } from '@viz-js/viz';
import {
  type AuditReport,
  CLONE_FLAGS,
  CLONE_STATUSES,
  type CloneStatus,
  type FamilyTree,
  type SpendLine,
} from './audit-report-schema.js';
import { NO_OWNER } from './estate-findings.js';
import { cspHash, escapeHtml, jsonForScriptElement } from './html-text.js';
import { REPORT_PAGE_SCRIPT } from './report-page-script.js';
import { REPORT_PAGE_STYLE } from './report-page-style.js';
import { FLAG_LABEL, STATUS_STYLE } from './status-style.js';
import { MAX_DRAWN_NODES, renderTreeSvg } from './tree-graph.js';

/** The fields of each clone row in the page's data block; the page script reads them by name. */
const ROW_FIELDS = [
  'key',
  'id',
  'kind',
  'account',
  'accountName',
  'region',
  'name',
  'owner',
  'costCenter',
  'status',
  'generation',
  'ageDays',
  'sizeGiB',
  'monthlyCost',
  'flags',
  'tree',
  'node',
] as const;
const TOP_LINES = 10;
/**
 * Trees written as live markup; the rest wait in <template> elements, which the browser parses
 * but neither styles nor lays out until the page script shows them (bench/README.md,
 * audit-scale: 10,000 live trees took most of a 14 s load). The page script's first page.
 */
const TREES_AT_LOAD = 25;
const WORST_FIRST: CloneStatus[] = ['quarantined', 'violation', 'unevaluated', 'exempt', 'compliant'];

let sharedViz: Promise<Viz> | undefined;
/** Graphviz compiled to WebAssembly; instantiated once per process (it takes ~100 ms). */
function graphviz(): Promise<Viz> {
  if (sharedViz === undefined) sharedViz = instance();
  return sharedViz;
}

/**
 * The CSP of the page. `default-src 'none'` leaves the report no way to reach the network:
 * no fetch, image, font, frame or form. The one inline script and the one inline style are
 * admitted by their SHA-256 hash rather than 'unsafe-inline', so that markup smuggled in
 * through a tag value could not run even if an escaping bug let it into the page. Graphviz's
 * SVG uses presentation attributes (`fill=`), not `style=`, so the hashes cover all styling.
 * `frame-ancestors` is not allowed in a <meta> CSP and is left out.
 */
function contentSecurityPolicy(): string {
  return [
    "default-src 'none'",
    `script-src ${cspHash(REPORT_PAGE_SCRIPT)}`,
    `style-src ${cspHash(REPORT_PAGE_STYLE)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * The audit as one self-contained HTML file: trees as inline SVG (Graphviz, laid out here),
 * search and filters in an inline script, nothing fetched. Opens from disk or a mail client.
 */
export async function renderAuditHtml(report: AuditReport, options: { viz?: Viz } = {}): Promise<string> {
  const viz = options.viz ?? (await graphviz());
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // Our own text, with no double quote in it: the hashes are base64.
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>clonewarden audit · ${escapeHtml(report.generatedAt)}</title>`,
    `<style>${REPORT_PAGE_STYLE}</style>`,
    '</head><body>',
    headerSection(report),
    '<main>',
    `<noscript><p>Search, filters, the clone list and the family trees after the first ${TREES_AT_LOAD} need JavaScript. The JSON and CSV reports list every clone.</p></noscript>`,
    findingsSection(report),
    spendSection(report),
    controlsSection(report),
    treesSection(report, viz),
    clonesSection(),
    '</main>',
    `<script type="application/json" id="estate-data">${jsonForScriptElement(pageData(report))}</script>`,
    `<script>${REPORT_PAGE_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

const money = (value: number): string =>
  `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const count = (value: number): string => value.toLocaleString('en-US');

function headerSection(report: AuditReport): string {
  const { totals, spend, findings } = report;
  const figures: [string, string][] = [
    [count(totals.images), 'images'],
    [count(totals.snapshots), 'snapshots'],
    [count(totals.trees), 'family trees'],
    [`${money(spend.total)}`, 'per month'],
    [money(findings.pruneMonthlySaving), 'per month in prune candidates'],
  ];
  return [
    '<header><h1>clonewarden audit: AMIs and EBS snapshots</h1>',
    `<div class="muted">generated ${escapeHtml(report.generatedAt)} · schema v${report.schemaVersion} · every name and tag below is shown as text, as the estate wrote it</div>`,
    `<div class="totals">${figures.map(([value, label]) => `<div><b>${escapeHtml(value)}</b>${escapeHtml(label)}</div>`).join('')}</div>`,
    '</header>',
  ].join('\n');
}

function findingsSection(report: AuditReport): string {
  const cards = CLONE_FLAGS.map((flag) => {
    const n = report.findings.counts[flag];
    return `<button type="button" class="card${n > 0 ? ' hot' : ''}" data-flag="${flag}" aria-pressed="false"><b>${count(n)}</b>${escapeHtml(FLAG_LABEL[flag].toLowerCase())}</button>`;
  });
  const legend = WORST_FIRST.map((status) => statusBadge(status)).join(' ');
  return [
    '<h2>Findings</h2>',
    `<div class="cards">${cards.join('')}</div>`,
    `<div class="legend"><span class="muted">status:</span> ${legend}</div>`,
  ].join('\n');
}

function statusBadge(status: CloneStatus): string {
  const style = STATUS_STYLE[status];
  return `<span class="status st-${status}">${style.symbol} ${style.label}</span>`;
}

/** Each account's name in the organization, when the audit read one (organization mode). */
function accountNames(report: AuditReport): Map<string, string> {
  const names = new Map<string, string>();
  for (const tree of report.trees)
    for (const node of tree.nodes)
      if (node.account && node.accountName) names.set(node.account, node.accountName);
  return names;
}

function spendTable(title: string, lines: SpendLine[], names = new Map<string, string>()): string {
  const label = (key: string) => (names.has(key) ? `${key} · ${names.get(key)}` : key);
  const rows = lines
    .slice(0, TOP_LINES)
    .map(
      (line) =>
        `<tr><td class="text">${escapeHtml(label(line.key))}</td><td class="num">${count(line.clones)}</td><td class="num">${count(Math.round(line.sizeGiB))}</td><td class="num">${money(line.monthlyCost)}</td></tr>`,
    );
  const more =
    lines.length > TOP_LINES
      ? `<p class="note">and ${lines.length - TOP_LINES} more in the JSON and CSV reports</p>`
      : '';
  return `<div><table><thead><tr><th>${escapeHtml(title)}</th><th class="num">clones</th><th class="num">snapshot GiB</th><th class="num">per month</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}</div>`;
}

function pruneTable(report: AuditReport): string {
  const candidates = report.findings.pruneCandidates;
  const rows = candidates
    .slice(0, TOP_LINES)
    .map(
      (c) =>
        `<tr><td class="mono">${escapeHtml(c.id)}</td><td class="text">${escapeHtml(c.owner ?? NO_OWNER)}</td><td class="num nowrap">${count(c.ageDays)} d</td><td class="num">${money(c.monthlySaving)}</td></tr>`,
    );
  const more =
    candidates.length > TOP_LINES
      ? `<p class="note">and ${candidates.length - TOP_LINES} more in the JSON report</p>`
      : '';
  return `<div><table><thead><tr><th>prune candidate (stale)</th><th>owner</th><th class="num">age</th><th class="num">saving / month</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}<p class="note">Candidates before prune's in-use checks. Total ${money(report.findings.pruneMonthlySaving)} per month.</p></div>`;
}

function spendSection(report: AuditReport): string {
  return [
    '<h2>Spend (snapshot storage per month)</h2>',
    '<div class="grid">',
    spendTable('owner', report.spend.byOwner),
    spendTable('cost center', report.spend.byCostCenter),
    spendTable('account', report.spend.byAccount, accountNames(report)),
    pruneTable(report),
    '</div>',
  ].join('\n');
}

function options(values: string[], noneLabel?: string, labels = new Map<string, string>()): string {
  const choices = values.map(
    (value) =>
      `<option value="v:${escapeHtml(value)}">${escapeHtml(labels.has(value) ? `${value} · ${labels.get(value)}` : value)}</option>`,
  );
  if (noneLabel !== undefined) choices.push(`<option value="none">${escapeHtml(noneLabel)}</option>`);
  return `<option value="">all</option>${choices.join('')}`;
}

function distinct(
  report: AuditReport,
  pick: (node: FamilyTree['nodes'][number]) => string | undefined,
): string[] {
  const values = new Set<string>();
  for (const tree of report.trees) {
    for (const node of tree.nodes) {
      const value = node.inEstate ? pick(node) : undefined;
      if (value !== undefined) values.add(value);
    }
  }
  return [...values].sort();
}

function controlsSection(report: AuditReport): string {
  const select = (id: string, label: string, choices: string) =>
    `<label>${label}<select id="${id}">${choices}</select></label>`;
  const statuses = CLONE_STATUSES.map(
    (status) => `<option value="v:${status}">${STATUS_STYLE[status].symbol} ${status}</option>`,
  ).join('');
  const flags = CLONE_FLAGS.map(
    (flag) => `<option value="${flag}">${escapeHtml(FLAG_LABEL[flag].toLowerCase())}</option>`,
  ).join('');
  return [
    '<div class="controls" data-needs-js hidden>',
    '<label>search id, name, owner, cost center, account<input id="q" type="search" placeholder="e.g. snap-0a1b or jane" autocomplete="off"></label>',
    select(
      'f-owner',
      'owner',
      options(
        distinct(report, (node) => node.owner),
        NO_OWNER,
      ),
    ),
    select('f-status', 'status', `<option value="">all</option>${statuses}`),
    select(
      'f-account',
      'account',
      options(
        distinct(report, (node) => node.account),
        undefined,
        accountNames(report),
      ),
    ),
    select('f-region', 'region', options(distinct(report, (node) => node.region))),
    select('f-flag', 'finding', `<option value="">all</option>${flags}`),
    '<button type="button" id="reset">reset</button>',
    '<output id="match-count"></output>',
    '</div>',
  ].join('\n');
}

function worstStatus(tree: FamilyTree): CloneStatus | undefined {
  const present = new Set(
    tree.nodes.filter((node) => node.inEstate).map((node) => node.status ?? 'unevaluated'),
  );
  return WORST_FIRST.find((status) => present.has(status));
}

function treeFlagBadges(tree: FamilyTree): string {
  return CLONE_FLAGS.map(
    (flag) => [flag, tree.nodes.filter((node) => node.flags.includes(flag)).length] as const,
  )
    .filter(([, n]) => n > 0)
    .map(([flag, n]) => `<span class="flag flag-${flag}">${escapeHtml(FLAG_LABEL[flag])} ${n}</span>`)
    .join('');
}

function treeDetails(tree: FamilyTree, index: number, viz: Viz): string {
  const root = tree.nodes[0]!;
  const worst = worstStatus(tree);
  const summarised = tree.nodes.length > MAX_DRAWN_NODES;
  const note = summarised
    ? `<p class="note">${count(tree.nodes.length)} nodes: drawn as one box per generation. Filter the clone list below to see each one.</p>`
    : '';
  return [
    `<details class="tree" data-tree="${index}"${index === 0 ? ' open' : ''}>`,
    `<summary>${worst ? statusBadge(worst) : ''} <b class="mono">${escapeHtml(root.id)}</b>`,
    `<span class="muted">${escapeHtml(root.kind)} · ${escapeHtml(root.region)}${root.name ? ` · ${escapeHtml(root.name)}` : ''}</span>`,
    `<span>${count(tree.clones)} ${tree.clones === 1 ? 'clone' : 'clones'} · depth ${tree.depth} · ${count(tree.flagged)} flagged · ${money(tree.monthlyCost)}/month</span>`,
    `${treeFlagBadges(tree)}</summary>`,
    `<div class="tree-body">${note}${renderTreeSvg(viz, tree, index)}</div>`,
    '</details>',
  ].join('');
}

function treesSection(report: AuditReport, viz: Viz): string {
  return [
    '<h2>Family trees</h2>',
    '<p class="note">One tree per original (an instance, a volume, or an image or snapshot that is not a clone), generations left to right. Most flagged trees first. Dashed: the parent is gone, so the clone hangs under its root. Dotted: an image\'s disk.</p>',
    '<p class="note" id="tree-count" data-needs-js hidden></p>',
    '<div id="trees">',
    ...report.trees.map((tree, index) =>
      index < TREES_AT_LOAD
        ? treeDetails(tree, index, viz)
        : `<template class="tree-later" data-tree="${index}">${treeDetails(tree, index, viz)}</template>`,
    ),
    '</div>',
    '<button type="button" class="more" id="more-trees" data-needs-js hidden>show more trees</button>',
  ].join('\n');
}

function clonesSection(): string {
  const headers = ['status', 'id', 'kind', 'name', 'owner', 'cost center', 'account', 'region'];
  const numeric = ['gen', 'age (d)', 'GiB', 'per month'];
  return [
    '<section id="clones" data-needs-js hidden>',
    '<h2>Clones</h2>',
    '<div class="pager"><button type="button" id="prev-page">previous</button><button type="button" id="next-page">next</button><span id="page-info"></span></div>',
    `<table><thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}${numeric.map((h) => `<th class="num">${h}</th>`).join('')}<th>findings</th></tr></thead>`,
    '<tbody id="clone-rows"></tbody></table>',
    '</section>',
  ].join('\n');
}

/** The estate for the page script: one compact row per clone, in tree order. */
function pageData(report: AuditReport): unknown {
  const rows: unknown[][] = [];
  report.trees.forEach((tree, treeIndex) => {
    tree.nodes.forEach((node, nodeIndex) => {
      if (!node.inEstate) return;
      const row: Partial<Record<(typeof ROW_FIELDS)[number], unknown>> = {
        ...node,
        status: node.status ?? 'unevaluated',
        tree: treeIndex,
        node: nodeIndex,
      };
      rows.push(ROW_FIELDS.map((field) => row[field] ?? null));
    });
  });
  const statuses = Object.fromEntries(
    CLONE_STATUSES.map((status) => [status, { symbol: STATUS_STYLE[status].symbol, label: status }]),
  );
  return { fields: ROW_FIELDS, rows, statuses, flagLabels: FLAG_LABEL };
}
