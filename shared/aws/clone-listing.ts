import {
  type Image,
  paginateDescribeImages,
  paginateDescribeSnapshots,
  type Snapshot,
  type Tag,
} from '@aws-sdk/client-ec2';
import { awsServiceOwner, type CloneRecord, describedImageId } from '../model/clone-record.js';
import type { AwsClients } from './clients.js';

/** Lists the account's own images and snapshots, a page at a time: prune's and the audit's reading. */
export interface CloneListing {
  /** Self-owned images, disabled ones included. */
  images(region: string, keepTag: (key: string) => boolean): AsyncIterable<CloneRecord[]>;
  /** Self-owned snapshots. */
  snapshots(region: string, keepTag: (key: string) => boolean): AsyncIterable<CloneRecord[]>;
}

/** Page sizes: the largest each API accepts, so that 10,000 snapshots take ten calls. */
const PAGE = { images: 1000, snapshots: 1000 } as const;

const keptTags = (tags: Tag[] | undefined, keep: (key: string) => boolean): Record<string, string> => {
  const kept: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key && keep(tag.Key)) kept[tag.Key] = tag.Value ?? '';
  return kept;
};

/**
 * The listing alone, in its own file so that a function that only lists (the audit) is
 * bundled, and granted, without the inventory's instance and launch-template reads.
 */
export class Ec2CloneListing implements CloneListing {
  readonly #aws: AwsClients;

  constructor(aws: AwsClients) {
    this.#aws = aws;
  }

  async *images(region: string, keepTag: (key: string) => boolean): AsyncIterable<CloneRecord[]> {
    const pages = paginateDescribeImages(
      { client: this.#aws.ec2(region), pageSize: PAGE.images },
      { Owners: ['self'], IncludeDisabled: true },
    );
    for await (const page of pages)
      yield (page.Images ?? []).map((image) => imageRecord(image, region, keepTag));
  }

  async *snapshots(region: string, keepTag: (key: string) => boolean): AsyncIterable<CloneRecord[]> {
    const pages = paginateDescribeSnapshots(
      { client: this.#aws.ec2(region), pageSize: PAGE.snapshots },
      { OwnerIds: ['self'] },
    );
    for await (const page of pages) {
      yield (page.Snapshots ?? []).map((snapshot) => snapshotRecord(snapshot, region, keepTag));
    }
  }
}

function imageRecord(image: Image, region: string, keepTag: (key: string) => boolean): CloneRecord {
  const tags = keptTags(image.Tags, keepTag);
  const managedBy = awsServiceOwner(tags, image.Description);
  const mappings = image.BlockDeviceMappings ?? [];
  return {
    kind: 'image',
    id: image.ImageId!,
    region,
    ...(image.OwnerId ? { ownerId: image.OwnerId } : {}),
    ...(image.CreationDate ? { createdAt: image.CreationDate } : {}),
    ...(image.State ? { state: image.State } : {}),
    sizeGiB: mappings.reduce((sum, m) => sum + (m.Ebs?.VolumeSize ?? 0), 0),
    ...(image.Name ? { name: image.Name.slice(0, 128) } : {}),
    tags,
    backingSnapshotIds: mappings.flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : [])),
    ...(image.SourceInstanceId ? { sourceInstanceId: image.SourceInstanceId } : {}),
    ...(image.SourceImageId ? { sourceImageId: image.SourceImageId } : {}),
    ...(image.SourceImageRegion ? { sourceImageRegion: image.SourceImageRegion } : {}),
    ...(managedBy ? { managedBy } : {}),
  };
}

/** Copies and some service snapshots report this placeholder instead of a real volume. */
const NO_VOLUME = 'vol-ffffffff';

function snapshotRecord(snapshot: Snapshot, region: string, keepTag: (key: string) => boolean): CloneRecord {
  const tags = keptTags(snapshot.Tags, keepTag);
  const managedBy = awsServiceOwner(tags, snapshot.Description);
  const imageId = describedImageId(snapshot.Description);
  return {
    kind: 'snapshot',
    id: snapshot.SnapshotId!,
    region,
    ...(snapshot.OwnerId ? { ownerId: snapshot.OwnerId } : {}),
    ...(snapshot.StartTime ? { createdAt: snapshot.StartTime.toISOString() } : {}),
    ...(snapshot.State ? { state: snapshot.State } : {}),
    sizeGiB: snapshot.VolumeSize ?? 0,
    tags,
    backingSnapshotIds: [],
    ...(snapshot.VolumeId && snapshot.VolumeId !== NO_VOLUME ? { volumeId: snapshot.VolumeId } : {}),
    ...(managedBy ? { managedBy } : {}),
    ...(imageId ? { describedImageId: imageId } : {}),
  };
}
