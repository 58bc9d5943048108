import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateImageCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  EC2Client,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  amiStateChange,
  type Caller,
  eventBridgeEnvelope,
  records,
} from '../../scripts/lib/cloudtrail-records.js';
import { EMULATOR_ACCOUNT } from '../../scripts/lib/emulator.js';
import type { Verdict } from '../../shared/model/types.js';
import {
  asTags,
  createAlertInbox,
  createIdempotencyTable,
  createLedgerTable,
  imageTags,
  LABELS,
  launchInstance,
  registerBaseImage,
  snapshotTags,
  writeEnforcingPolicy,
} from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import { lambdaContext, runCli } from '../support/run-cli.js';

/**
 * EC2's `EC2 AMI State Change` event end to end against moto, through the wrapped Lambda
 * handler (idempotency table included), and replay's duplicates against the same table. moto
 * makes images available at once; the pending path itself is in test/pipeline/families/.
 */
const REGION = 'ap-southeast-2';
const TABLE = 'state-change-idempotency';
const platform: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'PlatformEngineer',
  session: 'dana',
};
const context = lambdaContext();
const dir = mkdtempSync(join(tmpdir(), 'clonewarden-state-change-'));

let ec2: EC2Client;
let handler: (event: unknown, context: Context) => Promise<Verdict>;
let baseImageId: string;
let policy: string;

/** A labelled image of a stopped, labelled instance, and its CreateImage record. */
async function labelledImage() {
  const { instanceId } = await launchInstance(ec2, baseImageId, { tags: LABELS, stopped: true });
  const name = `img-${Date.now()}-${Math.random()}`;
  const { ImageId } = await ec2.send(
    new CreateImageCommand({
      InstanceId: instanceId,
      Name: name,
      TagSpecifications: [{ ResourceType: 'image', Tags: asTags(LABELS) }],
    }),
  );
  const [image] = (await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images!;
  const disks = (image!.BlockDeviceMappings ?? []).flatMap((m) =>
    m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : [],
  );
  const record = records.createImage({
    caller: platform,
    region: REGION,
    instanceId,
    imageId: ImageId!,
    noReboot: false,
    name,
    tags: LABELS,
  });
  return { imageId: ImageId!, disks, record };
}

const available = (imageId: string) =>
  amiStateChange({ account: EMULATOR_ACCOUNT, region: REGION, imageId, state: 'available' });

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  const inbox = await createAlertInbox(REGION, 'state-change');
  await createIdempotencyTable(REGION, TABLE);
  await createLedgerTable(REGION, 'state-change-ledger');
  policy = writeEnforcingPolicy();
  Object.assign(process.env, {
    CLONEWARDEN_POLICY: policy,
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    CLONEWARDEN_IDEMPOTENCY_TABLE: TABLE,
    CLONEWARDEN_LEDGER_TABLE: 'state-change-ledger',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
  ({ handler } = (await import('../../functions/enforce.js')) as never);
  baseImageId = await registerBaseImage(ec2, REGION);
});

describe('Integration: EC2 AMI State Change', () => {
  it('creation labels the disks with the image labels; the available event then does nothing', async () => {
    // Prepare
    const { imageId, disks, record } = await labelledImage();
    expect(disks.length).toBeGreaterThan(0);

    // Act
    const created = await handler(eventBridgeEnvelope(record), context);
    const ready = await handler(available(imageId), context);

    // Assess
    expect(created).toMatchObject({ status: 'compliant' });
    expect(created.awaiting).toBeUndefined();
    for (const disk of disks) {
      expect(await snapshotTags(ec2, disk)).toMatchObject({ ...LABELS, 'clonewarden:status': 'compliant' });
    }
    expect(ready).toMatchObject({ status: 'compliant', imageState: 'available', actions: [] });
    expect(ready.reason).toMatch(/^nothing left/);
  });

  it('available finishes an image whose creation left its disks pending: labels, quarantine, then done', async () => {
    // Prepare: what a pending creation leaves on a quarantined image; its disk is shared.
    const { imageId, disks } = await labelledImage();
    // (No lineage tags: the ledger, not a tag, decides the lineage the disks are given.)
    const verdictTags = {
      'clonewarden:status': 'quarantined',
      'clonewarden:disks': 'pending',
    };
    await ec2.send(new CreateTagsCommand({ Resources: [imageId], Tags: asTags(verdictTags) }));
    await ec2.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: disks[0],
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        UserIds: ['444455556666'],
      }),
    );

    // Act
    const finished = await handler(available(imageId), context);
    const again = await handler(available(imageId), context);

    // Assess
    expect(finished).toMatchObject({ status: 'quarantined', resources: [imageId, ...disks] });
    expect(await snapshotTags(ec2, disks[0]!)).toMatchObject({
      ...LABELS,
      'clonewarden:status': 'quarantined',
      // The ledger's item (taken in on first use): an image of an instance of a base image.
      'clonewarden:generation': '1',
      'clonewarden:quarantine-shares': 'u=444455556666',
    });
    const shares = await ec2.send(
      new DescribeSnapshotAttributeCommand({ SnapshotId: disks[0], Attribute: 'createVolumePermission' }),
    );
    expect(shares.CreateVolumePermissions ?? []).toEqual([]);
    expect((await imageTags(ec2, imageId)).tags).toMatchObject({ 'clonewarden:disks': 'done' });
    expect(again.actions).toEqual([]);
  });

  it('failed is recorded on the image (the policy asks for no alert)', async () => {
    // Prepare
    const { imageId } = await labelledImage();

    // Act
    const verdict = await handler(
      amiStateChange({
        account: EMULATOR_ACCOUNT,
        region: REGION,
        imageId,
        state: 'failed',
        errorMessage: 'InternalError',
      }),
      context,
    );

    // Assess
    expect(verdict).toMatchObject({ imageState: 'failed', status: 'compliant', violations: [] });
    expect((await imageTags(ec2, imageId)).tags).toMatchObject({ 'clonewarden:image-state': 'failed' });
  });
});

describe('Integration: replay is as idempotent as the Lambda', () => {
  it('a record seen twice in one run is a duplicate; one the Lambda handled is a duplicate; a failure has its line', async () => {
    // Prepare: A handled by the Lambda, B new (twice in the file), then a ghost that fails.
    const a = await labelledImage();
    const b = await labelledImage();
    await handler(eventBridgeEnvelope(a.record), context);
    const ghost = records.createImage({
      caller: platform,
      region: REGION,
      instanceId: 'i-0000000000000dead',
      imageId: 'ami-0000000000000dead',
      noReboot: false,
      name: 'g',
    });
    const file = join(dir, 'day.json');
    writeFileSync(file, JSON.stringify({ Records: [a.record, b.record, b.record, ghost] }));
    process.env.CLONEWARDEN_VISIBILITY_ATTEMPTS = '1';

    // Act
    const run = await runCli(['replay', file, '--region', REGION, '--policy', policy, '--json']);
    delete process.env.CLONEWARDEN_VISIBILITY_ATTEMPTS;

    // Assess: exactly one line per record, in input order, then the summary.
    const lines = run.lines.map((line) => JSON.parse(line));
    expect(lines.map((line) => line.status)).toEqual([
      'duplicate',
      'compliant',
      'duplicate',
      'failed',
      undefined,
    ]);
    expect(lines.slice(0, 4).map((line) => line.eventId)).toEqual([
      a.record.eventID,
      b.record.eventID,
      b.record.eventID,
      ghost.eventID,
    ]);
    expect(lines[0]).toMatchObject({ resources: [a.imageId], actions: [] });
    expect(lines[0].reason).toMatch(/already handled/);
    expect(lines[2]).toMatchObject({ actions: [], violations: [] });
    expect(lines[2].reason).toMatch(/earlier in this replay/);
    expect(lines[3].reason).toMatch(/ami-0000000000000dead/);
    expect(lines[4].summary).toMatchObject({
      records: 4,
      failed: 1,
      byStatus: { duplicate: 2, compliant: 1 },
    });
    expect(run.code).toBe(1);
  });
});
