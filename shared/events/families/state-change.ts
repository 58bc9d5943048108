import { EventValidationError } from '../../model/errors.js';
import type { ImageStateEvent } from '../../model/types.js';
import { MAX_ID_LENGTH } from '../cloudtrail-schema.js';
import { type ParsedInput, type RecordSummary, rejected, skipped, withPrefix } from '../parsed-input.js';
import { type FieldPath, readField, readResourceId, readString, requireValue } from '../record-path.js';

/**
 * An event EC2 sends to EventBridge itself (not a CloudTrail call), named by the envelope's
 * `detail-type`; its paths start at the envelope's `detail`.
 */
interface StateChangeEntry {
  readonly family: 'state-change';
  /** The image's id. */
  readonly id: FieldPath;
  /** The new state. */
  readonly state: FieldPath;
  /** EC2's reason, for a `failed` image. */
  readonly errorMessage: FieldPath;
  /**
   * The states clonewarden acts on; the EventBridge rule delivers only these, and any other
   * (e.g. `deregistered`) is skipped.
   */
  readonly states: readonly [string, ...string[]];
}

const ENTRIES = {
  // "Amazon EventBridge events for Amazon EC2 AMIs" (EC2 User Guide): detail is
  // {RequestId, ImageId, State, ErrorMessage}; State is pending, available, failed or deregistered.
  'EC2 AMI State Change': {
    family: 'state-change',
    id: 'ImageId',
    state: 'State',
    errorMessage: 'ErrorMessage',
    states: ['available', 'failed'],
  },
} satisfies Record<string, StateChangeEntry>;

/** An EventBridge `detail-type` of an EC2 state-change event clonewarden acts on. */
export type StateChangeDetailType = keyof typeof ENTRIES;

/** EC2's own state-change events, each field path written once as data. */
const STATE_CHANGE_EVENTS: Readonly<Record<StateChangeDetailType, StateChangeEntry>> = ENTRIES;

/** What is known of the envelope around a state-change `detail`. */
export interface EnvelopeFacts {
  id: string;
  time: string;
  region: string;
  account: string;
  detail: unknown;
}

/** The state-change family: an image became available, or failed. */
export const stateChangeFamily = {
  family: 'state-change',
  detailTypes: STATE_CHANGE_EVENTS,
  read: readStateChange,
} as const;

/** The image and its new state, through the {@link STATE_CHANGE_EVENTS} entry of `detailType`. */
function readStateChange(detailType: StateChangeDetailType, envelope: EnvelopeFacts): ParsedInput {
  const entry: StateChangeEntry = STATE_CHANGE_EVENTS[detailType];
  const summary: RecordSummary = {
    eventId: envelope.id,
    eventName: detailType,
    region: envelope.region,
    account: envelope.account,
  };
  if (typeof envelope.detail !== 'object' || envelope.detail === null || Array.isArray(envelope.detail)) {
    return rejected(`${detailType} without a detail object`, ['detail: expected an object'], summary);
  }
  const detail = envelope.detail as Record<string, unknown>;
  try {
    const imageId = requireValue(
      readResourceId(readField(detail, entry.id), 'image'),
      readField(detail, entry.id),
    );
    const state = requireValue(
      readString(readField(detail, entry.state), MAX_ID_LENGTH),
      readField(detail, entry.state),
    );
    const errorMessage = readString(readField(detail, entry.errorMessage));
    if (!entry.states.includes(state)) {
      return skipped(`${detailType}: image ${imageId} is ${quoteState(state)}, which needs nothing`, summary);
    }
    const event: ImageStateEvent = {
      family: 'state-change',
      eventId: envelope.id,
      eventName: detailType,
      eventTime: envelope.time,
      region: envelope.region,
      account: envelope.account,
      imageId,
      state,
      ...(errorMessage ? { errorMessage } : {}),
    };
    return { kind: 'event', event };
  } catch (error) {
    if (!(error instanceof EventValidationError)) throw error;
    return rejected(
      `${detailType} has a field clonewarden cannot read`,
      error.issues.map((issue) => withPrefix('detail', issue)),
      summary,
    );
  }
}

function quoteState(state: string): string {
  return JSON.stringify(state.length > 32 ? `${state.slice(0, 32)}…` : state);
}
