import { CreateTagsCommand, DescribeSnapshotsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { Verdict } from '../../shared/model/types.js';
import { type Caller, cloudTrailRecord } from './cloudtrail-records.js';

/**
 * The demo's tamper scene: the developer rewrites `clonewarden:status` on the snapshot clonewarden
 * quarantined, hoping to share it again. The ledger (clonewarden's own record, which only its
 * roles write) still holds it as quarantined: the tag is written back and one alert says who did it.
 */
export async function demoTamper(scene: {
  ec2: EC2Client;
  region: string;
  caller: Caller;
  /** A snapshot clonewarden quarantined earlier in the demo. */
  snapshotId: string;
  deliver: (title: string, record: Record<string, unknown>) => Promise<Verdict>;
  say: (line: string) => void;
}): Promise<void> {
  const { ec2, region, snapshotId } = scene;
  const forged = { Key: 'clonewarden:status', Value: 'compliant' };
  await ec2.send(new CreateTagsCommand({ Resources: [snapshotId], Tags: [forged] }));
  scene.say(`  the developer set ${forged.Key}=${forged.Value} on ${snapshotId} (no SCP in place)`);
  await scene.deliver(
    `T. Tampering: CreateTags rewrote the status of the quarantined snapshot ${snapshotId}`,
    cloudTrailRecord({
      eventName: 'CreateTags',
      caller: scene.caller,
      region,
      requestParameters: {
        resourcesSet: { items: [{ resourceId: snapshotId }] },
        tagSet: { items: [{ key: forged.Key, value: forged.Value }] },
      },
      responseElements: { _return: true },
    }),
  );
  const { Snapshots } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
  const status = Snapshots?.[0]?.Tags?.find((tag) => tag.Key === forged.Key)?.Value;
  scene.say(`  ${snapshotId} ${forged.Key} is back to ${status}: the ledger wins`);
}
