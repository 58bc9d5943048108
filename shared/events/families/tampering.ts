import { TAG_PREFIX } from '../../model/clonewarden-tags.js';
import { EventValidationError } from '../../model/errors.js';
import type { CloneKind, CloneRef, Principal, TamperAction, TamperEvent } from '../../model/types.js';
import type { CloudTrailRecord } from '../cloudtrail-schema.js';
import { MAX_ID_LENGTH } from '../cloudtrail-schema.js';
import { type ParsedInput, type RecordContext, rejected, skipped, withPrefix } from '../parsed-input.js';
import { child, type FieldPath, readPath, readResourceId, readString } from '../record-path.js';

/** A call that can undo what clonewarden recorded about a clone. */
interface TamperingEntry {
  readonly family: 'tampering';
  readonly action: TamperAction;
  /** The clone kind the call works on; absent for CreateTags/DeleteTags, which take any id. */
  readonly cloneKind?: CloneKind;
  /** Where the ids are: one id, or one per list item. */
  readonly ids: FieldPath;
  /** CreateTags / DeleteTags: the tags written or removed, as `{key, value}` items. */
  readonly tags?: FieldPath;
}

const ENTRIES = {
  CreateTags: {
    family: 'tampering',
    action: 'tags',
    ids: 'requestParameters.resourcesSet.items[].resourceId',
    tags: 'requestParameters.tagSet.items[]',
  },
  DeleteTags: {
    family: 'tampering',
    action: 'tags',
    ids: 'requestParameters.resourcesSet.items[].resourceId',
    tags: 'requestParameters.tagSet.items[]',
  },
  EnableImage: {
    family: 'tampering',
    action: 'unquarantine',
    cloneKind: 'image',
    ids: 'requestParameters.imageId',
  },
  DisableImageDeprecation: {
    family: 'tampering',
    action: 'unquarantine',
    cloneKind: 'image',
    ids: 'requestParameters.imageId',
  },
  DeregisterImage: {
    family: 'tampering',
    action: 'close',
    cloneKind: 'image',
    ids: 'requestParameters.imageId',
  },
  DeleteSnapshot: {
    family: 'tampering',
    action: 'close',
    cloneKind: 'snapshot',
    ids: 'requestParameters.snapshotId',
  },
  RestoreImageFromRecycleBin: {
    family: 'tampering',
    action: 'reopen',
    cloneKind: 'image',
    ids: 'requestParameters.imageId',
  },
  RestoreSnapshotFromRecycleBin: {
    family: 'tampering',
    action: 'reopen',
    cloneKind: 'snapshot',
    ids: 'requestParameters.snapshotId',
  },
} satisfies Record<string, TamperingEntry>;

/** A CloudTrail event name of a call that can undo clonewarden's record. */
type TamperingEventName = keyof typeof ENTRIES;

/** The tampering calls, each field path written once as data. */
const TAMPERING_EVENTS: Readonly<Record<TamperingEventName, TamperingEntry>> = ENTRIES;

/** The tampering family: calls that change what clonewarden recorded, by anyone but clonewarden. */
export const tamperingFamily = {
  family: 'tampering',
  entries: TAMPERING_EVENTS,
  read: readTampering,
} as const;

/** An image or snapshot id, else undefined (CreateTags also names instances, volumes, …). */
function cloneRefOf(id: string): CloneRef | undefined {
  if (/^ami-[0-9a-zA-Z]{1,64}$/.test(id)) return { kind: 'image', id };
  if (/^snap-[0-9a-zA-Z]{1,64}$/.test(id)) return { kind: 'snapshot', id };
  return undefined;
}

function readTampering(
  eventName: TamperingEventName,
  record: CloudTrailRecord,
  principal: Principal,
  { pathPrefix, summary, account }: RecordContext,
): ParsedInput {
  const entry: TamperingEntry = TAMPERING_EVENTS[eventName];
  try {
    const clones = readClones(entry, record);
    if (clones.length === 0) {
      return skipped(`${eventName} touched no image or snapshot`, summary);
    }
    const event: TamperEvent = {
      family: 'tampering',
      action: entry.action,
      eventId: record.eventID ?? `${eventName}/${clones[0]!.id}/${record.eventTime}`,
      eventName,
      eventTime: record.eventTime,
      region: record.awsRegion,
      account,
      principal,
      clones,
    };
    if (entry.tags) {
      const tags = readPath(record, entry.tags).map((tag) => ({
        key: readString(child(tag, 'key'), 128) ?? '',
        value: readString(child(tag, 'value'), 256),
      }));
      const removesAllTags = eventName === 'DeleteTags' && tags.length === 0;
      const own = tags
        .filter(({ key }) => key.startsWith(TAG_PREFIX))
        .map(({ key, value }) => (eventName === 'DeleteTags' ? { key } : { key, value: value ?? '' }));
      if (own.length === 0 && !removesAllTags) {
        return skipped(`${eventName} touched no ${TAG_PREFIX} tag`, summary);
      }
      event.tags = own;
      if (removesAllTags) event.removesAllTags = true;
    }
    return { kind: 'event', event, record };
  } catch (error) {
    if (!(error instanceof EventValidationError)) throw error;
    return rejected(
      `${eventName} has a field clonewarden cannot read`,
      error.issues.map((issue) => withPrefix(pathPrefix, issue)),
      summary,
    );
  }
}

/** The images and snapshots the call names, each once. */
function readClones(entry: TamperingEntry, record: CloudTrailRecord): CloneRef[] {
  const refs = readPath(record, entry.ids).flatMap((field) => {
    const id = entry.cloneKind ? readResourceId(field, entry.cloneKind) : readString(field, MAX_ID_LENGTH);
    const ref = id === undefined ? undefined : cloneRefOf(id);
    return ref ? [ref] : [];
  });
  return refs.filter((ref, index) => refs.findIndex((other) => other.id === ref.id) === index);
}
