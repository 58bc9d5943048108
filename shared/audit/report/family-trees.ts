import type { FamilyTree, TreeEdge, TreeNode } from './audit-report-schema.js';
import {
  describeOutsider,
  nodeKey,
  parseResourceLabel,
  type ResourceLabel,
  taggedGeneration,
} from './clone-node.js';
import { AUDIT_TAG, type EstateRecord } from './estate-record.js';

interface ParentLink {
  parent: string;
  kind: TreeEdge['kind'];
}

/** Everything the tree building works on: the nodes (estate and outsiders) and one parent per node. */
interface Forest {
  nodes: Map<string, TreeNode>;
  links: Map<string, ParentLink>;
  /** The `clonewarden:generation` tags that are plain numbers, by node key. */
  taggedGenerations: Map<string, number>;
}

/**
 * Groups the estate into family trees, one per root: an original (instance, volume), or an
 * image or snapshot that is not a clone. Lineage tags are attacker-controlled: invalid ids are
 * ignored, a cycle is cut, and every node ends up in exactly one tree.
 * `nodes` holds one node per record, by key; ancestors outside the estate are added to it.
 */
export function buildFamilyTrees(records: EstateRecord[], nodes: Map<string, TreeNode>): FamilyTree[] {
  const forest: Forest = { nodes, links: new Map(), taggedGenerations: new Map() };
  const sorted = [...records].sort((a, b) => compareText(nodeKey(a.region, a.id), nodeKey(b.region, b.id)));
  for (const record of sorted) {
    const generation = taggedGeneration(record.tags);
    if (generation !== undefined) forest.taggedGenerations.set(nodeKey(record.region, record.id), generation);
  }
  for (const record of sorted) if (record.kind === 'image') linkBackingSnapshots(forest, record);
  for (const record of sorted) linkLineage(forest, record);
  cutCycles(forest);
  return growTrees(forest);
}

/** An image's disks are drawn under the image: they are part of it, not a generation of their own. */
function linkBackingSnapshots(forest: Forest, image: EstateRecord): void {
  const imageKey = nodeKey(image.region, image.id);
  for (const snapshotId of image.backingSnapshotIds) {
    const snapshotKey = nodeKey(image.region, snapshotId);
    const snapshot = forest.nodes.get(snapshotKey);
    if (snapshot?.kind !== 'snapshot' || forest.links.has(snapshotKey)) continue;
    forest.links.set(snapshotKey, { parent: imageKey, kind: 'backs' });
  }
}

function linkLineage(forest: Forest, record: EstateRecord): void {
  const key = nodeKey(record.region, record.id);
  if (forest.links.has(key)) return;
  const node = forest.nodes.get(key)!;
  const parentTag = record.tags[AUDIT_TAG.parent];
  const parent = parseResourceLabel(parentTag, record.region);
  const root = parseResourceLabel(record.tags[AUDIT_TAG.root], record.region);
  if (parentTag !== undefined && parent === undefined)
    node.notes.push('ignored clonewarden:parent: not a resource id');
  if (parent !== undefined && parent.key !== key) {
    const known = forest.nodes.get(parent.key);
    if (known !== undefined || parent.kind === 'instance' || parent.kind === 'volume') {
      ensureNode(forest, parent, 'original: not a clone');
      forest.links.set(key, { parent: parent.key, kind: 'lineage' });
      return;
    }
    node.notes.push(`parent ${parent.key} is not in the estate`);
  }
  if (root !== undefined && root.key !== key && root.key !== parent?.key) {
    ensureNode(forest, root, 'root: not in the estate');
    forest.links.set(key, { parent: root.key, kind: parent === undefined ? 'lineage' : 'via-root' });
  }
}

function ensureNode(forest: Forest, label: ResourceLabel, note: string): void {
  if (!forest.nodes.has(label.key)) forest.nodes.set(label.key, describeOutsider(label, note));
}

/**
 * Each node has at most one parent, so a cycle is found by walking up from every node. The link
 * that closes a cycle is dropped, and the node that lost it says so.
 */
function cutCycles(forest: Forest): void {
  const settled = new Set<string>();
  for (const start of [...forest.nodes.keys()].sort(compareText)) {
    const path = new Set<string>();
    let current: string | undefined = start;
    while (current !== undefined && !settled.has(current)) {
      path.add(current);
      const parent: string | undefined = forest.links.get(current)?.parent;
      if (parent !== undefined && path.has(parent)) {
        forest.links.delete(current);
        forest.nodes.get(current)!.notes.push('lineage cycle: parent link ignored');
        break;
      }
      current = parent;
    }
    for (const key of path) settled.add(key);
  }
}

/** Walks down from every root, breadth first, giving each node its generation. */
function growTrees(forest: Forest): FamilyTree[] {
  const children = new Map<string, string[]>();
  for (const [child, link] of [...forest.links].sort(([a], [b]) => compareText(a, b))) {
    const siblings = children.get(link.parent);
    if (siblings === undefined) children.set(link.parent, [child]);
    else siblings.push(child);
  }
  const roots = [...forest.nodes.keys()].filter((key) => !forest.links.has(key)).sort(compareText);
  return roots.map((root) => growTree(forest, children, root));
}

function growTree(forest: Forest, children: Map<string, string[]>, rootKey: string): FamilyTree {
  const depthOf = new Map<string, number>([[rootKey, 0]]);
  const nodes: TreeNode[] = [];
  const edges: TreeEdge[] = [];
  const queue = [rootKey];
  for (let index = 0; index < queue.length; index++) {
    const key = queue[index]!;
    const node = forest.nodes.get(key)!;
    const depth = depthOf.get(key)!;
    node.generation = Math.max(depth, forest.taggedGenerations.get(key) ?? 0);
    nodes.push(node);
    for (const child of children.get(key) ?? []) {
      const kind = forest.links.get(child)!.kind;
      depthOf.set(child, kind === 'backs' ? depth : depth + 1);
      edges.push({ from: key, to: child, kind });
      queue.push(child);
    }
  }
  const depth = nodes.reduce((deepest, node) => Math.max(deepest, node.generation), 0);
  return { root: rootKey, nodes, edges, depth, clones: 0, flagged: 0, monthlyCost: 0 };
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
