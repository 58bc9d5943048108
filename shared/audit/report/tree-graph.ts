import type { Viz } from '@viz-js/viz';
import type { CloneFlag, FamilyTree, TreeNode } from './audit-report-schema.js';
import { FLAG_LABEL, STATUS_STYLE } from './status-style.js';

/** Trees with more nodes than this are drawn as one box per generation; the list has every clone. */
export const MAX_DRAWN_NODES = 60;
const NAME_WIDTH = 36;
const GRAPH_DEFAULTS = [
  'rankdir=LR; bgcolor="transparent"; nodesep=0.18; ranksep=0.45;',
  'node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, margin="0.12,0.06"];',
  'edge [color="#57606a", arrowsize=0.7, fontname="Helvetica", fontsize=9, fontcolor="#57606a"];',
].join('\n');

/** A DOT string literal: quotes and backslashes escaped, so tag text cannot end it or add escapes. */
function dotString(text: string): string {
  return `"${text
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replace(/[\r\n]/g, ' ')}"`;
}

/** Joins label lines with DOT's own line break, after escaping each line. */
function dotLabel(lines: string[]): string {
  return lines.map((line) => dotString(line).slice(1, -1)).join('\\n');
}

function shorten(text: string, width: number): string {
  const codePoints = [...text];
  return codePoints.length > width ? `${codePoints.slice(0, width - 1).join('')}…` : text;
}

/** The SVG element id of a node (`t3n0`), which the page script uses to highlight search hits; ours, never tag text. */
function svgNodeId(treeIndex: number, nodeIndex: number): string {
  return `t${treeIndex}n${nodeIndex}`;
}

/** The account id, and its name in the organization when known. */
function accountLabel(node: TreeNode): string {
  return node.accountName ? `${node.account ?? '?'} ${node.accountName}` : (node.account ?? '?');
}

function nodeLines(node: TreeNode): string[] {
  if (!node.inEstate) return [`${node.kind} ${node.id}`, node.region, node.notes[0] ?? 'not in the estate'];
  const style = STATUS_STYLE[node.status ?? 'unevaluated'];
  const facts = [node.owner ?? 'no owner', `${node.ageDays ?? '?'} d`, `${node.sizeGiB ?? 0} GiB`];
  const lines = [`${style.symbol} ${node.id}  gen ${node.generation}`];
  if (node.name !== undefined) lines.push(shorten(node.name, NAME_WIDTH));
  lines.push(
    shorten(facts.join(' · '), NAME_WIDTH),
    shorten(`${style.label} · ${accountLabel(node)} · ${node.region}`, NAME_WIDTH + 12),
  );
  const flags = node.flags.filter((flag) => flag !== 'quarantined').map((flag) => FLAG_LABEL[flag]);
  if (flags.length > 0) lines.push(`⚠ ${flags.join(' · ')}`);
  return lines;
}

function nodeStatement(node: TreeNode, id: string): string {
  const style = node.inEstate ? STATUS_STYLE[node.status ?? 'unevaluated'] : undefined;
  const attributes = [
    `id="${id}"`,
    `label="${dotLabel(nodeLines(node))}"`,
    style
      ? `fillcolor="${style.fill}", color="${style.line}"`
      : 'fillcolor="#ffffff", color="#8c959f", style="rounded,dashed"',
    node.flags.length > 0 ? 'penwidth=2.2' : 'penwidth=1',
    node.status === 'quarantined' ? 'peripheries=2' : '',
  ];
  return `"${id}" [${attributes.filter(Boolean).join(', ')}];`;
}

const EDGE_STYLE: Record<FamilyTree['edges'][number]['kind'], string> = {
  lineage: '',
  'via-root': ', style=dashed, label="parent gone"',
  backs: ', style=dotted, arrowhead=none, label="disk"',
};

/** The DOT source of one tree, every node drawn. */
function treeDot(tree: FamilyTree, treeIndex: number): string {
  const ids = new Map(tree.nodes.map((node, index) => [node.key, svgNodeId(treeIndex, index)]));
  const statements = tree.nodes.map((node) => nodeStatement(node, ids.get(node.key)!));
  for (const edge of tree.edges) {
    const [from, to] = [ids.get(edge.from)!, ids.get(edge.to)!];
    statements.push(
      `"${from}" -> "${to}" [id="${from}-${to}", class="${edge.kind}"${EDGE_STYLE[edge.kind]}];`,
    );
  }
  return `digraph {\n${GRAPH_DEFAULTS}\n${statements.join('\n')}\n}`;
}

/** A large tree as one box per generation, with its flag counts, so that it still fits a screen. */
function generationSummaryDot(tree: FamilyTree): string {
  const byGeneration = new Map<number, TreeNode[]>();
  for (const node of tree.nodes.slice(1)) {
    const generation = byGeneration.get(node.generation);
    if (generation === undefined) byGeneration.set(node.generation, [node]);
    else generation.push(node);
  }
  const root = tree.nodes[0]!;
  const statements = [`"g0" [label="${dotLabel(nodeLines(root).slice(0, 2))}", fillcolor="#ffffff"];`];
  let previous = 'g0';
  for (const [generation, nodes] of [...byGeneration].sort(([a], [b]) => a - b)) {
    statements.push(`"g${generation}" [label="${dotLabel(generationLines(generation, nodes))}"];`);
    statements.push(`"${previous}" -> "g${generation}";`);
    previous = `g${generation}`;
  }
  return `digraph {\n${GRAPH_DEFAULTS}\n${statements.join('\n')}\n}`;
}

function generationLines(generation: number, nodes: TreeNode[]): string[] {
  const counts = new Map<CloneFlag, number>();
  for (const node of nodes) for (const flag of node.flags) counts.set(flag, (counts.get(flag) ?? 0) + 1);
  const statuses = Object.entries(STATUS_STYLE)
    .map(([status, style]) => [
      style.symbol,
      nodes.filter((n) => (n.status ?? 'unevaluated') === status).length,
    ])
    .filter(([, count]) => count !== 0)
    .map(([symbol, count]) => `${symbol} ${count}`);
  const flags = [...counts].map(([flag, count]) => `${FLAG_LABEL[flag]} ${count}`);
  return [`generation ${generation}: ${nodes.length} clones`, statuses.join('  '), ...chunk(flags, 2)];
}

function chunk(items: string[], size: number): string[] {
  const lines: string[] = [];
  for (let index = 0; index < items.length; index += size)
    lines.push(items.slice(index, index + size).join(' · '));
  return lines;
}

/** Graphviz's SVG without the XML prolog and comments, ready to sit inline in HTML. */
export function renderTreeSvg(viz: Viz, tree: FamilyTree, treeIndex: number): string {
  const dot = tree.nodes.length > MAX_DRAWN_NODES ? generationSummaryDot(tree) : treeDot(tree, treeIndex);
  const svg = viz.renderString(dot, { format: 'svg' });
  // Attributes every text element repeats move to the page's stylesheet: a seventh of the file at 10,000 clones.
  return svg
    .slice(svg.indexOf('<svg'))
    .replace(/<!--[\s\S]*?-->\n?/g, '')
    .replace(/<title>[^<]*<\/title>\n?/g, '')
    .replaceAll(' xml:space="preserve" text-anchor="middle"', '')
    .replaceAll(' font-family="Helvetica,sans-Serif"', '');
}
