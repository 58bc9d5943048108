import {
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  DisableImageDeprecationCommand,
  EnableImageCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import type { Share } from '../model/clonewarden-tags.js';
import type { EnforcerLog } from '../model/log.js';
import type { CloneKind } from '../model/types.js';
import { describeError, isNotFound, isUnsupportedOperation } from './aws-error.js';
import type { AwsClients } from './clients.js';
import { shareToLaunchPermission } from './ec2-clone-actions.js';
import { tagResources } from './ec2-tagging.js';
import { untagResources } from './ec2-untagging.js';
import { tagsToRecord } from './tag-set.js';

/** An image or snapshot as release needs it: all its tags, and an image's disks. */
export interface ReleasableClone {
  kind: CloneKind;
  id: string;
  region: string;
  ownerId?: string;
  state?: string;
  tags: Record<string, string>;
  backingSnapshotIds: string[];
}

/** A step done, or skipped because the endpoint does not implement it. */
export type StepOutcome = 'done' | 'unsupported';

/** The EC2 calls that lift a quarantine. Every method is safe to repeat. */
export interface CloneReleaser {
  describe(region: string, id: string): Promise<ReleasableClone | undefined>;
  restoreImageShares(region: string, imageId: string, shares: Share[]): Promise<void>;
  restoreSnapshotShares(region: string, snapshotId: string, shares: Share[]): Promise<void>;
  enableImage(region: string, imageId: string): Promise<StepOutcome>;
  cancelDeprecation(region: string, imageId: string): Promise<StepOutcome>;
  tag(region: string, resourceIds: string[], tags: Record<string, string>): Promise<void>;
  untag(region: string, resourceIds: string[], keys: string[]): Promise<void>;
}

export class Ec2CloneReleaser implements CloneReleaser {
  readonly #aws: AwsClients;
  readonly #log: EnforcerLog;

  constructor(aws: AwsClients, options: { log: EnforcerLog }) {
    this.#aws = aws;
    this.#log = options.log;
  }

  async describe(region: string, id: string): Promise<ReleasableClone | undefined> {
    const ec2 = this.#aws.ec2(region);
    try {
      if (id.startsWith('ami-')) {
        // IncludeDisabled: a quarantined image is disabled.
        const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [id], IncludeDisabled: true })))
          .Images?.[0];
        if (!image) return undefined;
        return {
          kind: 'image',
          id,
          region,
          ...(image.OwnerId ? { ownerId: image.OwnerId } : {}),
          ...(image.State ? { state: image.State } : {}),
          tags: tagsToRecord(image.Tags),
          backingSnapshotIds: (image.BlockDeviceMappings ?? []).flatMap((m) =>
            m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : [],
          ),
        };
      }
      const snapshot = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots?.[0];
      if (!snapshot) return undefined;
      return {
        kind: 'snapshot',
        id,
        region,
        ...(snapshot.OwnerId ? { ownerId: snapshot.OwnerId } : {}),
        ...(snapshot.State ? { state: snapshot.State } : {}),
        tags: tagsToRecord(snapshot.Tags),
        backingSnapshotIds: [],
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async restoreImageShares(region: string, imageId: string, shares: Share[]): Promise<void> {
    if (shares.length === 0) return;
    await this.#aws.ec2(region).send(
      new ModifyImageAttributeCommand({
        ImageId: imageId,
        LaunchPermission: { Add: shares.map(shareToLaunchPermission) },
      }),
    );
  }

  /** The flat OperationType/UserIds/GroupNames form: equivalent in AWS, and the one moto implements. */
  async restoreSnapshotShares(region: string, snapshotId: string, shares: Share[]): Promise<void> {
    const userIds = shares.filter((s) => s.kind === 'account').map((s) => s.value);
    const groups = shares.filter((s) => s.kind === 'group').map((s) => s.value as 'all');
    if (userIds.length === 0 && groups.length === 0) return;
    await this.#aws.ec2(region).send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: snapshotId,
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        ...(userIds.length > 0 ? { UserIds: userIds } : {}),
        ...(groups.length > 0 ? { GroupNames: groups } : {}),
      }),
    );
  }

  enableImage(region: string, imageId: string): Promise<StepOutcome> {
    return this.#optionalStep('EnableImage', () =>
      this.#aws.ec2(region).send(new EnableImageCommand({ ImageId: imageId })),
    );
  }

  cancelDeprecation(region: string, imageId: string): Promise<StepOutcome> {
    return this.#optionalStep('DisableImageDeprecation', () =>
      this.#aws.ec2(region).send(new DisableImageDeprecationCommand({ ImageId: imageId })),
    );
  }

  tag(region: string, resourceIds: string[], tags: Record<string, string>): Promise<void> {
    return tagResources(this.#aws.ec2(region), resourceIds, tags);
  }

  untag(region: string, resourceIds: string[], keys: string[]): Promise<void> {
    return untagResources(this.#aws.ec2(region), resourceIds, keys);
  }

  /** Where the endpoint lacks the API, log it and let the caller do the rest. */
  async #optionalStep(operation: string, run: () => Promise<unknown>): Promise<StepOutcome> {
    if (this.#aws.unsupported.has(operation)) return 'unsupported';
    try {
      await run();
      return 'done';
    } catch (error) {
      if (!isUnsupportedOperation(error)) throw error;
      this.#aws.unsupported.remember(operation);
      this.#log.warn('release step not supported by this endpoint; skipped', {
        operation,
        error: describeError(error),
      });
      return 'unsupported';
    }
  }
}
