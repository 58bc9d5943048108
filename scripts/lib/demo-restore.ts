import { CreateVolumeCommand, DescribeVolumesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { Verdict } from '../../shared/model/types.js';
import { type Caller, records } from './cloudtrail-records.js';

/**
 * The demo's restore scene: a developer creates a volume from the snapshot clonewarden has just
 * quarantined. The restore is flagged: the new volume is labelled with where it came from and
 * its violation (a volume is never deleted), and the security team gets one alert.
 */
export async function demoRestore(scene: {
  ec2: EC2Client;
  region: string;
  caller: Caller;
  /** A snapshot clonewarden quarantined earlier in the demo. */
  snapshotId: string;
  deliver: (title: string, record: Record<string, unknown>) => Promise<Verdict>;
}): Promise<void> {
  const { ec2, region, snapshotId } = scene;
  const zone = `${region}a`;
  const { VolumeId } = await ec2.send(
    new CreateVolumeCommand({ AvailabilityZone: zone, SnapshotId: snapshotId }),
  );
  await scene.deliver(
    `R. A restore: a volume created from the quarantined snapshot ${snapshotId}`,
    records.createVolume({ caller: scene.caller, region, snapshotId, volumeId: VolumeId!, zone }),
  );
  const { Volumes } = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }));
  const labels = (Volumes?.[0]?.Tags ?? []).filter((tag) => tag.Key?.startsWith('clonewarden:'));
  console.log(`  ${VolumeId} kept, labelled: ${labels.map((tag) => `${tag.Key}=${tag.Value}`).join(', ')}`);
}
