import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateImageCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeImageAttributeCommand,
  DescribeSnapshotAttributeCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Caller, records } from '../../scripts/lib/cloudtrail-records.js';
import { EMULATOR_ACCOUNT } from '../../scripts/lib/emulator.js';
import {
  asTags,
  createAlertInbox,
  imageTags,
  LABELS,
  launchInstance,
  registerBaseImage,
  snapshotTags,
  writeEnforcingPolicy,
} from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import { runCli } from '../support/run-cli.js';

/*
 * Quarantine by enforce (the replay pipeline on a CloudTrail record), then `clonewarden release`
 * against moto: the shares come back, the image is enabled again, the status is exempt.
 * moto lacks DisableImageDeprecation, so that step is skipped and said so.
 */
const REGION = 'ap-south-1';
const PARTNER = '444455556666';
const developer: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'Developer',
  session: 'eve',
};
const dir = mkdtempSync(join(tmpdir(), 'clonewarden-release-'));

let ec2: EC2Client;
let inbox: Awaited<ReturnType<typeof createAlertInbox>>;
let policy: string;
let baseImageId: string;

/** Makes a clone for real, shares it, and lets enforce quarantine it (developers may not clone). */
async function quarantinedImage(): Promise<string> {
  const { instanceId } = await launchInstance(ec2, baseImageId, { tags: LABELS, stopped: true });
  const { ImageId } = await ec2.send(
    new CreateImageCommand({ InstanceId: instanceId, Name: `release-${Date.now()}-${Math.random()}` }),
  );
  await ec2.send(new CreateTagsCommand({ Resources: [ImageId!], Tags: asTags(LABELS) }));
  await ec2.send(
    new ModifyImageAttributeCommand({
      ImageId,
      LaunchPermission: { Add: [{ UserId: PARTNER }, { Group: 'all' }] },
    }),
  );
  // Its disk is made public too: a way around the AMI's own quarantine unless it is unshared.
  for (const disk of (await imageTags(ec2, ImageId!)).snapshotIds) {
    await ec2.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: disk,
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        GroupNames: ['all'],
      }),
    );
  }
  const file = join(dir, `${ImageId}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      records.createImage({
        caller: developer,
        region: REGION,
        instanceId,
        imageId: ImageId!,
        noReboot: false,
        name: 'x',
      }),
    ),
  );
  const replay = await runCli(['replay', file, '--policy', policy, '--json']);
  expect(replay.code).toBe(0);
  return ImageId!;
}

async function quarantinedSnapshot(): Promise<string> {
  const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 8 }));
  const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId! }));
  await ec2.send(new CreateTagsCommand({ Resources: [SnapshotId!], Tags: asTags(LABELS) }));
  await ec2.send(
    new ModifySnapshotAttributeCommand({
      SnapshotId,
      Attribute: 'createVolumePermission',
      OperationType: 'add',
      UserIds: [PARTNER],
    }),
  );
  const file = join(dir, `${SnapshotId}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      records.createSnapshot({
        caller: developer,
        region: REGION,
        volumeId: volume.VolumeId!,
        snapshotId: SnapshotId!,
      }),
    ),
  );
  const replay = await runCli(['replay', file, '--policy', policy, '--json']);
  expect(replay.code).toBe(0);
  return SnapshotId!;
}

async function launchPermissions(imageId: string) {
  const attribute = await ec2.send(
    new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
  );
  return attribute.LaunchPermissions ?? [];
}

async function volumePermissions(snapshotId: string) {
  const attribute = await ec2.send(
    new DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: 'createVolumePermission' }),
  );
  return attribute.CreateVolumePermissions ?? [];
}

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  inbox = await createAlertInbox(REGION, 'release');
  policy = writeEnforcingPolicy();
  baseImageId = await registerBaseImage(ec2, REGION);
  delete process.env.CLONEWARDEN_DRY_RUN;
  delete process.env.CLONEWARDEN_ALERT_TOPIC_ARN;
});

afterEach(() => vi.restoreAllMocks());

describe('Integration: clonewarden release', () => {
  it('puts back an image quarantine took away, marks it and its disks exempt, and alerts who did it', async () => {
    // Prepare
    const imageId = await quarantinedImage();
    const quarantined = await imageTags(ec2, imageId);
    expect(quarantined.tags['clonewarden:status']).toBe('quarantined');
    expect(await launchPermissions(imageId)).toEqual([]);
    expect(quarantined.snapshotIds.length).toBeGreaterThan(0);
    for (const disk of quarantined.snapshotIds) {
      expect(await volumePermissions(disk)).toEqual([]);
      expect((await snapshotTags(ec2, disk))['clonewarden:quarantine-shares']).toBe('g=all');
    }
    await inbox.drain();

    // Act
    const { code, stdout } = await runCli([
      'release',
      imageId,
      '--reason',
      'reviewed by security: rebuilt from the patched base',
      // The image and its disk were public before the quarantine: given back only by name.
      '--allow-public',
      '--region',
      REGION,
      '--topic-arn',
      inbox.topicArn,
      '--json',
    ]);

    // Assess: shares, state and tags read back through the APIs.
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.steps).toContainEqual({
      step: 'cancel-deprecation',
      outcome: 'skipped',
      detail: 'DisableImageDeprecation is not supported by this endpoint',
    });
    const permissions = await launchPermissions(imageId);
    expect(permissions).toEqual(expect.arrayContaining([{ UserId: PARTNER }, { Group: 'all' }]));
    const released = await imageTags(ec2, imageId);
    expect(released.image.State).toBe('available');
    expect(released.tags['clonewarden:status']).toBe('exempt');
    expect(
      Object.keys(released.tags).filter((key) => key.startsWith('clonewarden:quarantine-shares')),
    ).toEqual([]);
    for (const disk of released.snapshotIds) {
      const diskTags = await snapshotTags(ec2, disk);
      expect(diskTags['clonewarden:status']).toBe('exempt');
      expect(diskTags['clonewarden:quarantine-shares']).toBeUndefined();
      expect(await volumePermissions(disk)).toEqual([{ Group: 'all' }]);
    }
    const alerts = await inbox.drain();
    expect(alerts).toHaveLength(1);
    const document = alerts[0]!.document as unknown as { schema: string; releasedBy: string; reason: string };
    expect(document.schema).toBe('clonewarden.release/v1');
    expect(document.releasedBy).toMatch(/^arn:aws:sts::123456789012:/);
    expect(document.reason).toBe('reviewed by security: rebuilt from the patched base');
  });

  it('puts back a snapshot share with the flat ModifySnapshotAttribute form', async () => {
    // Prepare
    const snapshotId = await quarantinedSnapshot();
    expect((await snapshotTags(ec2, snapshotId))['clonewarden:status']).toBe('quarantined');

    // Act
    const { code } = await runCli(['release', snapshotId, '--reason', 'false positive', '--region', REGION]);

    // Assess
    expect(code).toBe(0);
    const attribute = await ec2.send(
      new DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: 'createVolumePermission' }),
    );
    expect(attribute.CreateVolumePermissions).toEqual([{ UserId: PARTNER }]);
    expect((await snapshotTags(ec2, snapshotId))['clonewarden:status']).toBe('exempt');
  });

  it('--dry-run changes nothing', async () => {
    // Prepare
    const imageId = await quarantinedImage();
    const before = await imageTags(ec2, imageId);

    // Act
    const { code, stdout } = await runCli([
      'release',
      imageId,
      '--reason',
      'check',
      '--allow-public',
      '--region',
      REGION,
      '--dry-run',
    ]);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('DRY RUN: would release');
    expect((await imageTags(ec2, imageId)).tags).toEqual(before.tags);
    expect(await launchPermissions(imageId)).toEqual([]);
  });

  it('exits 1 with a clear message for a clone that is not quarantined', async () => {
    // Prepare
    const imageId = await quarantinedImage();
    await runCli(['release', imageId, '--reason', 'first', '--allow-public', '--region', REGION]);

    // Act
    const { code, stderr } = await runCli(['release', imageId, '--reason', 'again', '--region', REGION]);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain(`${imageId} is not quarantined`);
  });

  it.each([
    { case: 'no reason', args: ['ami-0123456789abcdef0'], message: '--reason' },
    {
      case: 'not a clone id',
      args: ['i-0123456789abcdef0', '--reason', 'x'],
      message: 'is not an image or snapshot id',
    },
    { case: 'no id', args: ['--reason', 'x'], message: 'exactly one image or snapshot id' },
  ])('exits 2 on bad usage: $case', async ({ args, message }) => {
    // Act
    const { code, stderr } = await runCli(['release', ...args, '--region', REGION]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
