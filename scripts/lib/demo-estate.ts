import {
  CopyImageCommand,
  CreateImageCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeInstancesCommand,
  type EC2Client,
  RegisterImageCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  type Tag,
} from '@aws-sdk/client-ec2';

const asTags = (tags: Record<string, string>): Tag[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

export interface Machine {
  name: string;
  instanceId: string;
  volumeIds: string[];
  state: 'running' | 'stopped';
}

export interface Estate {
  region: string;
  machines: Record<'web' | 'db' | 'batch', Machine>;
  scratchVolumeId: string;
  images: { goldenWeb: string; goldenWebCopy: string; dbBackup: string };
  snapshots: { dbData: string; webRoot: string };
}

/** Launches one instance with a root volume, owner tags, and (optionally) a second data volume. */
async function launch(
  ec2: EC2Client,
  name: string,
  tags: Record<string, string>,
  baseImageId: string,
  stop: boolean,
): Promise<Machine> {
  const result = await ec2.send(
    new RunInstancesCommand({
      ImageId: baseImageId,
      InstanceType: 't3.small',
      MinCount: 1,
      MaxCount: 1,
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } },
        { DeviceName: '/dev/xvdb', Ebs: { VolumeSize: 20 } },
      ],
      TagSpecifications: [
        { ResourceType: 'instance', Tags: asTags({ Name: name, ...tags }) },
        { ResourceType: 'volume', Tags: asTags({ Name: `${name}-disk`, ...tags }) },
      ],
    }),
  );
  const instance = result.Instances![0]!;
  if (stop) await ec2.send(new StopInstancesCommand({ InstanceIds: [instance.InstanceId!] }));
  const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instance.InstanceId!] }));
  const volumeIds = (described.Reservations?.[0]?.Instances?.[0]?.BlockDeviceMappings ?? []).map(
    (m) => m.Ebs!.VolumeId!,
  );
  return { name, instanceId: instance.InstanceId!, volumeIds, state: stop ? 'stopped' : 'running' };
}

/**
 * Seeds a small, realistic estate: three servers with their disks and owner tags, golden
 * images, one image copied from another, and backup snapshots — all made before clonewarden
 * was deployed, so none carries its tags.
 */
export async function seedEstate(ec2: EC2Client, region: string): Promise<Estate> {
  // The vendor base image every server was launched from (an original, not a clone).
  const baseSnapshot = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId: (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${region}a`, Size: 8 })))
        .VolumeId!,
      Description: 'vendor base OS',
    }),
  );
  const baseImageId = (
    await ec2.send(
      new RegisterImageCommand({
        Name: 'vendor-linux-2026.10',
        RootDeviceName: '/dev/xvda',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: baseSnapshot.SnapshotId! } }],
      }),
    )
  ).ImageId!;
  const owner = (who: string, cc: string) => ({
    Owner: `${who}@example.com`,
    CostCenter: cc,
    Team: 'platform',
  });
  const web = await launch(ec2, 'web-1', owner('alice', 'cc-100'), baseImageId, false);
  const db = await launch(ec2, 'db-1', owner('bob', 'cc-200'), baseImageId, true);
  const batch = await launch(ec2, 'batch-1', owner('carol', 'cc-100'), baseImageId, false);
  const scratch = await ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: `${region}a`,
      Size: 50,
      TagSpecifications: [{ ResourceType: 'volume', Tags: asTags({ Name: 'scratch' }) }],
    }),
  );

  const goldenWeb = await ec2.send(
    new CreateImageCommand({
      InstanceId: web.instanceId,
      Name: 'golden-web-2026-10',
      TagSpecifications: [
        { ResourceType: 'image', Tags: asTags({ Owner: 'alice@example.com', CostCenter: 'cc-100' }) },
      ],
    }),
  );
  const goldenWebCopy = await ec2.send(
    new CopyImageCommand({
      SourceImageId: goldenWeb.ImageId!,
      SourceRegion: region,
      Name: 'golden-web-2026-10-dr',
    }),
  );
  const dbBackup = await ec2.send(
    new CreateImageCommand({ InstanceId: db.instanceId, Name: 'db-1-before-upgrade' }),
  );
  const dbData = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId: db.volumeIds[1]!,
      Description: 'db-1 data, nightly',
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: asTags({ Owner: 'bob@example.com' }) }],
    }),
  );
  const webRoot = await ec2.send(
    new CreateSnapshotCommand({ VolumeId: web.volumeIds[0]!, Description: 'web-1 root' }),
  );

  return {
    region,
    machines: { web, db, batch },
    scratchVolumeId: scratch.VolumeId!,
    images: {
      goldenWeb: goldenWeb.ImageId!,
      goldenWebCopy: goldenWebCopy.ImageId!,
      dbBackup: dbBackup.ImageId!,
    },
    snapshots: { dbData: dbData.SnapshotId!, webRoot: webRoot.SnapshotId! },
  };
}
