import type { z } from 'zod';
import { compileArnGlob } from '../model/arn-glob.js';
import { EventNotSupportedError, EventValidationError } from '../model/errors.js';
import type { CloneEvent } from '../model/types.js';
import {
  CLOUDTRAIL_DETAIL_TYPE,
  type CloudTrailRecord,
  CloudTrailRecordHeaderSchema,
  CloudTrailRecordSchema,
  EC2_EVENTBRIDGE_SOURCE,
  EventBridgeCloudTrailSchema,
  EventBridgeSchema,
} from './cloudtrail-schema.js';
import {
  EVENT_TABLE,
  extractRequestDetails,
  extractRequestedTags,
  isGovernedEventName,
} from './event-table.js';
import { resolvePrincipal } from './resolve-principal.js';

/** Options for {@link parseCloneEvent}. */
export interface ParseCloneEventOptions {
  /**
   * IAM role ARN globs for the enforcer itself (e.g. from `CLONEWARDEN_ENFORCER_ROLE_ARN`). Calls
   * whose resolved principal ARN matches one are skipped, so the enforcer never judges its own work.
   */
  enforcerPrincipals?: readonly string[];
}

/** What is known about a record that was not turned into an event, for reports. */
export interface RecordSummary {
  eventId?: string;
  eventName?: string;
  region?: string;
  account?: string;
}

/**
 * The outcome of {@link parseCloneEvent}:
 * - `event`: a governed call that created clones;
 * - `skipped`: a well-formed record that needs no verdict (failed or dry-run call, another service,
 *   an event that is not governed, the enforcer's own call);
 * - `rejected`: input that is not a usable record, with one `path: message` line per problem.
 */
export type ParsedInput =
  | { kind: 'event'; event: CloneEvent; record: CloudTrailRecord }
  | ({ kind: 'skipped'; reason: string } & RecordSummary)
  | ({ kind: 'rejected'; reason: string; issues: string[] } & RecordSummary);

/** At most this many problems are listed for one rejected record. */
export const MAX_REPORTED_ISSUES = 20;

const EC2_EVENT_SOURCE = 'ec2.amazonaws.com';

/**
 * Turns a bare CloudTrail record or an EventBridge envelope into a normalised {@link CloneEvent}.
 * Never throws for bad input: every problem becomes a `skipped` or `rejected` result.
 *
 * @example
 * const parsed = parseCloneEvent(event, { enforcerPrincipals: resolveSettings().enforcerPrincipals });
 * if (parsed.kind === 'event') evaluate(parsed.event);
 */
export function parseCloneEvent(input: unknown, options: ParseCloneEventOptions = {}): ParsedInput {
  if (!isPlainObject(input)) {
    return rejected('input is not a JSON object', [`(root): expected an object, got ${describeType(input)}`]);
  }

  const isEnvelope = Object.hasOwn(input, 'detail') && Object.hasOwn(input, 'detail-type');
  let detail: unknown = input;
  if (isEnvelope) {
    const envelope = EventBridgeSchema.safeParse(input);
    if (!envelope.success)
      return rejected('the EventBridge envelope does not fit its schema', issuesOf(envelope.error));
    const { source, 'detail-type': detailType } = envelope.data;
    if (source !== EC2_EVENTBRIDGE_SOURCE)
      return skipped(`EventBridge source ${quote(source)} is not aws.ec2`);
    if (detailType !== CLOUDTRAIL_DETAIL_TYPE) {
      return skipped(`EventBridge detail-type ${quote(detailType)} is not "${CLOUDTRAIL_DETAIL_TYPE}"`);
    }
    detail = envelope.data.detail;
  }
  const pathPrefix = isEnvelope ? 'detail' : '';

  // The header first: a failed call or another service's event is skipped whatever the rest holds.
  const header = CloudTrailRecordHeaderSchema.safeParse(detail);
  if (!header.success) {
    return rejected('the record does not fit the CloudTrail schema', issuesOf(header.error, pathPrefix));
  }
  const summary: RecordSummary = {
    eventId: header.data.eventID,
    eventName: header.data.eventName,
    region: header.data.awsRegion,
    account: header.data.recipientAccountId,
  };
  const { errorCode, eventSource, eventName } = header.data;
  if (errorCode) {
    // A dry run is logged as a call that failed with this code: it created nothing.
    if (/DryRunOperation$/.test(errorCode)) {
      return skipped(`dry-run call (errorCode ${errorCode}): nothing was created`, summary);
    }
    return skipped(`the call failed (errorCode ${errorCode}): nothing was created`, summary);
  }
  if (eventSource !== EC2_EVENT_SOURCE)
    return skipped(`eventSource ${eventSource} is not ${EC2_EVENT_SOURCE}`, summary);
  if (!isGovernedEventName(eventName)) return skipped(new EventNotSupportedError(eventName).message, summary);

  const parsed = parseRecord(input, isEnvelope);
  if (!parsed.success) {
    return rejected('the record does not fit the CloudTrail schema', issuesOf(parsed.error), summary);
  }
  const record = parsed.record;

  const principal = resolvePrincipal(record.userIdentity);
  if (principal.arn && matchesAny(options.enforcerPrincipals ?? [], principal.arn)) {
    return skipped(`call made by the enforcer itself (${principal.arn})`, summary);
  }

  const entry = EVENT_TABLE[eventName];
  try {
    const ids = entry.newIds(record);
    if (ids.length === 0) {
      return rejected(
        `${eventName} without a new ${entry.cloneKind} id in ${entry.newIdsAt}: cannot tell what was created`,
        [`${withPrefix(pathPrefix, entry.newIdsAt)}: is missing`],
        summary,
      );
    }
    const source = entry.source(record);
    const event: CloneEvent = {
      eventId: record.eventID,
      eventName,
      eventTime: record.eventTime,
      region: record.awsRegion,
      account: record.recipientAccountId,
      principal,
      clones: ids.map((id) => ({ kind: entry.cloneKind, id })),
      ...(source && { source }),
      requestedTags: extractRequestedTags(record),
      ...extractRequestDetails(record),
      ...(record.userAgent && { userAgent: record.userAgent }),
    };
    return { kind: 'event', event, record };
  } catch (error) {
    // Only the table's own complaint about a field is bad input; anything else is a bug.
    if (!(error instanceof EventValidationError)) throw error;
    return rejected(
      `${eventName} has a field clonewarden cannot read`,
      error.issues.map((issue) => withPrefix(pathPrefix, issue)),
      summary,
    );
  }
}

/** The whole input against its schema, so that issue paths read from the input's own root. */
function parseRecord(
  input: unknown,
  isEnvelope: boolean,
): { success: true; record: CloudTrailRecord } | { success: false; error: z.ZodError } {
  if (isEnvelope) {
    const envelope = EventBridgeCloudTrailSchema.safeParse(input);
    return envelope.success ? { success: true, record: envelope.data.detail } : envelope;
  }
  const bare = CloudTrailRecordSchema.safeParse(input);
  return bare.success ? { success: true, record: bare.data } : bare;
}

function matchesAny(globs: readonly string[], arn: string): boolean {
  // An empty glob would match only an unknown caller's empty ARN; ignore it.
  return globs.some((glob) => glob.length > 0 && compileArnGlob(glob)(arn));
}

function skipped(reason: string, summary: RecordSummary = {}): ParsedInput {
  return { kind: 'skipped', reason, ...summary };
}

function rejected(reason: string, issues: string[], summary: RecordSummary = {}): ParsedInput {
  return { kind: 'rejected', reason, issues, ...summary };
}

/** zod issues as `path: message` lines, at most {@link MAX_REPORTED_ISSUES} of them. */
function issuesOf(error: z.ZodError, pathPrefix = ''): string[] {
  const lines = error.issues
    .slice(0, MAX_REPORTED_ISSUES)
    .map((issue) => `${withPrefix(pathPrefix, formatPath(issue.path)) || '(root)'}: ${issue.message}`);
  const more = error.issues.length - MAX_REPORTED_ISSUES;
  return more > 0 ? [...lines, `… and ${more} more`] : lines;
}

/** `['detail', 'userIdentity', 'arn']` → `detail.userIdentity.arn`; `['items', 0]` → `items[0]`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`))
    .join('')
    .replace(/^\./, '');
}

function withPrefix(prefix: string, path: string): string {
  if (!prefix) return path;
  return path ? `${prefix}.${path}` : prefix;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : `a ${typeof value}`;
}

/** A quoted, bounded copy of a value from the input, for a reason string. */
function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
