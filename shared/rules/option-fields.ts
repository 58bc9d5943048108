import * as z from 'zod/mini';
import '../model/zod-english.js';

/**
 * Option fields that several rule types (and the policy schema) share, so that the same
 * mistake gets the same message wherever it is made.
 */

const POSITIVE_INTEGER = 'expected a positive integer';

/** A whole number ≥ 1, e.g. `max: 2` or `days: 180`. */
export function positiveInteger() {
  return z
    .int({
      error: (issue) => (issue.input === undefined ? `missing; ${POSITIVE_INTEGER}` : POSITIVE_INTEGER),
    })
    .check(z.positive({ error: POSITIVE_INTEGER }));
}

/** A 12-digit AWS account id (`allowed-sharing` accounts, `audit.organizationAccounts`). */
export const accountId = () =>
  z.string().check(
    z.regex(/^\d{12}$/, {
      error: (issue) => `expected a 12-digit AWS account id, got ${JSON.stringify(issue.input)}`,
    }),
  );

/**
 * A principal glob: an IAM ARN glob (`arn:aws:iam::*:role/Platform*`) or an AWS service
 * principal (`backup.amazonaws.com`). Anything else cannot match what CloudTrail reports,
 * and a bare `*` would silently match everyone.
 */
export const principalGlob = () =>
  z.string().check(
    z.refine((glob) => /^arn:/.test(glob) || /\.amazonaws\.com$/.test(glob), {
      error: (issue) =>
        `expected an IAM ARN glob such as arn:aws:iam::*:role/Platform* or a service principal such as backup.amazonaws.com, got ${JSON.stringify(issue.input)}`,
    }),
  );

/** A non-empty list of principal globs. */
export function principalGlobs() {
  return z.array(principalGlob()).check(z.minLength(1, { error: 'list at least one principal ARN glob' }));
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** A parsed date tag or option: a UTC day (`2026-10-01`) or an instant (full ISO 8601). */
export interface ParsedDate {
  /** Milliseconds since the epoch; midnight UTC for a day. */
  time: number;
  dateOnly: boolean;
}

/** Parses `YYYY-MM-DD` or a full ISO 8601 timestamp with its zone; anything else is `undefined`. */
export function parseIsoDate(value: string): ParsedDate | undefined {
  const day = DATE_ONLY.exec(value);
  if (day) {
    const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const time = Date.UTC(year, month - 1, date);
    const check = new Date(time);
    // Date.UTC rolls 2026-02-31 over to March; a real calendar day round-trips.
    if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== date) {
      return undefined;
    }
    return { time, dateOnly: true };
  }
  if (!DATE_TIME.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : { time, dateOnly: false };
}

/** A `YYYY-MM-DD` (or full ISO 8601) date, kept as the string written. */
export const isoDate = () =>
  z.string().check(
    z.refine((value) => parseIsoDate(value) !== undefined, {
      error: (issue) => `expected a date as YYYY-MM-DD, got ${JSON.stringify(issue.input)}`,
    }),
  );
