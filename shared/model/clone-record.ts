import type { CloneKind } from './types.js';

/**
 * One image or snapshot as prune keeps it: only what the decisions need, so that a run over
 * 10,000 snapshots holds a few megabytes, not the SDK's full objects.
 */
export interface CloneRecord {
  kind: CloneKind;
  id: string;
  region: string;
  ownerId?: string;
  /** ISO 8601: the image's CreationDate or the snapshot's StartTime. */
  createdAt?: string;
  /** `available`, `pending`, `disabled`, … for images; `completed`, `pending`, … for snapshots. */
  state?: string;
  /** GiB: a snapshot's VolumeSize; for an image, the sum over its backing snapshots. */
  sizeGiB: number;
  /** The image's name, user text: shown (sanitised) in the digest. */
  name?: string;
  /** Only the tags prune reads (see {@link isPruneTag}). */
  tags: Record<string, string>;
  /** Images: the snapshots behind their block devices. */
  backingSnapshotIds: string[];
  /** Images: where EC2 says they came from. */
  sourceInstanceId?: string;
  sourceImageId?: string;
  sourceImageRegion?: string;
  /** Snapshots: the volume they were taken of (`vol-ffffffff` for copies is dropped). */
  volumeId?: string;
  /** The AWS service whose lifecycle owns the clone, from its tags or description. */
  managedBy?: 'aws-backup' | 'aws-dlm';
  /** Snapshots: the AMI that EC2's description says the snapshot was made for. */
  describedImageId?: string;
  /** ISO 8601: when the ledger says the quarantine began (absent without a ledger). */
  quarantinedSince?: string;
}

/** Keys prune reads: its own namespace, AWS Backup/DLM ownership, and the policy's expiry tag. */
export function isPruneTag(key: string, expiryTag: string): boolean {
  return (
    key === expiryTag ||
    key.startsWith('clonewarden:') ||
    key.startsWith('aws:backup:') ||
    key.startsWith('aws:dlm:') ||
    key === 'dlm:managed'
  );
}

/**
 * AWS Backup and Data Lifecycle Manager delete what they create on their own schedule; prune
 * never touches their recovery points. They are recognised by the tags they write and by
 * the descriptions they give snapshots ("Created by AWS Backup", "Created for policy: …").
 */
export function awsServiceOwner(
  tags: Record<string, string>,
  description: string | undefined,
): CloneRecord['managedBy'] {
  if (Object.keys(tags).some((key) => key.startsWith('aws:backup:'))) return 'aws-backup';
  if (/^(Created by AWS Backup|This snapshot is created by the AWS Backup service)/i.test(description ?? ''))
    return 'aws-backup';
  if (tags['dlm:managed'] !== undefined || Object.keys(tags).some((key) => key.startsWith('aws:dlm:')))
    return 'aws-dlm';
  if (/^Created for policy: /i.test(description ?? '')) return 'aws-dlm';
  return undefined;
}

/**
 * The AMI a snapshot's description says it belongs to: EC2 writes "Created by
 * CreateImage(i-…) for ami-… " for an image's disks and "Copied for DestinationAmi ami-… " for
 * a copy's; moto writes "Auto-created snapshot for AMI ami-…".
 */
export function describedImageId(description: string | undefined): string | undefined {
  if (!description) return undefined;
  const match =
    /^Created by CreateImage\([^)]*\) for (ami-[0-9a-f]{8,17})\b/.exec(description) ??
    /^Copied for DestinationAmi (ami-[0-9a-f]{8,17})\b/.exec(description) ??
    /^Auto-created snapshot for AMI (ami-[0-9a-f]{8,17})\b/.exec(description);
  return match?.[1];
}
