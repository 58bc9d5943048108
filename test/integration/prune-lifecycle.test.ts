import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateImageCommand,
  CreateLaunchTemplateCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiCallCounter } from '../../shared/aws/api-call-counter.js';
import { createAwsClients } from '../../shared/aws/clients.js';
import type { EnforcerLog } from '../../shared/model/log.js';
import { createPruneContext } from '../../shared/prune/create-prune-context.js';
import type { PrunedClone, PruneReport } from '../../shared/prune/prune-report.js';
import { runPrune } from '../../shared/prune/run-prune.js';
import { resolveSettings } from '../../shared/settings/resolve-settings.js';
import {
  asTags,
  createAlertInbox,
  launchInstance,
  registerBaseImage,
  tagsOf,
} from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';

/*
 * The clone lifecycle against moto: what prune marks, waits on, deletes, unmarks and never
 * touches, read back through the real APIs. moto has no DescribeImageReferences, so launch
 * template use comes from the full template scan here (the other path is unit-tested).
 */
const REGION = 'eu-west-3';
const DAY = 86_400_000;
const PAST = '2020-01-01';
const FUTURE = '2099-01-01';
/** Runs are two days "ahead" so that the seeded clones are past reconcile's settling time. */
const RUN_AT = new Date(Date.now() + 2 * DAY);
const quiet: EnforcerLog = { debug() {}, info() {}, warn() {}, error() {} };

let ec2: EC2Client;
let inbox: Awaited<ReturnType<typeof createAlertInbox>>;
const ids = {} as Record<
  | 'expiredImage'
  | 'imageOfStoppedInstance'
  | 'imageInTemplate'
  | 'dueImage'
  | 'expiredSnapshot'
  | 'backingSnapshot'
  | 'backupSnapshot'
  | 'dlmSnapshot'
  | 'dueSnapshot'
  | 'extendedSnapshot'
  | 'unverdictedSnapshot',
  string
>;
let dueImageDisks: string[] = [];

const isMutatingEc2 = (operation: string) =>
  operation.startsWith('EC2:') && !/^EC2:(Describe|Get|List)/.test(operation);

function writePolicy(prune: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'clonewarden-prune-')), 'clonewarden.yml');
  writeFileSync(
    path,
    `version: 1
rules:
  - id: labels
    type: required-tags
    severity: medium
    action: tag
    tags:
      Owner: { pattern: "^[a-z0-9._-]+@example\\\\.com$" }
prune:
${prune}
`,
  );
  return path;
}

async function prune(options: { policy: string; at?: Date; dryRun?: boolean }) {
  const counter = new ApiCallCounter();
  const aws = createAwsClients({ region: REGION, counter });
  const context = await createPruneContext({
    settings: resolveSettings(
      { policy: options.policy, topicArn: inbox.topicArn, ...(options.dryRun ? { dryRun: true } : {}) },
      {},
    ),
    aws,
    log: quiet,
    metrics: { count() {} },
    now: () => options.at ?? RUN_AT,
  });
  return { context, counter, aws };
}

async function run(options: { policy: string; at?: Date; dryRun?: boolean }) {
  const { context, counter } = await prune(options);
  const report = await runPrune(context);
  return { report, counter };
}

const entry = (report: PruneReport, id: string): PrunedClone | undefined =>
  report.clones.find((clone) => clone.id === id);

async function snapshotState(id: string): Promise<Record<string, string> | undefined> {
  const result = await ec2.send(
    new DescribeSnapshotsCommand({ Filters: [{ Name: 'snapshot-id', Values: [id] }] }),
  );
  const snapshot = result.Snapshots?.find((s) => s.SnapshotId === id);
  return snapshot ? tagsOf(snapshot.Tags) : undefined;
}

async function imageState(id: string): Promise<Record<string, string> | undefined> {
  const result = await ec2.send(
    new DescribeImagesCommand({ Filters: [{ Name: 'image-id', Values: [id] }], IncludeDisabled: true }),
  );
  const image = result.Images?.find((i) => i.ImageId === id);
  return image ? tagsOf(image.Tags) : undefined;
}

async function tag(resourceId: string, tags: Record<string, string>) {
  await ec2.send(new CreateTagsCommand({ Resources: [resourceId], Tags: asTags(tags) }));
}

async function snapshot(tags: Record<string, string>, description?: string): Promise<string> {
  const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 10 }));
  const created = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId: volume.VolumeId!,
      ...(description ? { Description: description } : {}),
    }),
  );
  if (Object.keys(tags).length > 0) await tag(created.SnapshotId!, tags);
  return created.SnapshotId!;
}

async function imageOf(instanceId: string, name: string, tags: Record<string, string>): Promise<string> {
  const image = await ec2.send(new CreateImageCommand({ InstanceId: instanceId, Name: name }));
  await tag(image.ImageId!, tags);
  return image.ImageId!;
}

async function disksOf(imageId: string): Promise<string[]> {
  const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0]!;
  return (image.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []));
}

const verdict = { 'clonewarden:status': 'compliant', Owner: 'ops@example.com' };

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  inbox = await createAlertInbox(REGION, 'prune-lifecycle');

  const base = await registerBaseImage(ec2, REGION);
  await tag(base, verdict);
  for (const disk of await disksOf(base)) await tag(disk, verdict);
  const builder = await launchInstance(ec2, base);

  ids.expiredImage = await imageOf(builder.instanceId, 'expired', { ...verdict, Expiry: PAST });
  ids.imageOfStoppedInstance = await imageOf(builder.instanceId, 'in-use', { ...verdict, Expiry: PAST });
  await launchInstance(ec2, ids.imageOfStoppedInstance, { stopped: true });
  ids.imageInTemplate = await imageOf(builder.instanceId, 'templated', { ...verdict, Expiry: PAST });
  await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'prune-lifecycle-web',
      LaunchTemplateData: { ImageId: ids.imageInTemplate },
    }),
  );
  ids.dueImage = await imageOf(builder.instanceId, 'due', {
    ...verdict,
    Expiry: PAST,
    'clonewarden:prune-after': '2020-01-08',
  });
  dueImageDisks = await disksOf(ids.dueImage);
  // Every image's disks carry the verdict like enforce writes it; one also says it expired.
  for (const image of [ids.expiredImage, ids.imageOfStoppedInstance, ids.imageInTemplate, ids.dueImage]) {
    for (const disk of await disksOf(image)) await tag(disk, verdict);
  }
  ids.backingSnapshot = (await disksOf(ids.imageOfStoppedInstance))[0]!;
  await tag(ids.backingSnapshot, { Expiry: PAST });

  ids.expiredSnapshot = await snapshot({ ...verdict, Expiry: PAST });
  ids.backupSnapshot = await snapshot({ ...verdict, Expiry: PAST }, 'Created by AWS Backup job 42');
  ids.dlmSnapshot = await snapshot({ ...verdict, Expiry: PAST, 'dlm:managed': 'true' });
  ids.dueSnapshot = await snapshot({ ...verdict, Expiry: PAST, 'clonewarden:prune-after': '2020-01-08' });
  ids.extendedSnapshot = await snapshot({
    ...verdict,
    Expiry: FUTURE,
    'clonewarden:prune-after': '2020-01-08',
  });
  ids.unverdictedSnapshot = await snapshot({});
  // The builder's own disks and volumes' snapshots are clones too; give them verdicts.
  await inbox.drain();
});

describe('Prune against moto: dry-run', () => {
  it('plans every decision but makes no EC2 write and leaves every tag as it was', async () => {
    // Prepare
    const policy = writePolicy('  dryRun: true\n  graceDays: 7');
    const before = await snapshotState(ids.extendedSnapshot);

    // Act
    const { report, counter } = await run({ policy });

    // Assess: no mutating call at all, and state read back unchanged.
    expect(report.dryRun).toBe(true);
    expect(counter.total(isMutatingEc2)).toBe(0);
    expect(await snapshotState(ids.extendedSnapshot)).toEqual(before);
    expect(await snapshotState(ids.dueSnapshot)).toBeDefined();
    expect(await imageState(ids.dueImage)).toBeDefined();
    expect((await snapshotState(ids.expiredSnapshot))?.['clonewarden:prune-after']).toBeUndefined();
    expect((await snapshotState(ids.unverdictedSnapshot))?.['clonewarden:status']).toBeUndefined();
    // …and the plan is what enforcement would do.
    expect(entry(report, ids.expiredImage)).toMatchObject({
      action: 'mark',
      reasons: ['expired'],
      done: false,
    });
    expect(entry(report, ids.expiredSnapshot)).toMatchObject({ action: 'mark', done: false });
    expect(entry(report, ids.dueImage)).toMatchObject({ action: 'delete', done: false });
    expect(entry(report, ids.dueSnapshot)).toMatchObject({ action: 'delete', done: false });
    expect(entry(report, ids.extendedSnapshot)).toMatchObject({ action: 'unmark', done: false });
    expect(report.reconcile.evaluated).toBeGreaterThanOrEqual(1);
  });

  it('sends one digest for the whole run, marked DRY RUN', async () => {
    // Prepare
    const policy = writePolicy('  dryRun: true');
    await inbox.drain();

    // Act
    const { report, counter } = await run({ policy });
    const received = await inbox.drain();

    // Assess
    expect(counter.snapshot()['SNS:Publish']).toBe(1);
    expect(received).toHaveLength(1);
    const [digest] = received as unknown as {
      subject: string;
      document: { schema: string; report: PruneReport };
    }[];
    expect(digest!.subject).toMatch(/^DRY RUN ([A-Z]+ )?prune /);
    expect(digest!.subject.length).toBeLessThanOrEqual(100);
    expect(digest!.document.schema).toBe('clonewarden.prune-digest/v1');
    expect(digest!.document.report.counts.snapshot.mark).toBe(report.counts.snapshot.mark);
  });
});

describe('Prune against moto: protections', () => {
  it.each([
    { clone: 'imageOfStoppedInstance', protection: 'in-use-by-instance' },
    { clone: 'imageInTemplate', protection: 'in-launch-template' },
    { clone: 'backingSnapshot', protection: 'backs-image' },
    { clone: 'backupSnapshot', protection: 'aws-backup' },
    { clone: 'dlmSnapshot', protection: 'aws-dlm' },
  ] as const)('never touches $clone ($protection)', async ({ clone, protection }) => {
    // Prepare
    const policy = writePolicy('  dryRun: true');

    // Act
    const { report } = await run({ policy });

    // Assess
    expect(entry(report, ids[clone])).toMatchObject({
      action: 'protected',
      reasons: ['expired'],
      protection,
    });
    expect(report.inUse.referenceSource).toBe('launch-template-scan');
  });
});

describe('Prune against moto: enforcing', () => {
  it('marks new candidates in one call per date, unmarks the extended, deletes the due with their disks', async () => {
    // Prepare
    const policy = writePolicy('  dryRun: false\n  graceDays: 7');
    const expectedMark = new Date(RUN_AT.getTime() + 7 * DAY).toISOString().slice(0, 10);

    // Act
    const { report, counter } = await run({ policy });

    // Assess: one CreateTags for every new mark, one DeleteTags for every unmark.
    expect(report.failures).toEqual([]);
    expect(report.counts.image.mark + report.counts.snapshot.mark).toBeGreaterThanOrEqual(2);
    expect((await imageState(ids.expiredImage))?.['clonewarden:prune-after']).toBe(expectedMark);
    expect((await snapshotState(ids.expiredSnapshot))?.['clonewarden:prune-after']).toBe(expectedMark);
    expect((await snapshotState(ids.extendedSnapshot))?.['clonewarden:prune-after']).toBeUndefined();
    expect(await snapshotState(ids.dueSnapshot)).toBeUndefined();
    expect(await imageState(ids.dueImage)).toBeUndefined();
    for (const disk of dueImageDisks) expect(await snapshotState(disk)).toBeUndefined();
    expect(entry(report, ids.dueImage)).toMatchObject({ action: 'delete', done: true });
    expect(report.deleted).toEqual({ image: 1, snapshot: 1 });
    // Reconcile tagged its verdicts too, in its own calls; prune's marks are one call per date.
    const markCalls = counter.snapshot()['EC2:CreateTags']! - report.reconcile.evaluated;
    expect(markCalls).toBe(1);
    expect(counter.snapshot()['EC2:DeleteTags']).toBe(1);
    // Protected clones are still there and unmarked.
    for (const id of [ids.imageOfStoppedInstance, ids.imageInTemplate]) {
      expect((await imageState(id))?.['clonewarden:prune-after']).toBeUndefined();
    }
    for (const id of [ids.backingSnapshot, ids.backupSnapshot, ids.dlmSnapshot]) {
      expect((await snapshotState(id))?.['clonewarden:prune-after']).toBeUndefined();
    }
  });

  it('reconciles a clone that never got a verdict with the enforce engine, and reports it', async () => {
    // Prepare: the previous run reconciled it already; its verdict is on the snapshot now.
    const tags = await snapshotState(ids.unverdictedSnapshot);

    // Assess
    expect(tags?.['clonewarden:status']).toBe('violation');
    expect(tags?.['clonewarden:violations']).toBe('labels');
    expect(tags?.['clonewarden:event-id']).toBe(`reconcile-${ids.unverdictedSnapshot}`);
  });

  it('only waits during the grace period, then deletes once it is over', async () => {
    // Prepare
    const policy = writePolicy('  dryRun: false\n  graceDays: 7');

    // Act
    const during = await run({ policy, at: new Date(RUN_AT.getTime() + 3 * DAY) });
    const after = await run({ policy, at: new Date(RUN_AT.getTime() + 8 * DAY) });

    // Assess
    expect(entry(during.report, ids.expiredSnapshot)).toMatchObject({ action: 'wait' });
    expect(during.counter.total(isMutatingEc2)).toBe(0);
    expect(entry(after.report, ids.expiredSnapshot)).toMatchObject({ action: 'delete', done: true });
    expect(entry(after.report, ids.expiredImage)).toMatchObject({ action: 'delete', done: true });
    expect(await snapshotState(ids.expiredSnapshot)).toBeUndefined();
    expect(await imageState(ids.expiredImage)).toBeUndefined();
    expect(await imageState(ids.imageOfStoppedInstance)).toBeDefined();
  });

  it('re-checks an image right before deleting it, and unmarks it when an instance appeared', async () => {
    // Prepare: a due image, and an instance launched from it after the run's instance scan.
    const policy = writePolicy('  dryRun: false');
    const builder = await launchInstance(ec2, ids.imageOfStoppedInstance);
    const late = await imageOf(builder.instanceId, 'late-use', {
      ...verdict,
      Expiry: PAST,
      'clonewarden:prune-after': '2020-01-08',
    });
    for (const disk of await disksOf(late)) await tag(disk, verdict);
    const { context } = await prune({ policy });
    const staleScan = await context.inventory.imagesUsedByInstances(REGION);
    await launchInstance(ec2, late);
    context.inventory.imagesUsedByInstances = async () => staleScan;

    // Act
    const report = await runPrune(context);

    // Assess
    expect(entry(report, late)).toMatchObject({
      action: 'unmark',
      protection: 'in-use-by-instance',
      done: true,
    });
    expect(await imageState(late)).toMatchObject({ Expiry: PAST });
    expect((await imageState(late))?.['clonewarden:prune-after']).toBeUndefined();
  });

  it('holds image deletions while a launch template names its image through an SSM parameter', async () => {
    // Prepare
    const policy = writePolicy('  dryRun: false');
    const builder = await launchInstance(ec2, ids.imageInTemplate);
    const held = await imageOf(builder.instanceId, 'held', {
      ...verdict,
      Expiry: PAST,
      'clonewarden:prune-after': '2020-01-08',
    });
    for (const disk of await disksOf(held)) await tag(disk, verdict);
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'prune-lifecycle-ssm',
        LaunchTemplateData: { ImageId: 'resolve:ssm:/golden/web/ami' },
      }),
    );

    // Act
    const { report } = await run({ policy });

    // Assess
    expect(entry(report, held)).toMatchObject({ action: 'held', hold: 'unresolved-launch-templates' });
    expect(report.inUse.launchTemplates).toMatchObject({ unresolved: 1 });
    expect(report.inUse.launchTemplates?.examples[0]).toContain('resolve:ssm:/golden/web/ami');
    expect(await imageState(held)).toBeDefined();
  });
});
