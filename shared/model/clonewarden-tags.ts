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
  /** Images: `pending` while their disks still wait for labels (or quarantine), then `done`. */
  disks: 'clonewarden:disks',
  /** Images: the state EC2 reported when it was not `available` (`failed`). */
  imageState: 'clonewarden:image-state',
  /** On what a restore created (instances, their volumes and interfaces, a volume): the clone id. */
  restoredFrom: 'clonewarden:restored-from',
} as const;

/** The values of `clonewarden:disks`. */
export const DISKS = { pending: 'pending', done: 'done' } as const;

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

/** One share of an image or snapshot, as recorded in `clonewarden:quarantine-shares`. */
export type Share =
  | { kind: 'account'; value: string }
  | { kind: 'group'; value: string }
  | { kind: 'organization'; value: string }
  | { kind: 'organizational-unit'; value: string };

const SHARE_PREFIX: Record<Share['kind'], string> = {
  account: 'u=',
  group: 'g=',
  organization: 'o=',
  'organizational-unit': 'ou=',
};

/** One share as text: `u=<account>`, `g=all`, `o=<org ARN>`, `ou=<OU ARN>`. */
export function shareToken(share: Share): string {
  return `${SHARE_PREFIX[share.kind]}${share.value}`;
}

/** Serialises shares into as few tag values as fit 256 characters each. */
export function encodeShares(shares: Share[]): string[] {
  const values: string[] = [];
  let current = '';
  for (const share of shares) {
    const token = shareToken(share);
    if (current && current.length + 1 + token.length > TAG_LIMITS.valueLength) {
      values.push(current);
      current = token;
    } else {
      current = current ? `${current} ${token}` : token;
    }
  }
  if (current) values.push(current);
  return values;
}

export function decodeShares(values: (string | undefined)[]): Share[] {
  const shares: Share[] = [];
  for (const value of values) {
    for (const token of (value ?? '').split(' ').filter(Boolean)) {
      const kind = (Object.keys(SHARE_PREFIX) as Share['kind'][]).find((k) =>
        token.startsWith(SHARE_PREFIX[k]),
      );
      if (kind) shares.push({ kind, value: token.slice(SHARE_PREFIX[kind].length) });
    }
  }
  return shares;
}

/** `clonewarden:quarantine-shares`, then `-2`, `-3`, … for long share lists. */
export const shareTagKey = (index: number): string =>
  index === 0 ? TAG.quarantineShares : `${TAG.quarantineShares}-${index + 1}`;
/** At most this many share tags: `clonewarden:quarantine-shares` and `-2` … `-8`. */
export const MAX_SHARE_TAGS = 8;

/** The `clonewarden:quarantine-shares[-N]` keys a resource carries. */
export function shareTagKeysOn(tags: Record<string, string>): string[] {
  return Array.from({ length: MAX_SHARE_TAGS }, (_, index) => shareTagKey(index)).filter(
    (key) => tags[key] !== undefined,
  );
}

export function recordedShares(tags: Record<string, string>): Share[] {
  return decodeShares(Array.from({ length: MAX_SHARE_TAGS }, (_, index) => tags[shareTagKey(index)]));
}
