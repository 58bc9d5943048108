import { describe, expect, it, vi } from 'vitest';
import type { CloneDeleter } from '../../shared/aws/clone-deleter.js';
import type { CloneInventory, ImageReferences } from '../../shared/aws/clone-inventory.js';
import type { CloneRecord } from '../../shared/model/clone-record.js';
import type { Verdict } from '../../shared/model/types.js';
import { PolicySchema } from '../../shared/policy/schema.js';
import type { PruneContext } from '../../shared/prune/prune-context.js';
import type { Reconciler } from '../../shared/prune/reconcile-clone.js';
import { runPrune } from '../../shared/prune/run-prune.js';
import { anImage, aSnapshot, NOW } from './clone-records.js';

const EXPIRED = { Expiry: '2026-01-01', 'clonewarden:status': 'compliant' };
const DUE = { ...EXPIRED, 'clonewarden:prune-after': '2026-06-01' };
const OLD = '2026-01-01T00:00:00.000Z';

interface Estate {
  images?: CloneRecord[];
  snapshots?: CloneRecord[];
  usedByInstances?: string[];
  references?: ImageReferences;
  usersAtDeletion?: string[];
}

function fakeInventory(estate: Estate) {
  const inventory: CloneInventory = {
    imagesUsedByInstances: vi.fn(async () => new Set(estate.usedByInstances ?? [])),
    async *images() {
      yield estate.images ?? [];
    },
    async *snapshots() {
      // Two pages, to prove the run streams them.
      const all = estate.snapshots ?? [];
      yield all.slice(0, 1);
      yield all.slice(1);
    },
    imageReferences: vi.fn(async () => estate.references),
    launchTemplateImages: vi.fn(async () => ({
      imageIds: new Set<string>(),
      unresolved: [],
      templates: 0,
      versions: 0,
    })),
    instancesUsingImage: vi.fn(async () => estate.usersAtDeletion ?? []),
  };
  return inventory;
}

function fakeDeleter(): CloneDeleter {
  return {
    tag: vi.fn(async () => {}),
    untag: vi.fn(async () => {}),
    deleteImage: vi.fn(async () => ({ deletedSnapshots: [], keptSnapshots: [] })),
    deleteSnapshot: vi.fn(async () => 'deleted' as const),
  };
}

function verdictFor(record: CloneRecord): Verdict {
  return {
    eventId: `reconcile-${record.id}`,
    eventName: 'Reconcile',
    region: record.region,
    account: '123456789012',
    resources: [record.id],
    status: 'violation',
    violations: [
      { rule: 'labels', severity: 'high', action: 'tag', resource: record.id, message: 'missing tag Owner' },
    ],
    unknowns: [{ rule: 'who-may-clone', resource: record.id, message: 'the caller is unknown' }],
    actions: [],
    dryRun: false,
  };
}

function aContext(estate: Estate, overrides: Partial<PruneContext> = {}) {
  const policy = PolicySchema.parse({
    version: 1,
    rules: [],
    prune: { dryRun: false, maxAgeDays: { snapshot: 90 } },
  });
  const reconciler: Reconciler = { reconcile: vi.fn(async (record: CloneRecord) => verdictFor(record)) };
  const context: PruneContext = {
    policy,
    region: 'eu-west-3',
    dryRun: false,
    topicArn: 'arn:aws:sns:eu-west-3:123456789012:clonewarden-alerts',
    inventory: fakeInventory(estate),
    deleter: fakeDeleter(),
    reconciler,
    alerts: { publish: vi.fn(async () => 'message-id') },
    log: { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() },
    metrics: { count: vi.fn() },
    now: () => NOW,
    reconcileLimit: 500,
    concurrency: 2,
    ...overrides,
  };
  return context;
}

describe('Prune run: in-use protection', () => {
  it('protects an image DescribeImageReferences names, without scanning launch templates', async () => {
    // Prepare
    const image = anImage({ tags: EXPIRED });
    const references: ImageReferences = new Map([
      [image.id, [{ resourceType: 'ssm:Parameter', arn: 'arn:aws:ssm:eu-west-3:1:parameter/golden' }]],
    ]);
    const context = aContext({ images: [image], references });

    // Act
    const report = await runPrune(context);

    // Assess
    expect(context.inventory.imageReferences).toHaveBeenCalledWith('eu-west-3', [image.id]);
    expect(context.inventory.launchTemplateImages).not.toHaveBeenCalled();
    expect(report.inUse.referenceSource).toBe('DescribeImageReferences');
    expect(report.clones[0]).toMatchObject({ id: image.id, action: 'protected', protection: 'referenced' });
    expect(context.deleter.tag).not.toHaveBeenCalled();
  });

  it('falls back to the launch template scan where DescribeImageReferences is missing', async () => {
    // Prepare
    const context = aContext({ images: [anImage({ tags: EXPIRED })], references: undefined });

    // Act
    const report = await runPrune(context);

    // Assess
    expect(context.inventory.launchTemplateImages).toHaveBeenCalledTimes(1);
    expect(report.inUse.referenceSource).toBe('launch-template-scan');
  });

  it('asks about references only when some image may be pruned', async () => {
    // Prepare
    const context = aContext({ images: [anImage({ tags: { 'clonewarden:status': 'compliant' } })] });

    // Act
    const report = await runPrune(context);

    // Assess
    expect(context.inventory.imageReferences).not.toHaveBeenCalled();
    expect(report.inUse.referenceSource).toBe('not-needed');
  });

  it("keeps an image's disks out of prune and reconcile: they go with their image", async () => {
    // Prepare
    const image = anImage({
      tags: { 'clonewarden:status': 'compliant' },
      backingSnapshotIds: ['snap-0000000000000000d'],
    });
    const disk = aSnapshot({ id: 'snap-0000000000000000d', createdAt: OLD, tags: { Expiry: '2026-01-01' } });
    const context = aContext({ images: [image], snapshots: [disk] });

    // Act
    const report = await runPrune(context);

    // Assess
    expect(report.clones).toEqual([
      expect.objectContaining({ id: disk.id, action: 'protected', protection: 'backs-image' }),
    ]);
    expect(report.reconcile.found).toBe(0);
  });

  it('re-checks an image before deleting it and unmarks it when an instance now uses it', async () => {
    // Prepare
    const image = anImage({ tags: DUE });
    const context = aContext({
      images: [image],
      references: new Map(),
      usersAtDeletion: ['i-0123456789abcdef0'],
    });

    // Act
    const report = await runPrune(context);

    // Assess
    expect(context.deleter.deleteImage).not.toHaveBeenCalled();
    expect(context.deleter.untag).toHaveBeenCalledWith('eu-west-3', [image.id], ['clonewarden:prune-after']);
    expect(report.clones[0]).toMatchObject({
      action: 'unmark',
      protection: 'in-use-by-instance',
      done: true,
    });
    expect(report.counts.image).toMatchObject({ delete: 0, unmark: 1 });
  });
});

describe('Prune run: mark, wait, delete', () => {
  it('marks every new candidate in one tag call and deletes the due ones', async () => {
    // Prepare
    const snapshots = [
      aSnapshot({ id: 'snap-0000000000000000a', tags: EXPIRED }),
      aSnapshot({ id: 'snap-0000000000000000b', tags: EXPIRED }),
      aSnapshot({ id: 'snap-0000000000000000c', tags: DUE, sizeGiB: 100 }),
    ];
    const context = aContext({ snapshots });

    // Act
    const report = await runPrune(context);

    // Assess
    expect(context.deleter.tag).toHaveBeenCalledTimes(1);
    expect(context.deleter.tag).toHaveBeenCalledWith(
      'eu-west-3',
      ['snap-0000000000000000a', 'snap-0000000000000000b'],
      { 'clonewarden:prune-after': '2026-06-22' },
    );
    expect(context.deleter.deleteSnapshot).toHaveBeenCalledWith('eu-west-3', 'snap-0000000000000000c');
    expect(report.deleted).toEqual({ image: 0, snapshot: 1 });
    expect(report.savings).toMatchObject({
      candidateGiB: 116,
      estimatedMonthlyUsd: 5.8,
      deletedGiB: 100,
      deletedMonthlyUsd: 5,
    });
  });

  it('in dry-run decides the same but calls no writer', async () => {
    // Prepare
    const context = aContext(
      { snapshots: [aSnapshot({ tags: EXPIRED }), aSnapshot({ id: 'snap-0000000000000000c', tags: DUE })] },
      { dryRun: true },
    );

    // Act
    const report = await runPrune(context);

    // Assess
    for (const writer of Object.values(context.deleter)) expect(writer).not.toHaveBeenCalled();
    expect(report.counts.snapshot).toMatchObject({ mark: 1, delete: 1 });
    expect(report.clones.every((clone) => !clone.done)).toBe(true);
  });

  it('leaves deletions and reconciles for the next run once the deadline has passed', async () => {
    // Prepare
    const context = aContext(
      { snapshots: [aSnapshot({ tags: DUE }), aSnapshot({ id: 'snap-0000000000000000e', createdAt: OLD })] },
      { deadline: Date.now() - 1 },
    );

    // Act
    const report = await runPrune(context);

    // Assess
    expect(context.deleter.deleteSnapshot).not.toHaveBeenCalled();
    expect(report.deferredDeletions).toBe(1);
    expect(report.reconcile).toMatchObject({ found: 1, evaluated: 0, deferred: 1 });
  });

  it('reports a failed deletion and carries on with the rest', async () => {
    // Prepare
    const context = aContext({
      snapshots: [
        aSnapshot({ id: 'snap-0000000000000000a', tags: DUE }),
        aSnapshot({ id: 'snap-0000000000000000b', tags: DUE }),
      ],
    });
    vi.mocked(context.deleter.deleteSnapshot).mockRejectedValueOnce(
      Object.assign(new Error('throttled'), { name: 'RequestLimitExceeded' }),
    );

    // Act
    const report = await runPrune(context);

    // Assess
    expect(report.failures).toEqual([
      { id: 'snap-0000000000000000a', step: 'delete', error: 'RequestLimitExceeded: throttled' },
    ]);
    expect(report.deleted.snapshot).toBe(1);
  });
});

describe('Prune run: reconcile and digest', () => {
  it('reconciles at most the limit per run and counts the rest as deferred', async () => {
    // Prepare
    const snapshots = ['a', 'b', 'c'].map((c) =>
      aSnapshot({ id: `snap-000000000000000${c}`, createdAt: OLD }),
    );
    const context = aContext(
      { snapshots },
      { reconcileLimit: 2, policy: PolicySchema.parse({ version: 1, rules: [] }) },
    );

    // Act
    const report = await runPrune(context);

    // Assess
    expect(context.reconciler.reconcile).toHaveBeenCalledTimes(2);
    expect(report.reconcile).toMatchObject({
      found: 3,
      evaluated: 2,
      deferred: 1,
      byStatus: { violation: 2 },
      violationsTotal: 2,
      unknownsTotal: 2,
      highestSeverity: 'high',
    });
  });

  it('leaves clones younger than a day to enforce', async () => {
    // Prepare
    const context = aContext({ snapshots: [aSnapshot({ createdAt: '2026-06-15T00:00:00.000Z' })] });

    // Act
    const report = await runPrune(context);

    // Assess
    expect(report.reconcile.found).toBe(0);
    expect(context.reconciler.reconcile).not.toHaveBeenCalled();
  });

  it('sends exactly one digest for a run with news, and none for a quiet run', async () => {
    // Prepare
    const busy = aContext({
      snapshots: [aSnapshot({ tags: EXPIRED }), aSnapshot({ id: 'snap-0000000000000000f', tags: EXPIRED })],
    });
    const quiet = aContext({ snapshots: [aSnapshot({ tags: { 'clonewarden:status': 'compliant' } })] });

    // Act
    await runPrune(busy);
    await runPrune(quiet);

    // Assess
    expect(busy.alerts.publish).toHaveBeenCalledTimes(1);
    expect(quiet.alerts.publish).not.toHaveBeenCalled();
  });

  it('says so when a run with news has no alert topic to send its digest to', async () => {
    // Prepare
    const busy = aContext({ snapshots: [aSnapshot({ tags: EXPIRED })] });
    delete busy.topicArn;
    const quiet = aContext({ snapshots: [aSnapshot({ tags: { 'clonewarden:status': 'compliant' } })] });
    delete quiet.topicArn;

    // Act
    await runPrune(busy);
    await runPrune(quiet);

    // Assess
    expect(busy.log.warn).toHaveBeenCalledWith(
      expect.stringMatching(/^the prune digest is not sent: no alert topic/),
    );
    expect(quiet.log.warn).not.toHaveBeenCalled();
    expect(busy.alerts.publish).not.toHaveBeenCalled();
  });
});
