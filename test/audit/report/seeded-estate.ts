import type { AuditPolicyFigures, EstateRecord } from '../../../shared/audit/report/index.js';

/** A small estate with one of everything the audit must see, and hostile tag values. */
export const NOW = new Date('2026-06-01T00:00:00Z');
const ORG = ['111111111111', '222222222222'];
export const FOREIGN_ACCOUNT = '999999999999';
export const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
export const HOSTILE_OWNER = '</script><script>window.__pwned=1</script>';
export const FORMULA_OWNER = '=HYPERLINK("http://evil.example","x")';

export const POLICY: AuditPolicyFigures = {
  maxAgeDays: { image: 365, snapshot: 90 },
  maxGeneration: 2,
  requiredTags: ['Owner', 'CostCenter'],
  pricePerGbMonth: 0.05,
  organisationAccounts: ORG,
};

const hex = (n: number) => n.toString(16).padStart(17, '0');
export const ami = (n: number) => `ami-${hex(n)}`;
export const snap = (n: number) => `snap-${hex(n)}`;
export const SERVER = 'i-0a1b2c3d4e5f60718';
export const DISK = 'vol-0fedcba987654321f';

const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const labels = { Owner: 'jane', CostCenter: 'cc-web' };
const lineage = (parent: string, root: string, generation: number) => ({
  'clonewarden:parent': parent,
  'clonewarden:root': root,
  'clonewarden:generation': String(generation),
  'clonewarden:status': 'compliant',
});

function record(partial: Partial<EstateRecord> & Pick<EstateRecord, 'kind' | 'id'>): EstateRecord {
  return {
    account: ORG[0]!,
    region: 'eu-west-1',
    tags: {},
    createdAt: daysAgo(10),
    sizeGiB: 8,
    state: partial.kind === 'image' ? 'available' : 'completed',
    backingSnapshotIds: [],
    shares: { public: false, accounts: [] },
    ...partial,
  };
}

/** Server → image (gen 1) → copy to eu-central-1 (gen 2) → its copy (gen 3, over the limit). */
const WEB_FAMILY: EstateRecord[] = [
  record({
    kind: 'image',
    id: ami(1),
    name: 'web-golden',
    tags: { ...labels, ...lineage(SERVER, SERVER, 1) },
    backingSnapshotIds: [snap(1)],
  }),
  record({ kind: 'snapshot', id: snap(1), sizeGiB: 20, tags: { ...labels, ...lineage(SERVER, SERVER, 1) } }),
  record({
    kind: 'image',
    id: ami(2),
    region: 'eu-central-1',
    name: HOSTILE_NAME,
    tags: { ...labels, Owner: HOSTILE_OWNER, ...lineage(`eu-west-1/${ami(1)}`, `eu-west-1/${SERVER}`, 2) },
  }),
  record({
    kind: 'image',
    id: ami(3),
    region: 'eu-central-1',
    name: 'web-copy-of-copy',
    tags: { ...labels, ...lineage(ami(2), `eu-west-1/${SERVER}`, 3), 'clonewarden:status': 'violation' },
  }),
];

/** Volume → backup (gen 1, stale and public) → its copy (gen 2, shared abroad, quarantined). */
const DB_FAMILY: EstateRecord[] = [
  record({
    kind: 'snapshot',
    id: snap(10),
    sizeGiB: 100,
    createdAt: daysAgo(200),
    tags: { Owner: 'ops', CostCenter: 'cc-db', ...lineage(DISK, DISK, 1) },
    shares: { public: true, accounts: [] },
  }),
  record({
    kind: 'snapshot',
    id: snap(11),
    account: ORG[1]!,
    sizeGiB: 100,
    tags: {
      Owner: FORMULA_OWNER,
      CostCenter: 'cc-db',
      ...lineage(snap(10), DISK, 2),
      'clonewarden:status': 'quarantined',
    },
    shares: { public: false, accounts: [ORG[0]!, FOREIGN_ACCOUNT] },
  }),
];

/** Lineage tags that cannot be taken at face value. */
const ODD_ONES: EstateRecord[] = [
  // Its parent was deleted: it hangs under its root, the server.
  record({ kind: 'snapshot', id: snap(20), tags: { ...labels, ...lineage(snap(99), SERVER, 2) } }),
  // Not an id: ignored; the clone is its own tree.
  record({
    kind: 'snapshot',
    id: snap(21),
    tags: { ...labels, 'clonewarden:parent': "snap-1'; DROP TABLE x; --" },
  }),
  // Each says the other is its parent.
  record({ kind: 'snapshot', id: snap(22), tags: { ...labels, ...lineage(snap(23), snap(23), 1) } }),
  record({ kind: 'snapshot', id: snap(23), tags: { ...labels, ...lineage(snap(22), snap(22), 1) } }),
  // An original with no labels at all.
  record({ kind: 'image', id: ami(30), name: 'base-os', createdAt: daysAgo(400), sizeGiB: 30 }),
];

export const SEEDED_ESTATE: EstateRecord[] = [...WEB_FAMILY, ...DB_FAMILY, ...ODD_ONES];
