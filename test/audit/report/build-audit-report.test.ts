import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuditReport,
  AuditReportSchema,
  buildAuditReport,
  type TreeNode,
} from '../../../shared/audit/report/index.js';
import {
  ami,
  DISK,
  FOREIGN_ACCOUNT,
  HOSTILE_OWNER,
  NOW,
  POLICY,
  SEEDED_ESTATE,
  SERVER,
  snap,
} from './seeded-estate.js';

const nodeOf = (report: AuditReport, key: string): TreeNode => {
  const node = report.trees.flatMap((tree) => tree.nodes).find((candidate) => candidate.key === key);
  if (!node) throw new Error(`no node ${key}`);
  return node;
};
const treeOf = (report: AuditReport, rootKey: string) => report.trees.find((tree) => tree.root === rootKey)!;

describe('buildAuditReport: family trees', () => {
  const report = buildAuditReport(SEEDED_ESTATE, POLICY, NOW);

  it('draws root → generation 1 → 2 → 3 across regions', () => {
    // Assess
    const tree = treeOf(report, `eu-west-1/${SERVER}`);
    expect(tree.edges).toEqual(
      expect.arrayContaining([
        { from: `eu-west-1/${SERVER}`, to: `eu-west-1/${ami(1)}`, kind: 'lineage' },
        { from: `eu-west-1/${ami(1)}`, to: `eu-central-1/${ami(2)}`, kind: 'lineage' },
        { from: `eu-central-1/${ami(2)}`, to: `eu-central-1/${ami(3)}`, kind: 'lineage' },
      ]),
    );
    expect(tree.nodes[0]).toMatchObject({ id: SERVER, kind: 'instance', inEstate: false, generation: 0 });
    expect(nodeOf(report, `eu-central-1/${ami(3)}`).generation).toBe(3);
    expect(tree.depth).toBe(3);
  });

  it("hangs an image's disk under the image, in the image's generation", () => {
    expect(treeOf(report, `eu-west-1/${SERVER}`).edges).toContainEqual({
      from: `eu-west-1/${ami(1)}`,
      to: `eu-west-1/${snap(1)}`,
      kind: 'backs',
    });
    expect(nodeOf(report, `eu-west-1/${snap(1)}`).generation).toBe(1);
  });

  it('hangs a clone whose parent is gone under its root, and says why', () => {
    const orphan = nodeOf(report, `eu-west-1/${snap(20)}`);
    expect(treeOf(report, `eu-west-1/${SERVER}`).edges).toContainEqual({
      from: `eu-west-1/${SERVER}`,
      to: orphan.key,
      kind: 'via-root',
    });
    expect(orphan.notes).toEqual([`parent eu-west-1/${snap(99)} is not in the estate`]);
    expect(orphan.generation).toBe(2);
  });

  it('ignores a parent tag that is not an id: the clone is its own tree', () => {
    const tree = treeOf(report, `eu-west-1/${snap(21)}`);
    expect(tree.nodes).toHaveLength(1);
    expect(tree.nodes[0]!.notes).toEqual(['ignored clonewarden:parent: not a resource id']);
  });

  it('cuts a lineage cycle once, keeping both clones in one tree', () => {
    const tree = report.trees.find((candidate) => candidate.nodes.some((n) => n.id === snap(22)))!;
    expect(tree.nodes.map((node) => node.id).sort()).toEqual([snap(22), snap(23)]);
    expect(tree.nodes.flatMap((node) => node.notes)).toEqual(['lineage cycle: parent link ignored']);
  });

  it('places every clone of the estate in exactly one tree', () => {
    const keys = report.trees.flatMap((tree) => tree.nodes.filter((n) => n.inEstate).map((n) => n.key));
    expect(keys.sort()).toEqual(SEEDED_ESTATE.map((r) => `${r.region}/${r.id}`).sort());
    expect(report.totals).toEqual({ images: 4, snapshots: 7, trees: 5, snapshotGiB: 252 });
  });
});

describe('buildAuditReport: flags and findings', () => {
  const report = buildAuditReport(SEEDED_ESTATE, POLICY, NOW);

  it('flags each kind of problem on the clone that has it', () => {
    expect(nodeOf(report, `eu-west-1/${snap(10)}`).flags).toEqual(['stale', 'public-share']);
    expect(nodeOf(report, `eu-west-1/${snap(11)}`)).toMatchObject({
      flags: ['quarantined', 'foreign-share'],
      foreignAccounts: [FOREIGN_ACCOUNT],
      status: 'quarantined',
    });
    expect(nodeOf(report, `eu-central-1/${ami(3)}`).flags).toEqual(['over-depth']);
    expect(nodeOf(report, `eu-west-1/${ami(30)}`)).toMatchObject({
      flags: ['stale', 'unlabelled'],
      missingTags: ['Owner', 'CostCenter'],
      status: 'unevaluated',
    });
    expect(nodeOf(report, `eu-west-1/${ami(1)}`).flags).toEqual([]);
  });

  it('counts and lists every flag', () => {
    expect(report.findings.counts).toEqual({
      quarantined: 1,
      stale: 2,
      'public-share': 1,
      'foreign-share': 1,
      'over-depth': 1,
      unlabelled: 1,
    });
    expect(report.findings.byFlag.stale.sort()).toEqual([`eu-west-1/${ami(30)}`, `eu-west-1/${snap(10)}`]);
  });

  it('lists stale clones as prune candidates with their monthly saving, largest first', () => {
    expect(report.findings.pruneCandidates.map((c) => [c.id, c.monthlySaving])).toEqual([
      [snap(10), 5],
      [ami(30), 1.5],
    ]);
    expect(report.findings.pruneMonthlySaving).toBe(6.5);
  });

  it('prices an image through its disks, and its saving includes them', () => {
    const oldImage = { ...SEEDED_ESTATE[0]!, createdAt: '2020-01-01T00:00:00Z' };
    const disk = { ...SEEDED_ESTATE[1]!, createdAt: '2020-01-01T00:00:00Z' };
    const aged = buildAuditReport([oldImage, disk], POLICY, NOW);
    expect(nodeOf(aged, `eu-west-1/${ami(1)}`).monthlyCost).toBe(0);
    expect(aged.findings.pruneCandidates).toEqual([
      expect.objectContaining({ id: ami(1), monthlySaving: 1, sizeGiB: 8 }),
    ]);
  });

  it('adds spend up by owner, cost center and account to the same total', () => {
    const sum = (lines: { monthlyCost: number }[]) =>
      Math.round(lines.reduce((total, line) => total + line.monthlyCost, 0) * 100) / 100;
    // Snapshots 252 GiB, and the two copied images and the base image that have no disk in the estate
    // (8 + 8 + 30 GiB); web-golden is billed through its disk.
    expect(report.spend.total).toBe(14.9);
    expect(sum(report.spend.byOwner)).toBe(14.9);
    expect(sum(report.spend.byCostCenter)).toBe(14.9);
    expect(sum(report.spend.byAccount)).toBe(14.9);
    expect(report.spend.byOwner).toContainEqual({ key: 'ops', clones: 1, sizeGiB: 100, monthlyCost: 5 });
    expect(report.spend.byOwner).toContainEqual({
      key: '(no owner)',
      clones: 1,
      sizeGiB: 0,
      monthlyCost: 1.5,
    });
    expect(report.spend.byOwner.map((line) => line.key)).toContain(HOSTILE_OWNER);
  });

  it('matches its own JSON schema', () => {
    expect(() => AuditReportSchema.parse(report)).not.toThrow();
    expect(treeOf(report, `eu-west-1/${DISK}`).nodes.map((n) => n.id)).toEqual([DISK, snap(10), snap(11)]);
  });
});

describe('buildAuditReport: images shared with an organization or OU', () => {
  const OURS = 'o-ourorg0001';
  const ourOu = `arn:aws:organizations::111111111111:ou/${OURS}/ou-ab12-cdefgh34`;
  const theirs = 'arn:aws:organizations::999999999999:organization/o-theirorg01';
  const image = (id: string, organizations: string[], organizationalUnits: string[]) => ({
    kind: 'image' as const,
    id,
    account: '111111111111',
    accountName: 'payments-prod',
    region: 'eu-west-1',
    tags: { Owner: 'jane', CostCenter: 'cc-web' },
    sizeGiB: 8,
    backingSnapshotIds: [],
    shares: { public: false, accounts: [], organizations, organizationalUnits },
  });
  const estate = [image(ami(70), [], [ourOu]), image(ami(71), [theirs], [])];

  it('flags a share with another organization as foreign, and lists every organization share', () => {
    // Act
    const report = buildAuditReport(estate, { ...POLICY, organisationId: OURS }, NOW);

    // Assess
    expect(nodeOf(report, `eu-west-1/${ami(70)}`)).toMatchObject({
      flags: [],
      organizationShares: [ourOu],
      accountName: 'payments-prod',
    });
    expect(nodeOf(report, `eu-west-1/${ami(71)}`)).toMatchObject({
      flags: ['foreign-share'],
      organizationShares: [theirs],
    });
    expect(report.findings.counts['foreign-share']).toBe(1);
  });

  it('counts every organization share as foreign, and says so, when the audit could not read its own organization', () => {
    // Act
    const report = buildAuditReport(estate, POLICY, NOW);

    // Assess
    const ours = nodeOf(report, `eu-west-1/${ami(70)}`);
    expect(ours.flags).toEqual(['foreign-share']);
    expect(ours.notes).toEqual([expect.stringContaining('could not read its own organization')]);
  });
});

describe('buildAuditReport: hostile lineage tags', () => {
  const label = fc.oneof(
    fc.string(),
    fc.constantFrom(...[0, 1, 2, 3, 4].map(snap), ...[0, 1, 2].map(ami), SERVER, `us-east-1/${snap(1)}`),
  );
  const estate = fc.array(
    fc.record({
      n: fc.integer({ min: 0, max: 4 }),
      parent: label,
      root: label,
      generation: fc.string(),
      status: fc.string(),
    }),
    { maxLength: 12 },
  );

  it('always terminates and places each clone once, whatever the tags say', () => {
    fc.assert(
      fc.property(estate, (entries) => {
        const records = entries.map((entry, index) => ({
          kind: 'snapshot' as const,
          id: snap(index < 5 ? entry.n : index),
          account: '111111111111',
          region: 'eu-west-1',
          tags: {
            'clonewarden:parent': entry.parent,
            'clonewarden:root': entry.root,
            'clonewarden:generation': entry.generation,
            'clonewarden:status': entry.status,
          },
          sizeGiB: 1,
          backingSnapshotIds: [],
          shares: { public: false, accounts: [] },
        }));
        const report = buildAuditReport(records, POLICY, NOW);
        const placed = report.trees.flatMap((tree) => tree.nodes.filter((n) => n.inEstate).map((n) => n.key));
        expect(placed.sort()).toEqual([...new Set(records.map((r) => `eu-west-1/${r.id}`))].sort());
        expect(() => AuditReportSchema.parse(report)).not.toThrow();
      }),
    );
  });
});
