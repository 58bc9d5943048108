import type { Tag } from '@aws-sdk/client-ec2';

/** EC2's `[{ Key, Value }]` tag list as a plain record; keyless entries are dropped. */
export function tagsToRecord(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((tag) => tag.Key).map((tag) => [tag.Key!, tag.Value ?? '']));
}
