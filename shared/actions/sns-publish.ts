import type { MessageAttributeValue, PublishCommandInput } from '@aws-sdk/client-sns';
import { SUBJECT_MAX_LENGTH, sanitizeSubject, sanitizeUserText } from './sanitize-text.js';

/**
 * The one size rule for every publish: SNS rejects a message over 256 KiB, "262,144 bytes, not
 * 262,144 characters" (Publish, SNS API reference), and "all parts of the message attribute,
 * including name, type, and value, are included in the message size restriction"
 * (MessageAttributeValue, SNS API reference). {@link publishBytes} counts exactly that, plus
 * the subject, whose few bytes buy certainty.
 */
export const SNS_PUBLISH_MAX_BYTES = 262_144;

/** How much of each list and string one attempt keeps; see {@link SHRINK_LEVELS}. */
export interface ShrinkLevel {
  /** Items each list of the JSON document keeps. */
  listItems: number;
  /** Code points each user string of the JSON document keeps. */
  leafMax: number;
  /** Items each list of the e-mail text shows before "and N more". */
  textItems: number;
}

/** How many items of a list the e-mail text shows while the message fits. */
const TEXT_LIST_LIMIT = 50;

/**
 * The one shrinking strategy: ever smaller alerts, tried in turn until one fits. The JSON goes
 * into four protocol keys, so it shrinks first; the e-mail text keeps its 50 items as long as
 * possible. The last level lists no JSON items and three per text list: a few tens of KB
 * whatever the content, so it is the smallest alert, never too big.
 */
export const SHRINK_LEVELS: readonly ShrinkLevel[] = [
  { listItems: Number.POSITIVE_INFINITY, leafMax: 1024, textItems: TEXT_LIST_LIMIT },
  { listItems: 500, leafMax: 1024, textItems: TEXT_LIST_LIMIT },
  { listItems: 200, leafMax: 512, textItems: TEXT_LIST_LIMIT },
  { listItems: 100, leafMax: 512, textItems: TEXT_LIST_LIMIT },
  { listItems: 50, leafMax: 256, textItems: TEXT_LIST_LIMIT },
  { listItems: 20, leafMax: 256, textItems: TEXT_LIST_LIMIT },
  { listItems: 10, leafMax: 128, textItems: TEXT_LIST_LIMIT },
  { listItems: 10, leafMax: 128, textItems: 20 },
  { listItems: 0, leafMax: 64, textItems: 10 },
  { listItems: 0, leafMax: 64, textItems: 3 },
];

/** What one alert says, per reader, at one shrink level. */
interface AlertContent {
  /** Plain text for e-mail and every protocol without its own key (`default`). */
  text: string;
  /** The JSON document for SQS, Lambda and HTTP(S) subscribers. */
  document: unknown;
  /** An AWS Chatbot custom notification; when given, the `https` key carries it instead. */
  chat?: unknown;
}

export interface SnsAlert {
  topicArn: string;
  /** Made with {@link fitSubject}. An empty subject is left out. */
  subject: string;
  attributes: Record<string, MessageAttributeValue>;
  /** The content at a shrink level; called with smaller levels until the publish fits. */
  content(level: ShrinkLevel): AlertContent;
}

/**
 * The `PublishCommandInput` of an alert, enforce's, prune's or release's: one message per
 * protocol (`MessageStructure: json`) and the smallest shrink level's content that keeps the
 * whole publish within {@link SNS_PUBLISH_MAX_BYTES}.
 *
 * @example
 * await sns.send(new PublishCommand(buildSnsPublish({ topicArn, subject, attributes, content })));
 */
export function buildSnsPublish(alert: SnsAlert): PublishCommandInput {
  let input: PublishCommandInput | undefined;
  for (const level of SHRINK_LEVELS) {
    input = publishInput(alert, alert.content(level));
    if (publishBytes(input) <= SNS_PUBLISH_MAX_BYTES) return input;
  }
  return input as PublishCommandInput;
}

function publishInput(alert: SnsAlert, content: AlertContent): PublishCommandInput {
  const json = JSON.stringify(content.document);
  const https = content.chat === undefined ? json : JSON.stringify(content.chat);
  const message = { default: content.text, email: content.text, sqs: json, lambda: json, https, http: json };
  return {
    TopicArn: alert.topicArn,
    MessageStructure: 'json',
    Message: JSON.stringify(message),
    MessageAttributes: alert.attributes,
    ...(alert.subject ? { Subject: alert.subject } : {}),
  };
}

/** The bytes SNS counts against its limit: the message, each attribute's name, type and value, and the subject. */
export function publishBytes(input: PublishCommandInput): number {
  let bytes = Buffer.byteLength(input.Message ?? '') + Buffer.byteLength(input.Subject ?? '');
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += Buffer.byteLength(value.StringValue ?? '') + (value.BinaryValue?.byteLength ?? 0);
  }
  return bytes;
}

/** SNS rejects an attribute with an empty value, so a missing one is sent as this. */
const MISSING = 'unknown';

/** A `String` message attribute for subscription filters: sanitised, never empty. */
export function stringAttribute(value: unknown, maxLength = 64): MessageAttributeValue {
  return { DataType: 'String', StringValue: sanitizeUserText(value, maxLength) || MISSING };
}

/** Every subject ends with this when there is room: a mail filter's handle. */
const SUBJECT_TAG = '[clonewarden]';

/**
 * A subject from its facts, in order, then the optional parts (e.g. `~$12/month`) each while
 * it fits, then {@link SUBJECT_TAG} if it still fits. SNS wants subjects "less than 100
 * characters long" (Publish, SNS API reference): the facts are chosen so that the longest real
 * ones fit (see docs/alerts.md); only absurd input is cut, at the end, with `...`.
 */
export function fitSubject(facts: readonly string[], optional: readonly string[] = []): string {
  let subject = sanitizeSubject(facts.filter(Boolean).join(' '));
  for (const part of [...optional, SUBJECT_TAG].map(sanitizeSubject)) {
    const longer = subject ? `${subject} ${part}` : part;
    if (part && longer.length <= SUBJECT_MAX_LENGTH) subject = longer;
  }
  return subject;
}
