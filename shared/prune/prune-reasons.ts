import type { CloneRecord } from '../model/clone-record.js';
import { TAG } from '../model/clonewarden-tags.js';
import type { Policy } from '../policy/schema.js';

/** Why a clone may go. */
export type PruneReason = 'expired' | 'max-age' | 'quarantine-too-long';

export type PruneSettings = Policy['prune'];

const DAY_MS = 86_400_000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ISO 8601 with a time; a bare year or month is too vague to delete anything on. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Midnight UTC of a `YYYY-MM-DD` date that exists on the calendar, else undefined. */
function startOfDay(value: string): Date | undefined {
  const match = DATE_ONLY.exec(value);
  if (!match) return undefined;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value ? date : undefined;
}

function dateTime(value: string): Date | undefined {
  if (!ISO_DATE_TIME.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/**
 * The instant a clone expires. `Expiry: 2026-01-10` keeps the clone through that whole day (UTC)
 * and expires it at the next midnight; an ISO date-time expires it at that instant.
 *
 * @example
 * expiryInstant('2026-01-10')?.toISOString(); // '2026-01-11T00:00:00.000Z'
 */
export function expiryInstant(value: string): Date | undefined {
  const trimmed = value.trim();
  const day = startOfDay(trimmed);
  if (day) return new Date(day.getTime() + DAY_MS);
  return dateTime(trimmed);
}

/** When a `clonewarden:prune-after` mark falls due: from the start of that day (UTC). */
export function pruneAfterInstant(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return startOfDay(trimmed) ?? dateTime(trimmed);
}

/** `YYYY-MM-DD` of `now` plus `days`, the value of a new mark. */
export function pruneAfterDate(now: Date, days: number): string {
  return new Date(now.getTime() + days * DAY_MS).toISOString().slice(0, 10);
}

const ageInDays = (since: string | undefined, now: Date): number | undefined => {
  if (!since) return undefined;
  const time = Date.parse(since);
  return Number.isNaN(time) ? undefined : (now.getTime() - time) / DAY_MS;
};

export interface PruneCandidacy {
  reasons: PruneReason[];
  /** Things worth telling the owner, e.g. an expiry tag that is not a date. */
  notes: string[];
}

/**
 * Why a clone may be pruned, from its tags and age alone (in-use protection comes after).
 *
 * A quarantine's start is not recorded, so its length is measured from the latest thing known
 * to come before it: the clone's creation (`clonewarden:created-at`, else EC2's creation
 * time). That over-estimates the quarantine when it began later (a reconcile, say); the
 * grace period after the mark is what gives reviewers their time.
 */
export function pruneCandidacy(record: CloneRecord, settings: PruneSettings, now: Date): PruneCandidacy {
  const reasons: PruneReason[] = [];
  const notes: string[] = [];

  const expiry = record.tags[settings.expiryTag];
  if (expiry !== undefined) {
    const at = expiryInstant(expiry);
    if (!at) notes.push(`${settings.expiryTag} tag is not a date (YYYY-MM-DD or ISO 8601)`);
    else if (at.getTime() <= now.getTime()) reasons.push('expired');
  }

  const maxAge = settings.maxAgeDays[record.kind];
  const age = ageInDays(record.createdAt, now);
  if (maxAge !== undefined && age !== undefined && age > maxAge) reasons.push('max-age');

  if (record.tags[TAG.status] === 'quarantined' && settings.maxQuarantineDays !== undefined) {
    const starts = [record.tags[TAG.createdAt], record.createdAt]
      .map((value) => ageInDays(value, now))
      .filter((days): days is number => days !== undefined);
    // The most recent lower bound is the tightest: the smallest age.
    const quarantinedFor = starts.length > 0 ? Math.min(...starts) : undefined;
    if (quarantinedFor !== undefined && quarantinedFor > settings.maxQuarantineDays) {
      reasons.push('quarantine-too-long');
    }
  }
  return { reasons, notes };
}
