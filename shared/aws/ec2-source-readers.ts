import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import type { SourceFact, SourceKind, SourceRef } from '../model/types.js';
import { tagsToRecord } from './tag-set.js';

/** Reads one source from EC2: its fact, or `undefined` when EC2 does not know the id. */
type SourceReader = (ec2: EC2Client, ref: SourceRef, now: Date) => Promise<SourceFact | undefined>;

const found = (ref: SourceRef) => ({ id: ref.id, region: ref.region, found: true });

export function isDeprecated(image: Image, now: Date): boolean {
  return image.DeprecationTime !== undefined && new Date(image.DeprecationTime).getTime() <= now.getTime();
}

async function readInstance(ec2: EC2Client, ref: SourceRef): Promise<SourceFact | undefined> {
  const result = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [ref.id] }));
  const instance = result.Reservations?.flatMap((r) => r.Instances ?? [])[0];
  if (!instance) return undefined;
  return {
    kind: 'instance',
    ...found(ref),
    tags: tagsToRecord(instance.Tags),
    state: instance.State?.Name,
    statusChecks: 'unknown',
    imageId: instance.ImageId,
    volumeIds: (instance.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.VolumeId ? [m.Ebs.VolumeId] : [])),
  };
}

async function readVolume(ec2: EC2Client, ref: SourceRef): Promise<SourceFact | undefined> {
  const volume = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [ref.id] }))).Volumes?.[0];
  if (!volume) return undefined;
  return {
    kind: 'volume',
    ...found(ref),
    tags: tagsToRecord(volume.Tags),
    state: volume.State,
    statusChecks: 'unknown',
    // A blank volume reports SnapshotId "": it has no origin.
    snapshotId: volume.SnapshotId || undefined,
    attachments: (volume.Attachments ?? []).flatMap((a) =>
      a.InstanceId ? [{ instanceId: a.InstanceId }] : [],
    ),
  };
}

async function readImage(ec2: EC2Client, ref: SourceRef, now: Date): Promise<SourceFact | undefined> {
  const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [ref.id] }))).Images?.[0];
  if (!image) return undefined;
  return {
    kind: 'image',
    ...found(ref),
    tags: tagsToRecord(image.Tags),
    state: image.State,
    createdAt: image.CreationDate,
    deprecated: isDeprecated(image, now),
    sourceImageId: image.SourceImageId,
  };
}

async function readSnapshot(ec2: EC2Client, ref: SourceRef): Promise<SourceFact | undefined> {
  const snapshot = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [ref.id] }))).Snapshots?.[0];
  if (!snapshot) return undefined;
  return {
    kind: 'snapshot',
    ...found(ref),
    tags: tagsToRecord(snapshot.Tags),
    state: snapshot.State,
    createdAt: snapshot.StartTime?.toISOString(),
    volumeId: snapshot.VolumeId,
  };
}

/** One reader per source kind: adding a kind is one entry here and one in `MISSING_SOURCES`. */
export const SOURCE_READERS: Record<SourceKind, SourceReader> = {
  instance: readInstance,
  volume: readVolume,
  image: readImage,
  snapshot: readSnapshot,
};

type Missing = { id: string; region: string; found: false; tags: Record<string, string> };

/** What is known of a source EC2 does not know: nothing, and every check unknown. */
const MISSING_SOURCES: Record<SourceKind, (missing: Missing) => SourceFact> = {
  instance: (missing) => ({ ...missing, kind: 'instance', statusChecks: 'unknown', volumeIds: [] }),
  volume: (missing) => ({ ...missing, kind: 'volume', statusChecks: 'unknown', attachments: [] }),
  image: (missing) => ({ ...missing, kind: 'image', deprecated: false }),
  snapshot: (missing) => ({ ...missing, kind: 'snapshot' }),
};

/** The fact for a source that was not found. */
export function missingSource(ref: SourceRef): SourceFact {
  return MISSING_SOURCES[ref.kind]({ id: ref.id, region: ref.region, found: false, tags: {} });
}
