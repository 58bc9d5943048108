import { DeleteSnapshotCommand, DeregisterImageCommand } from '@aws-sdk/client-ec2';
import { awsErrorName, isNotFound } from './aws-error.js';
import type { AwsClients } from './clients.js';
import { tagResources } from './ec2-tagging.js';
import { untagResources } from './ec2-untagging.js';

export type SnapshotDeletion = 'deleted' | 'gone' | 'in-use';

export interface ImageDeletion {
  /** Backing snapshots deleted, by EC2 with the image or by us after it. */
  deletedSnapshots: string[];
  /** Backing snapshots kept because another image still uses them. */
  keptSnapshots: string[];
}

/** The writes prune makes: marks (tags) and deletions. Every method is safe to repeat. */
export interface CloneDeleter {
  /** One CreateTags call per 1,000 ids: the ids all get the same tags. */
  tag(region: string, resourceIds: string[], tags: Record<string, string>): Promise<void>;
  /** One DeleteTags call per 1,000 ids. */
  untag(region: string, resourceIds: string[], keys: string[]): Promise<void>;
  /** Deregisters the image with its snapshots. */
  deleteImage(region: string, imageId: string, backingSnapshotIds: string[]): Promise<ImageDeletion>;
  deleteSnapshot(region: string, snapshotId: string): Promise<SnapshotDeletion>;
}

export class Ec2CloneDeleter implements CloneDeleter {
  readonly #aws: AwsClients;

  constructor(aws: AwsClients) {
    this.#aws = aws;
  }

  tag(region: string, resourceIds: string[], tags: Record<string, string>): Promise<void> {
    return tagResources(this.#aws.ec2(region), resourceIds, tags);
  }

  untag(region: string, resourceIds: string[], keys: string[]): Promise<void> {
    return untagResources(this.#aws.ec2(region), resourceIds, keys);
  }

  /**
   * `DeleteAssociatedSnapshots` asks EC2 to delete the image's snapshots with it; endpoints that
   * ignore it (moto does) or keep one (a snapshot shared by two images is kept by EC2 too) are
   * covered by deleting each backing snapshot that is still there.
   */
  async deleteImage(region: string, imageId: string, backingSnapshotIds: string[]): Promise<ImageDeletion> {
    const ec2 = this.#aws.ec2(region);
    try {
      await ec2.send(new DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const result: ImageDeletion = { deletedSnapshots: [], keptSnapshots: [] };
    for (const snapshotId of backingSnapshotIds) {
      const outcome = await this.deleteSnapshot(region, snapshotId);
      if (outcome === 'in-use') result.keptSnapshots.push(snapshotId);
      else result.deletedSnapshots.push(snapshotId);
    }
    return result;
  }

  async deleteSnapshot(region: string, snapshotId: string): Promise<SnapshotDeletion> {
    try {
      await this.#aws.ec2(region).send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
      return 'deleted';
    } catch (error) {
      if (isNotFound(error)) return 'gone';
      // A snapshot behind a registered image cannot be deleted ("Delete an Amazon EBS snapshot").
      if (awsErrorName(error) === 'InvalidSnapshot.InUse') return 'in-use';
      throw error;
    }
  }
}
