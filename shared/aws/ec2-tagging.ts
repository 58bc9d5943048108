import { CreateTagsCommand, DeleteTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';

/**
 * Resource ids per CreateTags/DeleteTags call: the API takes "up to 1000 resource IDs" and
 * recommends smaller batches beyond that (EC2 API Reference, "CreateTags", `Resources`).
 */
export const TAG_BATCH = 1000;

function* batches(resourceIds: string[]): Generator<string[]> {
  for (let start = 0; start < resourceIds.length; start += TAG_BATCH) {
    yield resourceIds.slice(start, start + TAG_BATCH);
  }
}

/** Sets the same tags on every resource, one CreateTags call per 1,000 ids. Safe to repeat. */
export async function tagResources(
  ec2: EC2Client,
  resourceIds: string[],
  tags: Record<string, string>,
): Promise<void> {
  const entries = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  if (entries.length === 0) return;
  for (const batch of batches(resourceIds)) {
    await ec2.send(new CreateTagsCommand({ Resources: batch, Tags: entries }));
  }
}

/** Removes the tag keys, whatever their values, one DeleteTags call per 1,000 ids. Safe to repeat. */
export async function untagResources(ec2: EC2Client, resourceIds: string[], keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  // Key only: DeleteTags then deletes the tag whatever its value is.
  const tags = keys.map((Key) => ({ Key }));
  for (const batch of batches(resourceIds)) {
    await ec2.send(new DeleteTagsCommand({ Resources: batch, Tags: tags }));
  }
}
