import {
  DescribeImageAttributeCommand,
  type EC2Client,
  ModifyImageAttributeCommand,
} from '@aws-sdk/client-ec2';
import type { Verdict } from '../../shared/model/types.js';
import { type Caller, records } from './cloudtrail-records.js';

/** A partner account the demo policy allows; any other account is foreign. */
const PARTNER = '111122223333';
const STRANGER = '444455556666';

/**
 * The demo's sharing scene: a developer makes an AMI public and shares it with a stranger and
 * with the partner in one call; the enforcer reverts the public and the stranger's grants and
 * keeps the partner's.
 */
export async function demoSharing(options: {
  ec2: EC2Client;
  region: string;
  caller: Caller;
  imageId: string;
  deliver: (title: string, record: Record<string, unknown>) => Promise<Verdict>;
}): Promise<void> {
  const { ec2, region, caller, imageId, deliver } = options;
  const add: Record<string, string>[] = [{ group: 'all' }, { userId: STRANGER }, { userId: PARTNER }];
  await ec2.send(
    new ModifyImageAttributeCommand({
      ImageId: imageId,
      LaunchPermission: { Add: [{ Group: 'all' }, { UserId: STRANGER }, { UserId: PARTNER }] },
    }),
  );
  console.log(`launch permissions of ${imageId} after the share: ${await permissions(ec2, imageId)}`);
  await deliver(
    '7. Shared: the release image made public and shared with a stranger and the partner',
    records.modifyImageAttribute({ caller, region, imageId, add }),
  );
  console.log(`launch permissions of ${imageId} after the verdict: ${await permissions(ec2, imageId)}`);
}

async function permissions(ec2: EC2Client, imageId: string): Promise<string> {
  const attribute = await ec2.send(
    new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
  );
  const grants = (attribute.LaunchPermissions ?? []).map((p) =>
    p.Group ? `group ${p.Group}` : `account ${p.UserId}`,
  );
  return grants.length > 0 ? grants.join(', ') : 'none';
}
