import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  type LaunchPermission,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type Caller, records } from '../../scripts/lib/cloudtrail-records.js';

/** Helpers that build real resources in the emulator for integration tests. */

/**
 * A member account's own EC2, as someone working in it: moto keeps accounts apart by the assumed
 * role's account, and Organizations' CreateAccount gives each one OrganizationAccountAccessRole.
 */
export async function memberAccountEc2(region: string, account: string): Promise<EC2Client> {
  const { Credentials } = await new STSClient({ region }).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
      RoleSessionName: 'test-setup',
    }),
  );
  return new EC2Client({
    region,
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    },
  });
}

/** A share as the caller made it: what it granted, in CloudTrail's `{userId}`/`{group}`/… items. */
interface RecordedShare {
  caller: Caller;
  region: string;
  add: Record<string, string>[];
}

/** Shares the image for real, as the caller did, and returns the record CloudTrail logs for it. */
export async function shareImageAsRecorded(
  ec2: EC2Client,
  share: RecordedShare & { imageId: string },
): Promise<Record<string, unknown>> {
  await ec2.send(
    new ModifyImageAttributeCommand({
      ImageId: share.imageId,
      LaunchPermission: {
        Add: share.add.map((g) => ({
          ...(g.userId ? { UserId: g.userId } : {}),
          ...(g.group ? { Group: 'all' as const } : {}),
          ...(g.organizationArn ? { OrganizationArn: g.organizationArn } : {}),
        })),
      },
    }),
  );
  return records.modifyImageAttribute(share);
}

/** Shares the snapshot for real, as the caller did, and returns the record CloudTrail logs for it. */
export async function shareSnapshotAsRecorded(
  ec2: EC2Client,
  share: RecordedShare & { snapshotId: string },
): Promise<Record<string, unknown>> {
  const userIds = share.add.flatMap((g) => (g.userId ? [g.userId] : []));
  await ec2.send(
    new ModifySnapshotAttributeCommand({
      SnapshotId: share.snapshotId,
      Attribute: 'createVolumePermission',
      OperationType: 'add',
      ...(userIds.length > 0 ? { UserIds: userIds } : {}),
      ...(share.add.some((g) => g.group) ? { GroupNames: ['all'] } : {}),
    }),
  );
  return records.modifySnapshotAttribute(share);
}

/**
 * Who may use an image (`ami-…`: launch permission) or a snapshot (create-volume permission),
 * sorted: account ids, `all`, organization or OU ARNs.
 */
export async function grantees(ec2: EC2Client, id: string): Promise<string[]> {
  const grants: LaunchPermission[] = id.startsWith('ami-')
    ? ((await ec2.send(new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission' })))
        .LaunchPermissions ?? [])
    : ((
        await ec2.send(
          new DescribeSnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission' }),
        )
      ).CreateVolumePermissions ?? []);
  return grants.map((g) => g.UserId ?? g.Group ?? g.OrganizationArn ?? g.OrganizationalUnitArn ?? '?').sort();
}

/** Launches `count` instances of the image as the caller, and returns the record CloudTrail logs. */
export async function launchAsRecorded(
  ec2: EC2Client,
  launch: { caller: Caller; region: string; imageId: string; count?: number },
) {
  const count = launch.count ?? 1;
  const result = await ec2.send(
    new RunInstancesCommand({
      ImageId: launch.imageId,
      InstanceType: 't3.micro',
      MinCount: count,
      MaxCount: count,
    }),
  );
  const instances = (result.Instances ?? []).map((instance) => ({
    instanceId: instance.InstanceId!,
    networkInterfaceIds: (instance.NetworkInterfaces ?? []).map((eni) => eni.NetworkInterfaceId!),
  }));
  return {
    instances,
    record: records.runInstances({
      caller: launch.caller,
      region: launch.region,
      imageId: launch.imageId,
      instances,
    }),
  };
}

/** The tags of the instances, their volumes and their interfaces, by id. */
export async function restoredTags(
  ec2: EC2Client,
  instanceIds: string[],
): Promise<Map<string, Record<string, string>>> {
  const filter = [{ Name: 'attachment.instance-id', Values: instanceIds }];
  const [instances, volumes, interfaces] = await Promise.all([
    ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds })),
    ec2.send(new DescribeVolumesCommand({ Filters: filter })),
    ec2.send(new DescribeNetworkInterfacesCommand({ Filters: filter })),
  ]);
  const all = new Map<string, Record<string, string>>();
  for (const i of instances.Reservations!.flatMap((r) => r.Instances!))
    all.set(i.InstanceId!, tagsOf(i.Tags));
  for (const v of volumes.Volumes!) all.set(v.VolumeId!, tagsOf(v.Tags));
  for (const n of interfaces.NetworkInterfaces!) all.set(n.NetworkInterfaceId!, tagsOf(n.TagSet));
  return all;
}

/** The states of the instances (`running`, `stopped`, …). */
export async function instanceStates(ec2: EC2Client, instanceIds: string[]): Promise<string[]> {
  const result = await ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
  return result.Reservations!.flatMap((r) => r.Instances!).map((i) => i.State!.Name!);
}

export const asTags = (tags: Record<string, string>): Tag[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
export const tagsOf = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value ?? '']));

export async function registerBaseImage(
  ec2: EC2Client,
  region: string,
  name = 'vendor-base',
): Promise<string> {
  const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${region}a`, Size: 8 }));
  const snapshot = await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId! }));
  const image = await ec2.send(
    new RegisterImageCommand({
      Name: `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}`,
      RootDeviceName: '/dev/xvda',
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshot.SnapshotId! } }],
    }),
  );
  return image.ImageId!;
}

export async function launchInstance(
  ec2: EC2Client,
  imageId: string,
  options: { tags?: Record<string, string>; stopped?: boolean } = {},
): Promise<{ instanceId: string; volumeIds: string[] }> {
  const tags = options.tags ?? {};
  const result = await ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      ...(Object.keys(tags).length
        ? {
            TagSpecifications: [
              { ResourceType: 'instance', Tags: asTags(tags) },
              { ResourceType: 'volume', Tags: asTags(tags) },
            ],
          }
        : {}),
    }),
  );
  const instanceId = result.Instances![0]!.InstanceId!;
  if (options.stopped) await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
  const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const volumeIds = (described.Reservations?.[0]?.Instances?.[0]?.BlockDeviceMappings ?? []).map(
    (m) => m.Ebs!.VolumeId!,
  );
  return { instanceId, volumeIds };
}

export async function imageTags(ec2: EC2Client, imageId: string) {
  const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0]!;
  return {
    image,
    tags: tagsOf(image.Tags),
    snapshotIds: (image.BlockDeviceMappings ?? []).flatMap((m) =>
      m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : [],
    ),
  };
}

export async function snapshotTags(ec2: EC2Client, snapshotId: string): Promise<Record<string, string>> {
  const snapshot = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })))
    .Snapshots![0]!;
  return tagsOf(snapshot.Tags);
}

export {
  createAlertInbox,
  createIdempotencyTable,
  createLedgerTable,
} from '../../scripts/lib/emulator-resources.js';

/** The guards of a clone after its birth (issue 10): who may receive a share, what may be restored. */
const GUARD_RULES = `  - id: no-foreign-shares
    type: allowed-sharing
    severity: critical
    action: revert
    accounts: ["111122223333"]
  - id: restore-only-good-clones
    type: allowed-restore
    severity: high
    action: stop
    refuse: [quarantined, deprecated, disabled, inconsistent-capture]
`;

/**
 * The README's example policy ("Writing a policy"), enforcing, written to a temporary file;
 * with `guards`, the sharing and restore rules of {@link GUARD_RULES} too.
 */
export function writeEnforcingPolicy(
  overrides: { dryRun?: boolean; max?: number; guards?: boolean } = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), 'clonewarden-policy-'));
  const path = join(dir, 'clonewarden.yml');
  writeFileSync(
    path,
    `version: 1
dryRun: ${overrides.dryRun ?? false}
alerts: { minSeverity: low }
rules:
  - id: labels
    type: required-tags
    severity: medium
    action: tag
    inheritFromSource: true
    tags:
      Owner: { pattern: "^[a-z0-9._-]+@example\\\\.com$" }
      CostCenter: { enum: [cc-100, cc-200] }
  - id: who-may-clone
    type: allowed-principals
    severity: high
    action: quarantine
    principals: ["arn:aws:iam::*:role/Platform*"]
  - id: clone-depth
    type: max-generation
    severity: high
    action: quarantine
    max: ${overrides.max ?? 2}
  - id: healthy-source
    type: healthy-source
    severity: high
    action: tag
  - id: consistent-capture
    type: consistent-capture
    severity: medium
    action: tag
  - id: fresh-source
    type: max-source-age
    severity: medium
    action: report
    days: 180
${overrides.guards ? GUARD_RULES : ''}`,
  );
  return path;
}

export const LABELS = { Owner: 'dana@example.com', CostCenter: 'cc-100' };
