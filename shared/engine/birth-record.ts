import { isResourceLabel, TAG } from '../model/clonewarden-tags.js';
import type { BirthRecord, RestoredCloneFact } from '../model/types.js';
import type { Policy } from '../policy/schema.js';
import { readGenerationTag } from './resolve-lineage.js';

/**
 * What clonewarden decided when the clone was born, read from the `clonewarden:` tags it wrote
 * then: its status (through the `CloneStatusReader`, on `clone.status`), the rule ids it broke (kept only when the policy names them as
 * `consistent-capture` rules), its root and generation. The one place this is read: the
 * verdict ledger will replace the tags as its source of truth. Tags only ever refuse here,
 * never grant: a tag a developer removes makes nothing pass that the policy refuses otherwise
 * (the deny policy keeps `clonewarden:` tags to the enforcer).
 */
export function readBirthRecord(clone: RestoredCloneFact, policy: Policy): BirthRecord {
  const tags = clone.tags;
  const captureRules = new Set(
    policy.rules.filter((rule) => rule.type === 'consistent-capture').map((rule) => rule.id),
  );
  // `joinIdsForTag` ends a cut list with `,+N`: those are counts, not rule ids.
  const broken = (tags[TAG.violations] ?? '').split(',').map((id) => id.trim());
  const generation = readGenerationTag(tags);
  const root = tags[TAG.root];
  return {
    quarantined: clone.status === 'quarantined',
    inconsistentCapture: [...new Set(broken.filter((id) => captureRules.has(id)))],
    ...(isResourceLabel(root) ? { root } : {}),
    ...(generation !== undefined ? { generation } : {}),
  };
}
