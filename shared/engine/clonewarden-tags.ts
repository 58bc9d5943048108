/** The `clonewarden:` tag namespace (README, "Tags written"). Only the enforcer writes these. */
export const TAG_PREFIX = 'clonewarden:';

export const TAG = {
  createdBy: 'clonewarden:created-by',
  createdAt: 'clonewarden:created-at',
  eventId: 'clonewarden:event-id',
  source: 'clonewarden:source',
  parent: 'clonewarden:parent',
  root: 'clonewarden:root',
  generation: 'clonewarden:generation',
  status: 'clonewarden:status',
  violations: 'clonewarden:violations',
  quarantineShares: 'clonewarden:quarantine-shares',
  pruneAfter: 'clonewarden:prune-after',
} as const;

/** EC2 limits (Tag your Amazon EC2 resources → Tag restrictions). */
export const TAG_LIMITS = { perResource: 50, keyLength: 128, valueLength: 256 } as const;

/** Cuts a tag value to EC2's limit, marking the cut so that readers know it is partial. */
export function fitTagValue(value: string, max: number = TAG_LIMITS.valueLength): string {
  const codePoints = [...value];
  if (codePoints.length <= max) return value;
  return `${codePoints.slice(0, max - 1).join('')}…`;
}

/** Joins ids into one tag value; drops whole ids (never half an id) and ends with `,+N` when cut. */
export function joinIdsForTag(ids: string[], max: number = TAG_LIMITS.valueLength): string {
  const kept: string[] = [];
  for (let index = 0; index < ids.length; index++) {
    const rest = ids.length - index - 1;
    const candidate = [...kept, ids[index]].join(',');
    const suffix = rest > 0 ? `,+${rest}` : '';
    if (candidate.length + suffix.length > max) {
      return `${kept.join(',')},+${ids.length - kept.length}`.replace(/^,/, '');
    }
    kept.push(ids[index]!);
  }
  return kept.join(',');
}

const ID_PATTERN = /^(?:[a-z]{2}(?:-[a-z]+)+-\d\/)?(?:ami|snap|i|vol)-[0-9a-f]{8,17}$/;

/** A well-formed resource id (optionally `region/id`): lineage tags that are not are ignored. */
export function isResourceLabel(value: string | undefined): value is string {
  return value !== undefined && ID_PATTERN.test(value);
}
