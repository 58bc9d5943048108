import * as z from 'zod/mini';
import '../model/zod-english.js';

/** Longest id-like value we accept: event ids, account ids, principal ids, resource ids. */
export const MAX_ID_LENGTH = 256;
/** Longest `eventName`. */
const MAX_EVENT_NAME_LENGTH = 128;
/** Longest ARN (IAM allows role paths of up to 512 characters; ARNs in general up to 2048). */
const MAX_ARN_LENGTH = 2048;
/** Longest free-text value we read (names, descriptions, tag keys and values, user agents). */
export const MAX_TEXT_LENGTH = 4096;

const idString = z
  .string()
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`),
  );
const arnString = z
  .string()
  .check(z.maxLength(MAX_ARN_LENGTH, `must be at most ${MAX_ARN_LENGTH} characters`));

/**
 * Policy globs (principals, exemptions, the enforcer's own role) are matched against these, so a
 * caller must not be able to put glob syntax in them. IAM and STS names never contain `*`, `?`,
 * `[` or `]` (IAM "Names": `[\w+=,.@-]`), so a record that does was not written by CloudTrail.
 */
const NO_GLOB = /^[^*?[\]]*$/;
const NO_GLOB_MESSAGE = 'must not contain the glob characters * ? [ ]: CloudTrail never writes them here';
const principalArn = arnString.check(z.regex(NO_GLOB, NO_GLOB_MESSAGE));
const principalId = idString.check(z.regex(NO_GLOB, NO_GLOB_MESSAGE));
const textString = z
  .string()
  .check(z.maxLength(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`));

/**
 * Caller-controlled text we only carry along. It is cut to {@link MAX_TEXT_LENGTH} rather than
 * rejected: the caller chooses its own User-Agent, and a long one must not make a record unusable,
 * or it would become a way to slip a clone past the enforcer.
 */
const carriedText = z.pipe(
  z.string(),
  z.transform((text: string) => (text.length > MAX_TEXT_LENGTH ? text.slice(0, MAX_TEXT_LENGTH) : text)),
);

/** `us-east-1`, `eu-north-1`, `us-gov-west-1`, … (loose: test partitions invent regions too). */
export const REGION_PATTERN = /^[a-z]{2,}(-[a-z0-9]+){1,4}$/;
const regionString = z
  .string()
  .check(z.maxLength(64, 'must be at most 64 characters'), z.regex(REGION_PATTERN, 'expected an AWS region'));

const ISO_OR_SPACED_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * `eventTime`: ISO 8601 (`2026-03-25T16:30:25Z`) or the `2022-09-29 22:25:17` form some exports
 * use, which is UTC. Normalised to ISO 8601 in UTC, without milliseconds when they are zero.
 */
export const EventTimeSchema = z.pipe(
  z.string().check(z.maxLength(64, 'must be at most 64 characters')),
  z.transform((text: string, ctx) => {
    const match = ISO_OR_SPACED_TIME.exec(text);
    const date = match ? new Date(`${match[1]}T${match[2]}${match[3] ?? 'Z'}`) : undefined;
    // Date rolls 2026-02-30 over into March; compare the day back to catch it.
    if (
      !match ||
      !date ||
      Number.isNaN(date.getTime()) ||
      (!match[3] && date.toISOString().slice(0, 10) !== match[1])
    ) {
      ctx.issues.push({
        code: 'custom',
        input: text,
        message: 'expected an ISO 8601 time such as 2026-03-25T16:30:25Z or 2026-03-25 16:30:25',
      });
      return z.NEVER;
    }
    return date.toISOString().replace('.000Z', 'Z');
  }),
);

/** `userIdentity.sessionContext.sessionIssuer`: the role (or user) that issued temporary credentials. */
const SessionIssuerSchema = z.looseObject({
  type: z.nullish(idString),
  principalId: z.nullish(principalId),
  arn: z.nullish(principalArn),
  accountId: z.nullish(principalId),
  userName: z.nullish(principalId),
});

/** CloudTrail `userIdentity`; only the fields clonewarden reads are checked, the rest pass through. */
export const UserIdentitySchema = z.looseObject({
  type: z.nullish(
    z
      .string()
      .check(z.maxLength(MAX_EVENT_NAME_LENGTH, `must be at most ${MAX_EVENT_NAME_LENGTH} characters`)),
  ),
  principalId: z.nullish(principalId),
  arn: z.nullish(principalArn),
  accountId: z.nullish(principalId),
  userName: z.nullish(principalId),
  invokedBy: z.nullish(principalId),
  sessionContext: z.nullish(
    z.looseObject({
      sessionIssuer: z.nullish(SessionIssuerSchema),
    }),
  ),
});

/**
 * One CloudTrail record of an API call (`eventType: AwsApiCall`), bare or as an EventBridge
 * `detail`. Strict about the fields clonewarden relies on, permissive about the rest.
 *
 * `requestParameters` and `responseElements` stay opaque here: their shape depends on the API and
 * on how EC2 logged it, so the event table reads them with tolerant accessors.
 */
const CloudTrailRecordFields = z.looseObject({
  eventVersion: z.nullish(idString),
  // Required from eventVersion 1.01 on (see requireEventId); CloudTrail's 1.0 records of 2014 lack it.
  eventID: z.nullish(idString),
  eventTime: EventTimeSchema,
  eventSource: idString,
  eventName: z
    .string()
    .check(
      z.minLength(1, 'must not be empty'),
      z.maxLength(MAX_EVENT_NAME_LENGTH, `must be at most ${MAX_EVENT_NAME_LENGTH} characters`),
    ),
  awsRegion: regionString,
  // Absent before eventVersion 1.02: the account then comes from the envelope or the caller.
  recipientAccountId: z.nullish(idString),
  userIdentity: z.nullish(UserIdentitySchema),
  requestParameters: z.nullish(z.record(z.string(), z.unknown())),
  responseElements: z.nullish(z.record(z.string(), z.unknown())),
  errorCode: z.nullish(idString),
  errorMessage: z.nullish(carriedText),
  userAgent: z.nullish(carriedText),
  sourceIPAddress: z.nullish(textString),
});

/**
 * CloudTrail writes `eventID` in every record from eventVersion 1.01 on; only a record that says it
 * is older (`1.0`) may lack it. A record without `eventVersion` is held to the current format.
 */
function requireEventId(
  record: { eventVersion?: string | null; eventID?: string | null },
  ctx: z.core.$RefinementCtx,
): void {
  if (record.eventID != null || /^1\.0*$/.test(record.eventVersion ?? '')) return;
  ctx.addIssue({
    code: 'custom',
    path: ['eventID'],
    message: `Invalid input: expected string, received ${record.eventID === null ? 'null' : 'undefined'}`,
  });
}

/** {@link CloudTrailRecordFields}, with `eventID` required where CloudTrail always writes it. */
export const CloudTrailRecordSchema = CloudTrailRecordFields.check(z.superRefine(requireEventId));

/** The subset of a record needed to decide whether to skip it, checked before the rest. */
export const CloudTrailRecordHeaderSchema = z
  .pick(CloudTrailRecordFields, {
    eventVersion: true,
    eventID: true,
    eventSource: true,
    eventName: true,
    awsRegion: true,
    recipientAccountId: true,
    errorCode: true,
  })
  .check(z.superRefine(requireEventId));

/** The EventBridge `detail-type` of CloudTrail API-call events. */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
/** The EventBridge `source` of EC2 events. */
export const EC2_EVENTBRIDGE_SOURCE = 'aws.ec2';

/**
 * The EventBridge envelope, field for field as Powertools' parser defines it
 * (`@aws-lambda-powertools/parser/schemas/eventbridge`). It is declared here rather than
 * imported because that module does `import { z } from 'zod'`, which defeats tree-shaking and
 * adds ~370 KB (every zod locale) to the Lambda bundle: measured in bench/bundle-import.ts.
 */
export const EventBridgeSchema = z.object({
  version: z.string(),
  id: z.string(),
  source: z.string(),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  detail: z.unknown(),
  'replay-name': z.optional(z.string()),
});

/**
 * An EC2 CloudTrail API-call event as EventBridge delivers it: the envelope with a
 * {@link CloudTrailRecordSchema} `detail`.
 */
export const EventBridgeCloudTrailSchema = z.extend(EventBridgeSchema, {
  'detail-type': z.literal(CLOUDTRAIL_DETAIL_TYPE),
  source: z.literal(EC2_EVENTBRIDGE_SOURCE),
  detail: CloudTrailRecordSchema,
});

/** A validated CloudTrail record, `eventTime` normalised to ISO 8601. */
export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;
/** A validated CloudTrail `userIdentity`. */
export type UserIdentity = z.infer<typeof UserIdentitySchema>;
