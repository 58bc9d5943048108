import { DeleteTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { tagBatches } from './ec2-tagging.js';

/** Removes the tag keys, whatever their values, one DeleteTags call per 1,000 ids. Safe to repeat. */
export async function untagResources(ec2: EC2Client, resourceIds: string[], keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  // Key only: DeleteTags then deletes the tag whatever its value is.
  const tags = keys.map((Key) => ({ Key }));
  for (const batch of tagBatches(resourceIds)) {
    await ec2.send(new DeleteTagsCommand({ Resources: batch, Tags: tags }));
  }
}
