import type { AuditReport, FamilyTree, TreeNode } from './audit-report-schema.js';

/** One row per clone; the header names are the CSV's interface, so they only ever grow. */
const COLUMNS: { header: string; value: (node: TreeNode, tree: FamilyTree, parent?: string) => Cell }[] = [
  { header: 'id', value: (node) => node.id },
  { header: 'kind', value: (node) => node.kind },
  { header: 'account', value: (node) => node.account },
  { header: 'region', value: (node) => node.region },
  { header: 'name', value: (node) => node.name },
  { header: 'owner', value: (node) => node.owner },
  { header: 'cost_center', value: (node) => node.costCenter },
  { header: 'status', value: (node) => node.status },
  { header: 'generation', value: (node) => node.generation },
  { header: 'parent', value: (_node, _tree, parent) => parent },
  { header: 'tree_root', value: (_node, tree) => tree.root },
  { header: 'created_at', value: (node) => node.createdAt },
  { header: 'age_days', value: (node) => node.ageDays },
  { header: 'size_gib', value: (node) => node.sizeGiB },
  { header: 'monthly_cost', value: (node) => node.monthlyCost },
  { header: 'flags', value: (node) => node.flags.join(';') },
  { header: 'missing_tags', value: (node) => node.missingTags.join(';') },
  { header: 'foreign_accounts', value: (node) => node.foreignAccounts.join(';') },
  { header: 'notes', value: (node) => node.notes.join('; ') },
  { header: 'organization_shares', value: (node) => node.organizationShares.join(';') },
  { header: 'account_name', value: (node) => node.accountName },
];

type Cell = string | number | undefined;

/** Spreadsheets run a cell that starts like a formula (OWASP "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** RFC 4180 with CRLF line ends; text that could be read as a formula gets a leading `'`. */
export function csvCell(value: Cell): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The estate as CSV: one row per clone (originals outside the estate are not rows). */
export function renderAuditCsv(report: AuditReport): string {
  const lines = [COLUMNS.map((column) => column.header).join(',')];
  for (const tree of report.trees) {
    const parentOf = new Map(tree.edges.map((edge) => [edge.to, edge.from]));
    for (const node of tree.nodes) {
      if (!node.inEstate) continue;
      const parent = parentOf.get(node.key);
      lines.push(COLUMNS.map((column) => csvCell(column.value(node, tree, parent))).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
