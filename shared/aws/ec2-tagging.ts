import { CreateTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';

// EC2 tagging in batches. Untagging is in ec2-untagging.ts, on its own: the IAM test grants a
// function every call in the files bundled for it, and the enforce function never untags.

/**
 * Resource ids per CreateTags/DeleteTags call: the API takes "up to 1000 resource IDs" and
 * recommends smaller batches beyond that (EC2 API Reference, "CreateTags", `Resources`).
 */
export const TAG_BATCH = 1000;

/** The ids in slices of `TAG_BATCH`, in order. */
export function* tagBatches(resourceIds: string[]): Generator<string[]> {
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
  for (const batch of tagBatches(resourceIds)) {
    await ec2.send(new CreateTagsCommand({ Resources: batch, Tags: entries }));
  }
}
