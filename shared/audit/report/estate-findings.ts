import {
  CLONE_FLAGS,
  type CloneFlag,
  type FamilyTree,
  type Findings,
  type PruneCandidate,
  type SpendLine,
  type TreeNode,
} from './audit-report-schema.js';
import { compareText } from './family-trees.js';

/** Money is kept to a hundredth of a cent: enough for sums, without float noise like 0.30000000000000004. */
export function roundMoney(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/**
 * Prices every clone of a tree. A snapshot costs its size; an image is billed through its
 * snapshots, so it costs nothing of its own unless none of them is in the estate.
 */
export function priceTree(tree: FamilyTree, pricePerGbMonth: number): void {
  const imagesWithDisks = new Set(
    tree.edges.filter((edge) => edge.kind === 'backs').map((edge) => edge.from),
  );
  for (const node of tree.nodes) {
    if (!node.inEstate) continue;
    const billedElsewhere = node.kind === 'image' && imagesWithDisks.has(node.key);
    node.monthlyCost = billedElsewhere ? 0 : roundMoney((node.sizeGiB ?? 0) * pricePerGbMonth);
  }
  tree.clones = tree.nodes.filter((node) => node.inEstate).length;
  tree.flagged = tree.nodes.filter((node) => node.flags.length > 0).length;
  tree.monthlyCost = roundMoney(tree.nodes.reduce((sum, node) => sum + node.monthlyCost, 0));
}

/** Adds `over-depth` once generations are known. */
export function flagOverDepth(tree: FamilyTree, maxGeneration: number | undefined): void {
  if (maxGeneration === undefined) return;
  for (const node of tree.nodes) {
    if (node.inEstate && node.generation > maxGeneration) node.flags.push('over-depth');
  }
}

export function summariseFindings(trees: FamilyTree[]): Findings {
  const counts = Object.fromEntries(CLONE_FLAGS.map((flag) => [flag, 0])) as Record<CloneFlag, number>;
  const byFlag = Object.fromEntries(CLONE_FLAGS.map((flag) => [flag, [] as string[]])) as Record<
    CloneFlag,
    string[]
  >;
  for (const tree of trees) {
    for (const node of tree.nodes) {
      for (const flag of node.flags) {
        counts[flag]++;
        byFlag[flag].push(node.key);
      }
    }
  }
  const pruneCandidates = trees.flatMap(pruneCandidatesOf).sort(byLargestSaving);
  const pruneMonthlySaving = roundMoney(pruneCandidates.reduce((sum, c) => sum + c.monthlySaving, 0));
  return { counts, byFlag, pruneCandidates, pruneMonthlySaving };
}

/**
 * Stale clones that are not exempt. A snapshot behind an image goes with its image, so it is
 * not a candidate of its own; the image's saving includes its disks. These are candidates only:
 * prune's in-use checks (instances, launch templates) still decide.
 */
function pruneCandidatesOf(tree: FamilyTree): PruneCandidate[] {
  const disks = new Map<string, TreeNode[]>();
  const byKey = new Map(tree.nodes.map((node) => [node.key, node]));
  for (const edge of tree.edges) {
    if (edge.kind === 'backs') disks.set(edge.from, [...(disks.get(edge.from) ?? []), byKey.get(edge.to)!]);
  }
  const isDisk = new Set(tree.edges.filter((edge) => edge.kind === 'backs').map((edge) => edge.to));
  return tree.nodes
    .filter((node) => node.flags.includes('stale') && node.status !== 'exempt' && !isDisk.has(node.key))
    .map((node) => {
      const diskCost = (disks.get(node.key) ?? []).reduce((sum, disk) => sum + disk.monthlyCost, 0);
      return {
        key: node.key,
        id: node.id,
        kind: node.kind as PruneCandidate['kind'],
        region: node.region,
        ...(node.owner !== undefined ? { owner: node.owner } : {}),
        ageDays: node.ageDays ?? 0,
        sizeGiB: node.sizeGiB ?? 0,
        monthlySaving: roundMoney(node.monthlyCost + diskCost),
      };
    });
}

function byLargestSaving(a: PruneCandidate, b: PruneCandidate): number {
  return b.monthlySaving - a.monthlySaving || compareText(a.key, b.key);
}

export const NO_OWNER = '(no owner)';
export const NO_COST_CENTER = '(no cost center)';

/** Monthly cost grouped by a node's field; the most expensive first. */
export function spendBy(trees: FamilyTree[], keyOf: (node: TreeNode) => string): SpendLine[] {
  const lines = new Map<string, SpendLine>();
  for (const tree of trees) {
    for (const node of tree.nodes) {
      if (!node.inEstate) continue;
      const key = keyOf(node);
      const line = lines.get(key) ?? { key, clones: 0, sizeGiB: 0, monthlyCost: 0 };
      line.clones++;
      line.sizeGiB += node.kind === 'snapshot' ? (node.sizeGiB ?? 0) : 0;
      line.monthlyCost += node.monthlyCost;
      lines.set(key, line);
    }
  }
  return [...lines.values()]
    .map((line) => ({ ...line, monthlyCost: roundMoney(line.monthlyCost) }))
    .sort((a, b) => b.monthlyCost - a.monthlyCost || compareText(a.key, b.key));
}
