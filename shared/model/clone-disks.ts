import type { CloneFact } from './types.js';

/**
 * An image's backing snapshots that EC2 showed when they were read (`diskTags`), or all of
 * them when they were not read. A snapshot is not yet listed or visible while its image is
 * `pending` ("Create an AMI from an Amazon EC2 instance", EC2 User Guide).
 */
export function visibleDiskIds(clone: CloneFact): string[] {
  const { diskTags } = clone;
  if (!diskTags) return clone.backingSnapshotIds;
  return clone.backingSnapshotIds.filter((id) => Object.hasOwn(diskTags, id));
}
