import {
  AUDIT_SCHEMA_VERSION,
  type AuditReport,
  type FamilyTree,
  type TreeNode,
} from './audit-report-schema.js';
import { describeClone, nodeKey } from './clone-node.js';
import {
  flagOverDepth,
  NO_COST_CENTER,
  NO_OWNER,
  priceTree,
  roundMoney,
  spendBy,
  summariseFindings,
} from './estate-findings.js';
import type { AuditPolicyFigures, EstateRecord } from './estate-record.js';
import { buildFamilyTrees, compareText } from './family-trees.js';

/**
 * Analyses an estate: family trees with flagged nodes, findings, prune candidates and spend.
 * Pure: the same records, policy and `now` give the same report.
 */
export function buildAuditReport(
  records: EstateRecord[],
  policy: AuditPolicyFigures,
  now: Date,
): AuditReport {
  const nodes = new Map<string, TreeNode>();
  const estate = uniqueRecords(records);
  for (const record of estate)
    nodes.set(nodeKey(record.region, record.id), describeClone(record, policy, now));
  const trees = buildFamilyTrees(estate, nodes);
  for (const tree of trees) {
    flagOverDepth(tree, policy.maxGeneration);
    priceTree(tree, policy.pricePerGbMonth);
  }
  trees.sort(mostFlaggedFirst);
  return {
    schemaVersion: AUDIT_SCHEMA_VERSION,
    generatedAt: now.toISOString(),
    policy: {
      maxAgeDays: { ...policy.maxAgeDays },
      ...(policy.maxGeneration !== undefined ? { maxGeneration: policy.maxGeneration } : {}),
      requiredTags: [...policy.requiredTags],
      pricePerGbMonth: policy.pricePerGbMonth,
    },
    totals: {
      images: countKind(trees, 'image'),
      snapshots: countKind(trees, 'snapshot'),
      trees: trees.length,
      snapshotGiB: snapshotGiB(trees),
    },
    trees,
    findings: summariseFindings(trees),
    spend: {
      total: roundMoney(trees.reduce((sum, tree) => sum + tree.monthlyCost, 0)),
      byOwner: spendBy(trees, (node) => node.owner ?? NO_OWNER),
      byCostCenter: spendBy(trees, (node) => node.costCenter ?? NO_COST_CENTER),
      byAccount: spendBy(trees, (node) => node.account ?? '?'),
    },
  };
}

/** A record listed twice (two pages that overlapped) counts once: the first one wins. */
function uniqueRecords(records: EstateRecord[]): EstateRecord[] {
  const seen = new Set<string>();
  return records.filter((record) => {
    const key = nodeKey(record.region, record.id);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function countKind(trees: FamilyTree[], kind: 'image' | 'snapshot'): number {
  return trees.reduce((sum, tree) => sum + tree.nodes.filter((n) => n.inEstate && n.kind === kind).length, 0);
}

function snapshotGiB(trees: FamilyTree[]): number {
  let total = 0;
  for (const tree of trees)
    for (const node of tree.nodes) if (node.kind === 'snapshot') total += node.sizeGiB ?? 0;
  return roundMoney(total);
}

/** The trees a reviewer should open first: most flagged clones, then the largest. */
function mostFlaggedFirst(a: FamilyTree, b: FamilyTree): number {
  return b.flagged - a.flagged || b.clones - a.clones || compareText(a.root, b.root);
}
