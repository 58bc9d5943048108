import {
  CopyImageCommand,
  CopySnapshotCommand,
  CreateImageCommand,
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeImageAttributeCommand,
  DescribeSnapshotAttributeCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Caller, eventBridgeEnvelope, records } from '../../scripts/lib/cloudtrail-records.js';
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
import { lambdaContext } from '../support/run-cli.js';

/*
 * Each governed event, end to end against moto: the clone is made for real, its CloudTrail
 * record goes through the wrapped Lambda handler (idempotency table included), and the tags
 * and the alert are read back through the real APIs.
 */
const REGION = 'eu-west-1';
const OTHER_REGION = 'eu-central-1';
const platform: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'PlatformEngineer',
  session: 'dana',
};
const developer: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'Developer',
  session: 'eve',
};
const context = lambdaContext();

let ec2: EC2Client;
let inbox: Awaited<ReturnType<typeof createAlertInbox>>;
let handler: (event: unknown, context: Context) => Promise<Verdict>;
let baseImageId: string;

async function deliver(record: Record<string, unknown>): Promise<Verdict> {
  return handler(eventBridgeEnvelope(record), context);
}

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  inbox = await createAlertInbox(REGION, 'enforce-events');
  await createIdempotencyTable(REGION, 'enforce-events-idempotency');
  // The functions require clonewarden's ledger table.
  await createLedgerTable(REGION, 'enforce-events-ledger');
  Object.assign(process.env, {
    CLONEWARDEN_LEDGER_TABLE: 'enforce-events-ledger',
    CLONEWARDEN_POLICY: writeEnforcingPolicy(),
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    CLONEWARDEN_IDEMPOTENCY_TABLE: 'enforce-events-idempotency',
    CLONEWARDEN_ENFORCER_ROLE_ARN: `arn:aws:iam::${EMULATOR_ACCOUNT}:role/clonewarden-test-enforce`,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
  ({ handler } = (await import('../../functions/enforce.js')) as never);
  baseImageId = await registerBaseImage(ec2, REGION);
  await inbox.drain();
});

describe('Integration: enforce, one test per governed event', () => {
  it('CreateImage of a stopped, labelled instance: compliant, image and its snapshots tagged, no alert', async () => {
    // Prepare
    const { instanceId } = await launchInstance(ec2, baseImageId, { tags: LABELS, stopped: true });
    const { ImageId } = await ec2.send(
      new CreateImageCommand({
        InstanceId: instanceId,
        Name: 'release-1',
        TagSpecifications: [{ ResourceType: 'image', Tags: asTags(LABELS) }],
      }),
    );
    const record = records.createImage({
      caller: platform,
      region: REGION,
      instanceId,
      imageId: ImageId!,
      noReboot: false,
      name: 'release-1',
      tags: LABELS,
    });

    // Act
    const verdict = await deliver(record);

    // Assess
    expect(verdict.status).toBe('compliant');
    const { tags, snapshotIds } = await imageTags(ec2, ImageId!);
    expect(tags).toMatchObject({
      'clonewarden:status': 'compliant',
      'clonewarden:generation': '1',
      'clonewarden:source': instanceId,
      'clonewarden:parent': instanceId,
      'clonewarden:event-id': record.eventID,
      'clonewarden:created-at': record.eventTime,
      'clonewarden:created-by': `arn:aws:sts::${EMULATOR_ACCOUNT}:assumed-role/PlatformEngineer/dana`,
    });
    expect(snapshotIds.length).toBeGreaterThan(0);
    for (const snapshotId of snapshotIds) {
      expect(await snapshotTags(ec2, snapshotId)).toMatchObject({
        'clonewarden:generation': '1',
        'clonewarden:status': 'compliant',
      });
    }
    expect(await inbox.drain()).toEqual([]);
  });

  it('CreateImage with NoReboot of a running instance: consistent-capture violation, marked, one alert', async () => {
    // Prepare
    const { instanceId } = await launchInstance(ec2, baseImageId, { tags: LABELS });
    const { ImageId } = await ec2.send(
      new CreateImageCommand({ InstanceId: instanceId, Name: 'hotfix', NoReboot: true }),
    );

    // Act
    const verdict = await deliver(
      records.createImage({
        caller: platform,
        region: REGION,
        instanceId,
        imageId: ImageId!,
        noReboot: true,
        name: 'hotfix',
      }),
    );

    // Assess
    expect(verdict.status).toBe('violation');
    expect(verdict.violations.map((v) => v.rule)).toEqual(['consistent-capture']);
    const { tags } = await imageTags(ec2, ImageId!);
    expect(tags['clonewarden:status']).toBe('violation');
    expect(tags['clonewarden:violations']).toBe('consistent-capture');
    // Labels were inherited from the instance, so `labels` passed.
    expect(tags).toMatchObject(LABELS);
    const alerts = await inbox.drain();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.subject.length).toBeLessThanOrEqual(100);
    expect(alerts[0]!.subject).toContain(ImageId!);
    expect(alerts[0]!.attributes).toMatchObject({
      severity: 'medium',
      eventName: 'CreateImage',
      region: REGION,
      account: EMULATOR_ACCOUNT,
    });
    expect(alerts[0]!.document.verdict.violations.map((v) => v.rule)).toEqual(['consistent-capture']);
  });

  it('CreateSnapshot of an unlabelled, detached volume: labels violation and an alert naming the missing tags', async () => {
    // Prepare
    const { VolumeId } = await ec2.send(
      new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 10 }),
    );
    const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId }));

    // Act
    const verdict = await deliver(
      records.createSnapshot({
        caller: platform,
        region: REGION,
        volumeId: VolumeId!,
        snapshotId: SnapshotId!,
      }),
    );

    // Assess
    expect(verdict.status).toBe('violation');
    expect(new Set(verdict.violations.map((v) => v.rule))).toEqual(new Set(['labels']));
    expect(verdict.violations.map((v) => v.message).join(' ')).toMatch(/Owner/);
    expect(await snapshotTags(ec2, SnapshotId!)).toMatchObject({
      'clonewarden:status': 'violation',
      'clonewarden:violations': 'labels',
      'clonewarden:source': VolumeId,
    });
    const alerts = await inbox.drain();
    expect(alerts.map((a) => a.attributes.rules)).toEqual(['["labels"]']);
  });

  it('CreateSnapshot of a labelled, detached volume: labels inherited from the volume, compliant', async () => {
    // Prepare
    const { VolumeId } = await ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: `${REGION}a`,
        Size: 10,
        TagSpecifications: [{ ResourceType: 'volume', Tags: asTags(LABELS) }],
      }),
    );
    const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId }));

    // Act
    const verdict = await deliver(
      records.createSnapshot({
        caller: platform,
        region: REGION,
        volumeId: VolumeId!,
        snapshotId: SnapshotId!,
      }),
    );

    // Assess
    expect(verdict.status).toBe('compliant');
    expect(await snapshotTags(ec2, SnapshotId!)).toMatchObject({
      ...LABELS,
      'clonewarden:status': 'compliant',
    });
    expect(await inbox.drain()).toEqual([]);
  });

  it('CreateSnapshots of a running instance: every snapshot tagged, one alert for the event', async () => {
    // Prepare
    const { instanceId } = await launchInstance(ec2, baseImageId, { tags: LABELS });
    const { Snapshots } = await ec2.send(
      new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: instanceId } }),
    );
    const snapshotIds = Snapshots!.map((s) => s.SnapshotId!);
    expect(snapshotIds.length).toBeGreaterThan(0);

    // Act
    const verdict = await deliver(
      records.createSnapshots({ caller: platform, region: REGION, instanceId, snapshotIds }),
    );

    // Assess
    expect(verdict.resources).toEqual(snapshotIds);
    for (const snapshotId of snapshotIds) {
      expect(await snapshotTags(ec2, snapshotId)).toMatchObject({
        'clonewarden:source': instanceId,
        'clonewarden:generation': '1',
      });
    }
    const alerts = await inbox.drain();
    expect(verdict.status).toBe('violation');
    expect(alerts).toHaveLength(1);
  });

  it('CopyImage across regions: the source is region/id and the generation counts on', async () => {
    // Prepare: a generation-1 clone in the other region (enforced there first), copied here.
    const otherEc2 = new EC2Client({ region: OTHER_REGION });
    const otherBase = await registerBaseImage(otherEc2, OTHER_REGION);
    const { instanceId } = await launchInstance(otherEc2, otherBase, { tags: LABELS, stopped: true });
    const { ImageId: sourceImageId } = await otherEc2.send(
      new CreateImageCommand({ InstanceId: instanceId, Name: 'eu-central-golden' }),
    );
    await otherEc2.send(
      new CreateTagsCommand({
        Resources: [sourceImageId!],
        Tags: asTags({ ...LABELS, 'clonewarden:generation': '1', 'clonewarden:root': instanceId }),
      }),
    );
    const { ImageId } = await ec2.send(
      new CopyImageCommand({ SourceImageId: sourceImageId, SourceRegion: OTHER_REGION, Name: 'dr-copy' }),
    );
    await ec2.send(new CreateTagsCommand({ Resources: [ImageId!], Tags: asTags(LABELS) }));

    // Act
    const verdict = await deliver(
      records.copyImage({
        caller: platform,
        region: REGION,
        sourceRegion: OTHER_REGION,
        sourceImageId: sourceImageId!,
        imageId: ImageId!,
      }),
    );

    // Assess
    expect(verdict.status).toBe('compliant');
    const { tags } = await imageTags(ec2, ImageId!);
    expect(tags).toMatchObject({
      'clonewarden:source': `${OTHER_REGION}/${sourceImageId}`,
      'clonewarden:parent': `${OTHER_REGION}/${sourceImageId}`,
      'clonewarden:root': instanceId,
      'clonewarden:generation': '2',
    });
  });

  it('CopySnapshot of a generation-2 snapshot: generation 3 is past the limit, quarantined and unshared', async () => {
    // Prepare
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 4 }));
    const { SnapshotId: sourceId } = await ec2.send(new CreateSnapshotCommand({ VolumeId }));
    await ec2.send(
      new CreateTagsCommand({
        Resources: [sourceId!],
        Tags: asTags({ ...LABELS, 'clonewarden:generation': '2', 'clonewarden:root': VolumeId! }),
      }),
    );
    const { SnapshotId } = await ec2.send(
      new CopySnapshotCommand({ SourceSnapshotId: sourceId, SourceRegion: REGION }),
    );
    await ec2.send(new CreateTagsCommand({ Resources: [SnapshotId!], Tags: asTags(LABELS) }));
    await ec2.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId,
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        UserIds: ['444455556666'],
      }),
    );

    // Act
    const verdict = await deliver(
      records.copySnapshot({
        caller: platform,
        region: REGION,
        sourceRegion: REGION,
        sourceSnapshotId: sourceId!,
        snapshotId: SnapshotId!,
      }),
    );

    // Assess
    expect(verdict.status).toBe('quarantined');
    expect(verdict.violations.map((v) => v.rule)).toEqual(['clone-depth']);
    const tags = await snapshotTags(ec2, SnapshotId!);
    expect(tags).toMatchObject({
      'clonewarden:generation': '3',
      'clonewarden:status': 'quarantined',
      'clonewarden:quarantine-shares': 'u=444455556666',
    });
    const permissions = await ec2.send(
      new DescribeSnapshotAttributeCommand({ SnapshotId, Attribute: 'createVolumePermission' }),
    );
    expect(permissions.CreateVolumePermissions ?? []).toEqual([]);
    const alerts = await inbox.drain();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.attributes).toMatchObject({ severity: 'high', status: 'quarantined' });
  });

  it('RegisterImage by someone not allowed to clone: quarantined, launch permissions recorded and removed, image disabled', async () => {
    // Prepare
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 4 }));
    const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId }));
    const { ImageId } = await ec2.send(
      new RegisterImageCommand({
        Name: `rogue-${Date.now()}`,
        RootDeviceName: '/dev/xvda',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId } }],
      }),
    );
    await ec2.send(new CreateTagsCommand({ Resources: [ImageId!], Tags: asTags(LABELS) }));
    await ec2.send(
      new ModifyImageAttributeCommand({
        ImageId,
        LaunchPermission: { Add: [{ Group: 'all' }, { UserId: '444455556666' }] },
      }),
    );

    // Act
    const verdict = await deliver(
      records.registerImage({
        caller: developer,
        region: REGION,
        snapshotId: SnapshotId!,
        imageId: ImageId!,
        name: 'rogue',
      }),
    );

    // Assess
    expect(verdict.status).toBe('quarantined');
    expect(verdict.violations.map((v) => v.rule)).toContain('who-may-clone');
    const { image, tags } = await imageTags(ec2, ImageId!);
    expect(image.State).toBe('disabled');
    expect(tags['clonewarden:status']).toBe('quarantined');
    expect(tags['clonewarden:quarantine-shares']?.split(' ').sort()).toEqual(['g=all', 'u=444455556666']);
    const permissions = await ec2.send(
      new DescribeImageAttributeCommand({ ImageId, Attribute: 'launchPermission' }),
    );
    expect(permissions.LaunchPermissions ?? []).toEqual([]);
    // moto lacks EnableImageDeprecation: the step is reported as skipped, the rest is done.
    const quarantine = verdict.actions.find((a) => a.type === 'quarantine');
    expect(quarantine).toMatchObject({ done: true, skipped: ['EnableImageDeprecation'] });
    expect(await inbox.drain()).toHaveLength(1);
  });
});

describe('Integration: at-least-once delivery', () => {
  it('the same event delivered three times, one after another, gives one alert and identical tags', async () => {
    // Prepare
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 3 }));
    const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId }));
    const envelope = eventBridgeEnvelope(
      records.createSnapshot({
        caller: developer,
        region: REGION,
        volumeId: VolumeId!,
        snapshotId: SnapshotId!,
      }),
    );

    // Act
    const first = await handler(envelope, context);
    const tagsAfterFirst = await snapshotTags(ec2, SnapshotId!);
    const second = await handler(structuredClone(envelope), context);
    const third = await handler(structuredClone(envelope), context);

    // Assess
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(await snapshotTags(ec2, SnapshotId!)).toEqual(tagsAfterFirst);
    expect(await inbox.drain()).toHaveLength(1);
  });

  it('the same event delivered three times concurrently gives one alert', async () => {
    // Prepare
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 3 }));
    const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId }));
    const envelope = eventBridgeEnvelope(
      records.createSnapshot({
        caller: developer,
        region: REGION,
        volumeId: VolumeId!,
        snapshotId: SnapshotId!,
      }),
    );

    // Act: concurrent duplicates see the in-progress idempotency record and are refused.
    const outcomes = await Promise.allSettled(
      [0, 1, 2].map(() => handler(structuredClone(envelope), context)),
    );

    // Assess
    const fulfilled = outcomes.filter((o) => o.status === 'fulfilled');
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    // A refused duplicate is retried by Lambda later, and then answered from the table.
    for (const refusal of rejected) expect(String(refusal.reason?.name)).toMatch(/Idempotency/);
    const retried = await handler(structuredClone(envelope), context);
    expect(retried.status).toBe('quarantined');
    expect(await inbox.drain()).toHaveLength(1);
    expect((await snapshotTags(ec2, SnapshotId!))['clonewarden:status']).toBe('quarantined');
  });
});
