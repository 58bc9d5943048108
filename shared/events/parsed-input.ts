import type { GovernedEvent } from '../model/types.js';
import type { CloudTrailRecord } from './cloudtrail-schema.js';

/** What is known about a record that was not turned into an event, for reports. */
export interface RecordSummary {
  eventId?: string;
  eventName?: string;
  region?: string;
  account?: string;
}

/**
 * The outcome of {@link parseCloneEvent}:
 * - `event`: a governed event, read by its family (a creation made clones; `record` is the
 *   CloudTrail record, absent for EC2's own events such as `EC2 AMI State Change`);
 * - `skipped`: a well-formed record that needs no verdict (failed or dry-run call, another service,
 *   an event that is not governed, the enforcer's own call);
 * - `rejected`: input that is not a usable record, with one `path: message` line per problem.
 */
export type ParsedInput =
  | { kind: 'event'; event: GovernedEvent; record?: CloudTrailRecord }
  | ({ kind: 'skipped'; reason: string } & RecordSummary)
  | ({ kind: 'rejected'; reason: string; issues: string[] } & RecordSummary);

/** Where a rejection's issues point, and what is known about the record for reports. */
export interface RecordContext {
  pathPrefix: string;
  summary: RecordSummary;
  /** Whose clone it is: the envelope's account, else recipientAccountId, else the caller's. */
  account: string;
}

/** A well-formed record that needs no verdict, and why. */
export function skipped(reason: string, summary: RecordSummary = {}): ParsedInput {
  return { kind: 'skipped', reason, ...summary };
}

/** Input that is not a usable record, with one `path: message` line per problem. */
export function rejected(reason: string, issues: string[], summary: RecordSummary = {}): ParsedInput {
  return { kind: 'rejected', reason, issues, ...summary };
}

/** `prefix.path`, or `path` alone for a bare record. */
export function withPrefix(prefix: string, path: string): string {
  if (!prefix) return path;
  return path ? `${prefix}.${path}` : prefix;
}
