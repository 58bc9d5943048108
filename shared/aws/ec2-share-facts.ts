import {
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  type Image,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import type { CloneRef, SharedCloneFact, ShareEvent, ShareFacts } from '../model/types.js';
import { isNotFound } from './aws-error.js';
import type { AwsClients } from './clients.js';
import type { CloneStatusReader } from './clone-status.js';
import type { OrganizationDirectory } from './organization-directory.js';
import { tagsToRecord } from './tag-set.js';

/** Fetches what the sharing engine needs to judge one share. */
export interface ShareFactsReader {
  /** `organization`: also read our AWS Organization (only when a rule allows it). */
  collect(event: ShareEvent, options: { organization: boolean }): Promise<ShareFacts>;
}

/**
 * One Describe call for the clone (owner, tags, encryption), its status through the
 * {@link CloneStatusReader}, and our Organization from the per-container directory when asked.
 * The clone existed when the call succeeded, so a clone EC2 no longer knows is gone, not late.
 */
export class Ec2ShareFacts implements ShareFactsReader {
  readonly #aws: AwsClients;
  readonly #status: CloneStatusReader;
  readonly #organization: OrganizationDirectory;

  constructor(aws: AwsClients, options: { status: CloneStatusReader; organization: OrganizationDirectory }) {
    this.#aws = aws;
    this.#status = options.status;
    this.#organization = options.organization;
  }

  async collect(event: ShareEvent, options: { organization: boolean }): Promise<ShareFacts> {
    const [described, organization] = await Promise.all([
      this.#describe(event.clone, event.region),
      options.organization ? this.#organization.read() : Promise.resolve(undefined),
    ]);
    const clone = described ?? missingClone(event.clone, event.region);
    const status = clone.found ? await this.#status.statusOf(clone) : undefined;
    return {
      clone: { ...clone, ...(status !== undefined ? { status } : {}) },
      ...(organization ? { organization } : {}),
      gaps: organization && !organization.known ? [`AWS Organization: ${organization.reason}`] : [],
    };
  }

  async #describe(ref: CloneRef, region: string): Promise<SharedCloneFact | undefined> {
    const ec2 = this.#aws.ec2(region);
    try {
      if (ref.kind === 'image') {
        // IncludeDisabled: a quarantined image is disabled, and may still be shared.
        const result = await ec2.send(
          new DescribeImagesCommand({ ImageIds: [ref.id], IncludeDisabled: true }),
        );
        const image = result.Images?.find((candidate) => candidate.ImageId === ref.id);
        return image ? imageFact(image, region) : undefined;
      }
      const result = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [ref.id] }));
      const snapshot = result.Snapshots?.find((candidate) => candidate.SnapshotId === ref.id);
      return snapshot ? snapshotFact(snapshot, region) : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function missingClone(ref: CloneRef, region: string): SharedCloneFact {
  return { ...ref, region, found: false, tags: {}, encrypted: false, kmsKeyIds: [], backingSnapshotIds: [] };
}

function imageFact(image: Image, region: string): SharedCloneFact {
  const disks = (image.BlockDeviceMappings ?? []).flatMap((mapping) => (mapping.Ebs ? [mapping.Ebs] : []));
  return {
    kind: 'image',
    id: image.ImageId!,
    region,
    found: true,
    ...(image.OwnerId ? { ownerId: image.OwnerId } : {}),
    tags: tagsToRecord(image.Tags),
    encrypted: disks.some((disk) => disk.Encrypted === true),
    kmsKeyIds: [...new Set(disks.flatMap((disk) => (disk.KmsKeyId ? [disk.KmsKeyId] : [])))],
    backingSnapshotIds: disks.flatMap((disk) => (disk.SnapshotId ? [disk.SnapshotId] : [])),
  };
}

function snapshotFact(snapshot: Snapshot, region: string): SharedCloneFact {
  return {
    kind: 'snapshot',
    id: snapshot.SnapshotId!,
    region,
    found: true,
    ...(snapshot.OwnerId ? { ownerId: snapshot.OwnerId } : {}),
    tags: tagsToRecord(snapshot.Tags),
    encrypted: snapshot.Encrypted === true,
    kmsKeyIds: snapshot.KmsKeyId ? [snapshot.KmsKeyId] : [],
    backingSnapshotIds: [],
  };
}
