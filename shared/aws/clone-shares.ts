import { DescribeImageAttributeCommand, DescribeSnapshotAttributeCommand } from '@aws-sdk/client-ec2';
import type { Share } from '../model/clonewarden-tags.js';
import type { CloneKind } from '../model/types.js';
import type { AwsClients } from './clients.js';
import { createVolumePermissionToShare, launchPermissionToShare } from './share-permissions.js';

/**
 * Who a clone is shared with. EC2 lists shares only per resource: one
 * `DescribeImageAttribute` (launchPermission) or `DescribeSnapshotAttribute`
 * (createVolumePermission) call per clone, no batch form. Both are read-only, free, and
 * throttled with the other Describe calls (EC2 "Request throttling"), so callers bound them.
 */
export interface CloneShareReader {
  shares(region: string, kind: CloneKind, id: string): Promise<Share[]>;
}

export class Ec2CloneShareReader implements CloneShareReader {
  readonly #aws: AwsClients;

  constructor(aws: AwsClients) {
    this.#aws = aws;
  }

  async shares(region: string, kind: CloneKind, id: string): Promise<Share[]> {
    const ec2 = this.#aws.ec2(region);
    if (kind === 'image') {
      const result = await ec2.send(
        new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission' }),
      );
      return (result.LaunchPermissions ?? []).flatMap(launchPermissionToShare);
    }
    const result = await ec2.send(
      new DescribeSnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission' }),
    );
    return (result.CreateVolumePermissions ?? []).flatMap(createVolumePermissionToShare);
  }
}
