import type * as z from 'zod/mini';
import { compileArnGlob } from '../model/arn-glob.js';
import { EventNotSupportedError } from '../model/errors.js';
import type { CloneEvent } from '../model/types.js';
import {
  CLOUDTRAIL_DETAIL_TYPE,
  type CloudTrailRecord,
  CloudTrailRecordHeaderSchema,
  CloudTrailRecordSchema,
  EC2_EVENTBRIDGE_SOURCE,
  EventBridgeCloudTrailSchema,
  EventBridgeSchema,
  MAX_ID_LENGTH,
} from './cloudtrail-schema.js';
import {
  familyOfDetailType,
  type GovernedDetailType,
  type GovernedEventName,
  isGovernedDetailType,
  isGovernedEventName,
  readGovernedRecord,
} from './event-table.js';
import type { EnvelopeFacts } from './families/state-change.js';
import { type ParsedInput, type RecordSummary, rejected, skipped, withPrefix } from './parsed-input.js';
import { resolvePrincipal } from './resolve-principal.js';

/** Options for {@link parseCloneEvent}. */
export interface ParseCloneEventOptions {
  /**
   * IAM role ARN globs for the enforcer itself (e.g. from `CLONEWARDEN_ENFORCER_ROLE_ARN`). Calls
   * whose resolved principal ARN matches one are skipped, so the enforcer never judges its own work.
   */
  enforcerPrincipals?: readonly string[];
}

/** At most this many problems are listed for one rejected record. */
export const MAX_REPORTED_ISSUES = 20;

const EC2_EVENT_SOURCE = 'ec2.amazonaws.com';

/**
 * Turns a bare CloudTrail record or an EventBridge envelope into a normalised governed event: a
 * {@link CloneEvent}, or EC2's own `EC2 AMI State Change` event.
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
  const opened = isEnvelope ? openEnvelope(input) : { detail: input };
  if ('kind' in opened) return opened;
  if (opened.detailType) {
    return familyOfDetailType(opened.detailType).read(opened.detailType, opened.envelope);
  }
  const pathPrefix = isEnvelope ? 'detail' : '';

  const screened = screenHeader(opened.detail, pathPrefix, opened.account);
  if ('kind' in screened) return screened;
  const { eventName, summary, account } = screened;

  const parsed = parseRecord(input, isEnvelope);
  if (!parsed.success) {
    return rejected('the record does not fit the CloudTrail schema', issuesOf(parsed.error), summary);
  }
  const record = parsed.record;
  if (!account) {
    return rejected(
      `${eventName} without an account: cannot tell whose clone it is`,
      [
        `${withPrefix(pathPrefix, 'recipientAccountId')}: is missing, and neither the EventBridge envelope's account nor userIdentity.accountId names the account`,
      ],
      summary,
    );
  }

  const principal = resolvePrincipal(record.userIdentity);
  if (principal.arn && matchesAny(options.enforcerPrincipals ?? [], principal.arn)) {
    return skipped(`call made by the enforcer itself (${principal.arn})`, summary);
  }
  return readGovernedRecord(eventName, record, principal, { pathPrefix, summary, account });
}

/** What an EventBridge envelope holds: a CloudTrail record, or an event of a governed detail-type. */
type OpenedEnvelope =
  | { detail: unknown; account?: string; detailType?: undefined }
  | { detail: unknown; detailType: GovernedDetailType; envelope: EnvelopeFacts };

/**
 * The CloudTrail record inside an EventBridge envelope, or EC2's own event when its
 * `detail-type` is a governed one (the envelope's detail-type decides), or why there is none.
 */
function openEnvelope(input: unknown): OpenedEnvelope | ParsedInput {
  const envelope = EventBridgeSchema.safeParse(input);
  if (!envelope.success)
    return rejected('the EventBridge envelope does not fit its schema', issuesOf(envelope.error));
  const { source, 'detail-type': detailType } = envelope.data;
  if (source !== EC2_EVENTBRIDGE_SOURCE) return skipped(`EventBridge source ${quote(source)} is not aws.ec2`);
  if (isGovernedDetailType(detailType)) {
    const { id, time, region, account, detail } = envelope.data;
    return { detail, detailType, envelope: { id, time, region, account, detail } };
  }
  if (detailType !== CLOUDTRAIL_DETAIL_TYPE) {
    return skipped(
      `EventBridge detail-type ${quote(detailType)} is neither "${CLOUDTRAIL_DETAIL_TYPE}" nor one clonewarden governs`,
    );
  }
  return {
    detail: envelope.data.detail,
    ...(envelope.data.account ? { account: envelope.data.account } : {}),
  };
}

/**
 * The header first: a failed call or another service's event is skipped whatever the rest holds.
 * Gives the governed event's name and what is known for reports, or why the record is not read.
 */
function screenHeader(
  detail: unknown,
  pathPrefix: string,
  envelopeAccount: string | undefined,
): { eventName: GovernedEventName; summary: RecordSummary; account?: string } | ParsedInput {
  const header = CloudTrailRecordHeaderSchema.safeParse(detail);
  if (!header.success) {
    return rejected('the record does not fit the CloudTrail schema', issuesOf(header.error, pathPrefix));
  }
  // Records before eventVersion 1.02 have no recipientAccountId: the envelope or the caller names it.
  const account = envelopeAccount ?? header.data.recipientAccountId ?? callerAccountOf(detail);
  const summary: RecordSummary = withoutUndefined({
    eventId: header.data.eventID ?? undefined,
    eventName: header.data.eventName,
    region: header.data.awsRegion,
    account,
  });
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
  return { eventName, summary, ...(account ? { account } : {}) };
}

/** The whole input against its schema, so that issue paths read from the input's own root. */
function parseRecord(
  input: unknown,
  isEnvelope: boolean,
): { success: true; record: CloudTrailRecord } | { success: false; error: z.core.$ZodError } {
  if (isEnvelope) {
    const envelope = EventBridgeCloudTrailSchema.safeParse(input);
    return envelope.success ? { success: true, record: envelope.data.detail } : envelope;
  }
  const bare = CloudTrailRecordSchema.safeParse(input);
  return bare.success ? { success: true, record: bare.data } : bare;
}

/** `userIdentity.accountId`, when the record names one of a sane length. */
function callerAccountOf(detail: unknown): string | undefined {
  const identity = isPlainObject(detail) ? detail.userIdentity : undefined;
  const accountId = isPlainObject(identity) ? identity.accountId : undefined;
  return typeof accountId === 'string' && accountId.length > 0 && accountId.length <= MAX_ID_LENGTH
    ? accountId
    : undefined;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

function matchesAny(globs: readonly string[], arn: string): boolean {
  // An empty glob would match only an unknown caller's empty ARN; ignore it.
  return globs.some((glob) => glob.length > 0 && compileArnGlob(glob)(arn));
}

/** zod issues as `path: message` lines, at most {@link MAX_REPORTED_ISSUES} of them. */
function issuesOf(error: z.core.$ZodError, pathPrefix = ''): string[] {
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
