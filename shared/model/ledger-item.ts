import * as z from 'zod/mini';
import {
  decodeShares,
  encodeShares,
  fitTagValue,
  joinIdsForTag,
  MAX_SHARE_TAGS,
  type Share,
  shareTagKey,
  TAG,
  TAG_PREFIX,
} from './clonewarden-tags.js';
import './zod-english.js';

// ---------------------------------------------------------------------------------------------
// The ledger: clonewarden's own record of every clone it judged, one DynamoDB item per clone,
// written only by clonewarden's roles. The `clonewarden:` tags are a mirror of it, for people
// and for the deny policy; a tag that disagrees with the ledger is tampering, and the ledger
// wins. Everything here is pure and used by several layers (the actions write items, the
// pipeline compares tags with them, prune, release and reconcile decide from them), so it
// lives in model, below all of them (docs/architecture.md, "The ledger").
// ---------------------------------------------------------------------------------------------

/** A clone's status in the ledger: a verdict status, or `closed` once the clone is deleted. */
const LEDGER_STATUSES = ['compliant', 'violation', 'quarantined', 'exempt', 'closed'] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

/** How many status changes an item keeps: the oldest go first; DynamoDB items stop at 400 KB. */
export const LEDGER_HISTORY_LIMIT = 25;

const text = (max: number) => z.string().check(z.maxLength(max));

/** One status change and the event that caused it. */
const ledgerHistoryEntrySchema = () =>
  z.object({
    /** ISO 8601. */
    at: text(40),
    status: z.enum(LEDGER_STATUSES),
    /** The CloudTrail event id, or `reconcile-…`, `release-…`, `trust-on-first-use-…`. */
    eventId: text(256),
    /** Who caused it (the caller's ARN), when known. */
    by: z.optional(text(2048)),
    /** Why, in a few words: `released: <reason>`, `tags rewritten from the ledger`, … */
    note: z.optional(text(1024)),
  });

/**
 * One clone's item, as stored. The key is `pk = <account>#<region>` and `id`, so that one
 * Query reads a region's items (prune) and one GetItem reads a clone's (release, tampering).
 */
const ledgerItemSchema = () =>
  z.object({
    pk: text(128),
    id: text(64),
    account: text(32),
    region: text(32),
    kind: z.enum(['image', 'snapshot']),
    /** Raised by one on every write; every write is conditional on the version it read. */
    version: z.number().check(z.int(), z.positive()),
    status: z.enum(LEDGER_STATUSES),
    lineage: z.object({
      source: text(128),
      parent: text(128),
      root: text(128),
      generation: z.number().check(z.int(), z.positive()),
    }),
    createdBy: text(2048),
    /** ISO 8601: the creating call's time. */
    createdAt: text(40),
    /** The event that created the item: the creating call, a reconcile, or trust on first use. */
    eventId: text(256),
    /** `event` (enforce saw the clone's birth), `reconcile`, or `trust-on-first-use` (its tags). */
    origin: z.enum(['event', 'reconcile', 'trust-on-first-use']),
    /** The rule ids it broke that mark it (action `tag` or `quarantine`). */
    ruleIds: z.array(text(128)).check(z.maxLength(100)),
    /** Share tokens quarantine removed (`u=…`, `g=all`, …; an image's disks as `snap-…:u=…`). */
    quarantineShares: z.array(text(2100)).check(z.maxLength(1000)),
    /** An image's disks, which carry its tags. */
    backingSnapshotIds: z.array(text(64)).check(z.maxLength(100)),
    /** `YYYY-MM-DD`: prune's mark. */
    pruneAfter: z.optional(text(40)),
    release: z.optional(z.object({ by: text(2048), reason: text(1024), at: text(40) })),
    /** Epoch seconds after which DynamoDB's TTL removes a closed item (the policy's retention). */
    expiresAt: z.optional(z.number().check(z.int())),
    history: z.array(ledgerHistoryEntrySchema()).check(z.maxLength(LEDGER_HISTORY_LIMIT)),
  });
export type LedgerItem = z.infer<ReturnType<typeof ledgerItemSchema>>;
type LedgerHistoryEntry = LedgerItem['history'][number];

/** Built on the first item read, not at import: a function's cold start does not pay for it. */
let ledgerItemChecker: ReturnType<typeof ledgerItemSchema> | undefined;

/** An item read from the table, checked against its schema; throws zod's error when it does not fit. */
export function parseLedgerItem(item: unknown): LedgerItem {
  ledgerItemChecker ??= ledgerItemSchema();
  return ledgerItemChecker.parse(item);
}

/** Days a closed item is kept for the audit when the policy does not say (`ledgerRetentionDays`). */
export const LEDGER_RETENTION_DAYS = 400;

/** The change that closes an item: the clone is gone; DynamoDB's TTL removes it after the retention. */
export function closingChange(cause: { eventId: string; at: string; by?: string }, retentionDays: number) {
  const expiresAt = Math.floor(Date.parse(cause.at) / 1000) + retentionDays * 86_400;
  return { ...cause, status: 'closed', note: 'deleted', set: { expiresAt } } satisfies LedgerChange;
}

/** Where an item lives: the owning account, the region and the clone's id. */
export interface LedgerKey {
  account: string;
  region: string;
  id: string;
}

/** The partition key of a region's items. */
export const ledgerPartition = (account: string, region: string): string => `${account}#${region}`;

/** A change to an item: the status it moves to (or keeps), and the fields it sets. */
export interface LedgerChange {
  status?: LedgerStatus;
  eventId: string;
  at: string;
  by?: string;
  note?: string;
  set?: Partial<Pick<LedgerItem, 'ruleIds' | 'quarantineShares' | 'pruneAfter' | 'release' | 'expiresAt'>>;
  /** Field names to remove, e.g. `pruneAfter` when a mark is lifted. */
  unset?: ('pruneAfter' | 'expiresAt')[];
}

/**
 * The item after `change`: version raised by one, and the change in the history when the status
 * moves or a note says why (the history keeps the latest {@link LEDGER_HISTORY_LIMIT}).
 */
export function withChange(item: LedgerItem, change: LedgerChange): LedgerItem {
  const status = change.status ?? item.status;
  const next: LedgerItem = { ...item, ...change.set, status, version: item.version + 1 };
  for (const field of change.unset ?? []) delete next[field];
  if (status !== item.status || change.note) {
    const entry: LedgerHistoryEntry = {
      at: change.at,
      status,
      eventId: change.eventId,
      ...(change.by ? { by: change.by } : {}),
      ...(change.note ? { note: change.note } : {}),
    };
    next.history = [...item.history, entry].slice(-LEDGER_HISTORY_LIMIT);
  }
  return next;
}

/** When the item last entered `quarantined`, from its history; undefined when not known. */
export function quarantinedSince(item: LedgerItem): string | undefined {
  if (item.status !== 'quarantined') return undefined;
  let since: string | undefined;
  for (const entry of item.history) {
    if (entry.status !== 'quarantined') since = undefined;
    else since ??= entry.at;
  }
  return since;
}

/**
 * Whether the ledger holds the clone as quarantined. The one question the sharing family asks
 * of a new share (ModifyImageAttribute / ModifySnapshotAttribute): a share on a clone the ledger
 * holds as quarantined is put back, whatever its tags say.
 */
export function isQuarantinedInLedger(item: LedgerItem | undefined): boolean {
  return item?.status === 'quarantined';
}

/**
 * The ledger item that decides for a clone, from its own item and, for a snapshot that is a disk
 * of our images, those images' items: its own when it is quarantined; else an image's that is
 * quarantined (an image's quarantine covers its disks); else its own; else the first image's. A
 * closed image's item no longer speaks for its disks. Enforce and the audit both decide by it.
 */
export function governingOf(
  own: LedgerItem | undefined,
  images: readonly LedgerItem[],
): LedgerItem | undefined {
  if (isQuarantinedInLedger(own)) return own;
  const open = images.filter((item) => item.status !== 'closed');
  return open.find(isQuarantinedInLedger) ?? own ?? open[0];
}

/** The shares recorded for `resourceId` (the item's own, or one of its disks'). */
export function ledgerSharesOf(item: LedgerItem, resourceId: string): string[] {
  if (resourceId === item.id) return item.quarantineShares.filter((token) => !token.includes(':'));
  const prefix = `${resourceId}:`;
  return item.quarantineShares.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length));
}

/**
 * The `clonewarden:` tags the ledger says the clone (and its disks) should carry: written from
 * the item, never read back into it. The share tags are the image's or snapshot's own.
 */
export function mirrorTags(item: LedgerItem, resourceId: string = item.id): Record<string, string> {
  if (item.status === 'closed') return {};
  const tags: Record<string, string> = {
    [TAG.createdBy]: fitTagValue(item.createdBy),
    [TAG.createdAt]: item.createdAt,
    [TAG.eventId]: fitTagValue(item.eventId),
    [TAG.source]: item.lineage.source,
    [TAG.parent]: item.lineage.parent,
    [TAG.root]: item.lineage.root,
    [TAG.generation]: String(item.lineage.generation),
    [TAG.status]: item.status,
  };
  if (item.ruleIds.length > 0) tags[TAG.violations] = joinIdsForTag(item.ruleIds);
  // Prune marks the clone itself; its disks go with it and carry no mark of their own.
  if (item.pruneAfter && resourceId === item.id) tags[TAG.pruneAfter] = item.pruneAfter;
  if (item.status === 'quarantined') {
    const shares = tokensToShares(ledgerSharesOf(item, resourceId));
    encodeShares(shares)
      .slice(0, MAX_SHARE_TAGS)
      .forEach((value, index) => {
        tags[shareTagKey(index)] = value;
      });
  }
  return tags;
}

/** The keys clonewarden compares: those it writes and the ones only a forger would add. */
const GUARDED_KEYS = new Set<string>([
  TAG.status,
  TAG.violations,
  TAG.parent,
  TAG.root,
  TAG.generation,
  TAG.source,
  TAG.pruneAfter,
  ...Array.from({ length: MAX_SHARE_TAGS }, (_, index) => shareTagKey(index)),
]);

/** One `clonewarden:` tag whose value is not the ledger's. */
interface TagDisagreement {
  key: string;
  /** The value on the resource; absent when the tag was removed. */
  found?: string;
  /** The ledger's value; absent when the ledger says there should be no such tag. */
  expected?: string;
}

/**
 * The guarded `clonewarden:` tags on a resource that disagree with the ledger: changed, added or
 * removed. Informational keys (who created it, when, which event) are user-visible only and are
 * rewritten with the rest, but do not by themselves count as tampering.
 */
export function tagsDisagreeing(item: LedgerItem, tags: Record<string, string>, resourceId = item.id) {
  const expected = mirrorTags(item, resourceId);
  const keys = new Set([
    ...Object.keys(expected).filter((key) => GUARDED_KEYS.has(key)),
    ...Object.keys(tags).filter((key) => key.startsWith(TAG_PREFIX)),
  ]);
  const disagreements: TagDisagreement[] = [];
  for (const key of [...keys].sort()) {
    if (!GUARDED_KEYS.has(key) && !(key in expected) && key.startsWith(TAG_PREFIX)) {
      disagreements.push({ key, found: tags[key]! });
    } else if (GUARDED_KEYS.has(key) && tags[key] !== expected[key]) {
      disagreements.push({
        key,
        ...(tags[key] !== undefined ? { found: tags[key] } : {}),
        ...(expected[key] !== undefined ? { expected: expected[key] } : {}),
      });
    }
  }
  return disagreements;
}

/** What is known of a clone that carries `clonewarden:` tags but has no item yet. */
export interface TaggedClone {
  account: string;
  region: string;
  id: string;
  kind: LedgerItem['kind'];
  tags: Record<string, string>;
  createdAt?: string;
  backingSnapshotIds: string[];
}

/**
 * An item taken in from an existing install's tags (trust on first use): the tags are believed
 * once, as they stand the first time the ledger sees the clone, and the history says so. From
 * then on the ledger decides and the tags only mirror it.
 */
export function trustOnFirstUse(clone: TaggedClone, now: string): LedgerItem {
  const { tags } = clone;
  const status = (LEDGER_STATUSES as readonly string[]).includes(tags[TAG.status] ?? '')
    ? (tags[TAG.status] as LedgerStatus)
    : 'compliant';
  const eventId = `trust-on-first-use-${clone.id}`;
  const recordedShares = Array.from({ length: MAX_SHARE_TAGS }, (_, i) => tags[shareTagKey(i)] ?? '')
    .join(' ')
    .split(' ')
    .filter(Boolean);
  return {
    pk: ledgerPartition(clone.account, clone.region),
    id: clone.id,
    account: clone.account,
    region: clone.region,
    kind: clone.kind,
    version: 1,
    status,
    lineage: {
      source: tags[TAG.source] ?? 'unknown',
      parent: tags[TAG.parent] ?? 'unknown',
      root: tags[TAG.root] ?? 'unknown',
      generation: /^[1-9][0-9]{0,3}$/.test(tags[TAG.generation] ?? '') ? Number(tags[TAG.generation]) : 1,
    },
    createdBy: tags[TAG.createdBy] ?? 'unknown (taken in from tags)',
    createdAt: tags[TAG.createdAt] ?? clone.createdAt ?? now,
    eventId: tags[TAG.eventId] ?? eventId,
    origin: 'trust-on-first-use',
    ruleIds: (tags[TAG.violations] ?? '').split(',').filter((id) => id && !id.startsWith('+')),
    quarantineShares: status === 'quarantined' ? recordedShares : [],
    backingSnapshotIds: clone.backingSnapshotIds,
    ...(tags[TAG.pruneAfter] ? { pruneAfter: tags[TAG.pruneAfter] } : {}),
    history: [
      {
        at: now,
        status,
        eventId,
        note: 'trusted on first use: taken in from the clone’s clonewarden: tags, which were not verified',
      },
    ],
  };
}

/** Share tokens (`u=…`, `g=all`, …) as shares; a token of no known kind is dropped, never guessed. */
export function tokensToShares(tokens: readonly string[]): Share[] {
  return decodeShares([tokens.join(' ')]);
}
