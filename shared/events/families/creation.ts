import { EventValidationError } from '../../model/errors.js';
import type { CloneEvent, CloneKind, Principal, SourceRef } from '../../model/types.js';
import type { CloudTrailRecord } from '../cloudtrail-schema.js';
import { MAX_ID_LENGTH } from '../cloudtrail-schema.js';
import type { SourceSpec } from '../event-family.js';
import { type ParsedInput, type RecordContext, rejected, withPrefix } from '../parsed-input.js';
import {
  child,
  type FieldPath,
  isListPath,
  readBoolean,
  readField,
  readPath,
  readPathFrom,
  readRegion,
  readResourceId,
  readString,
  requireValue,
} from '../record-path.js';

/** A call that creates clones: what it creates, where their ids are, and what it copied. */
export interface CreationEntry {
  readonly family: 'creation';
  /** What the call creates. */
  readonly cloneKind: CloneKind;
  /** Where the new ids are logged. On a list path, every item must name one. */
  readonly ids: FieldPath;
  /** What was cloned, when the request says. */
  readonly source?: SourceSpec;
  /** The source's region when it is not the event's own (cross-region copies). */
  readonly sourceRegion?: FieldPath;
  /**
   * Images: the call creates the image's disks (backing snapshots) too, so they carry only the
   * tags the request asked for. RegisterImage points at snapshots that exist, with tags of their own.
   */
  readonly createsDisks?: boolean;
}

const ENTRIES = {
  CreateImage: {
    family: 'creation',
    cloneKind: 'image',
    ids: 'responseElements.imageId',
    source: { kind: 'instance', id: 'requestParameters.instanceId' },
    createsDisks: true,
  },
  CreateSnapshot: {
    family: 'creation',
    cloneKind: 'snapshot',
    ids: 'responseElements.snapshotId',
    source: { kind: 'volume', id: 'requestParameters.volumeId' },
  },
  CreateSnapshots: {
    family: 'creation',
    cloneKind: 'snapshot',
    ids: 'responseElements.snapshotSet.item[].snapshotId',
    source: { kind: 'instance', id: 'requestParameters.instanceSpecification.instanceId' },
  },
  CopyImage: {
    family: 'creation',
    cloneKind: 'image',
    ids: 'responseElements.imageId',
    source: { kind: 'image', id: 'requestParameters.sourceImageId' },
    sourceRegion: 'requestParameters.sourceRegion',
    createsDisks: true,
  },
  CopySnapshot: {
    family: 'creation',
    cloneKind: 'snapshot',
    ids: 'responseElements.snapshotId',
    source: { kind: 'snapshot', id: 'requestParameters.sourceSnapshotId' },
    sourceRegion: 'requestParameters.sourceRegion',
  },
  RegisterImage: {
    family: 'creation',
    cloneKind: 'image',
    ids: 'responseElements.imageId',
    // The root device's snapshot comes first in practice; an image registered from an S3
    // manifest has no EBS snapshot and so no source here.
    source: { kind: 'snapshot', id: 'requestParameters.blockDeviceMapping.items[].ebs.snapshotId' },
  },
} satisfies Record<string, CreationEntry>;

/** A CloudTrail event name of a call that creates clones. */
export type CreationEventName = keyof typeof ENTRIES;

/** The calls that create clones, each field path written once as data and read by `readPath`. */
export const CREATION_EVENTS: Readonly<Record<CreationEventName, CreationEntry>> = ENTRIES;

/** The creation family: a clone's birth. */
export const creationFamily = {
  family: 'creation',
  entries: CREATION_EVENTS,
  read: readCreation,
} as const;

/** The clones a creation call made, read through its {@link CREATION_EVENTS} entry. */
function readCreation(
  eventName: CreationEventName,
  record: CloudTrailRecord,
  principal: Principal,
  { pathPrefix, summary, account }: RecordContext,
): ParsedInput {
  const entry: CreationEntry = CREATION_EVENTS[eventName];
  try {
    const ids = readNewIds(entry, record);
    if (ids.length === 0) {
      return rejected(
        `${eventName} without a new ${entry.cloneKind} id in ${entry.ids}: cannot tell what was created`,
        [`${withPrefix(pathPrefix, entry.ids)}: is missing`],
        summary,
      );
    }
    const source = readSource(entry, record);
    const event: CloneEvent = {
      family: 'creation',
      // A 1.0 record has no eventID; the new clone's id names the call as uniquely.
      eventId: record.eventID ?? `${eventName}/${ids[0]}`,
      eventName,
      eventTime: record.eventTime,
      region: record.awsRegion,
      account,
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

/**
 * The ids of the clones the call created; empty when the response does not name them.
 * @throws {EventValidationError} when a field is there but has the wrong type or form, or a list
 * item does not name its clone.
 */
export function readNewIds(entry: CreationEntry, record: CloudTrailRecord): string[] {
  const everyItemNamesOne = isListPath(entry.ids);
  const ids = readPath(record, entry.ids).map((field) => {
    const id = readResourceId(field, entry.cloneKind);
    return everyItemNamesOne ? requireValue(id, field) : id;
  });
  return [...new Set(ids.filter((id) => id !== undefined))];
}

/**
 * What was cloned, in the event's own region unless the entry's `sourceRegion` names another;
 * `undefined` when the request does not say.
 * @throws {EventValidationError} when a field is there but has the wrong type or form.
 */
export function readSource(entry: CreationEntry, record: CloudTrailRecord): SourceRef | undefined {
  if (!entry.source) return undefined;
  const { kind } = entry.source;
  for (const field of readPath(record, entry.source.id)) {
    const id = readResourceId(field, kind);
    if (id === undefined) continue;
    const region =
      (entry.sourceRegion && readRegion(readField(record, entry.sourceRegion))) ?? record.awsRegion;
    return { kind, id, region };
  }
  return undefined;
}

/** Tags the caller asked for, grouped by the clone kind they apply to. */
export type RequestedTags = Partial<Record<CloneKind, Record<string, string>>>;

/** The tag specifications: `tagSpecificationSet.items[]` flat, `TagSpecification` (one or a list) wrapped. */
const TAG_SPECIFICATIONS: FieldPath = 'requestParameters.tagSpecificationSet|tagSpecification[]';
/** A specification's tags, below it: `tags[]` or `tag[]` of `{key, value}`. */
const SPECIFICATION_TAGS: FieldPath = 'tags|tag[]';

/**
 * The tags requested at creation, from {@link TAG_SPECIFICATIONS}, each with `resourceType` and
 * {@link SPECIFICATION_TAGS}. Specifications for other resource types (e.g. `instance`) are
 * ignored. Values are kept exactly as given, leading spaces included.
 *
 * @throws {EventValidationError} when a tag has no key, or a field has the wrong type.
 */
export function extractRequestedTags(record: CloudTrailRecord): RequestedTags {
  const byKind = new Map<CloneKind, Map<string, string>>();
  for (const spec of readPath(record, TAG_SPECIFICATIONS)) {
    const resourceType = readString(child(spec, 'resourceType'), MAX_ID_LENGTH);
    if (resourceType !== 'image' && resourceType !== 'snapshot') continue;
    const tags = byKind.get(resourceType) ?? new Map<string, string>();
    for (const tag of readPathFrom(spec, SPECIFICATION_TAGS)) {
      const key = requireValue(readString(child(tag, 'key')), child(tag, 'key'));
      tags.set(key, readString(child(tag, 'value')) ?? '');
    }
    if (tags.size > 0) byKind.set(resourceType, tags);
  }
  // fromEntries defines own properties, so a `__proto__` tag key stays an ordinary key.
  return Object.fromEntries([...byKind].map(([kind, tags]) => [kind, Object.fromEntries(tags)]));
}

/** What the caller said about the clone, beyond its source and tags. */
export interface RequestDetails {
  noReboot?: boolean;
  name?: string;
  description?: string;
}

/**
 * The image name, description and `noReboot` flag from the request, where given.
 *
 * @throws {EventValidationError} when one has the wrong type or is longer than the text limit.
 */
export function extractRequestDetails(record: CloudTrailRecord): RequestDetails {
  const details: RequestDetails = {};
  const noReboot = readBoolean(readField(record, 'requestParameters.noReboot'));
  const name = readString(readField(record, 'requestParameters.name'));
  const description = readString(readField(record, 'requestParameters.description'));
  if (noReboot !== undefined) details.noReboot = noReboot;
  if (name !== undefined) details.name = name;
  if (description !== undefined) details.description = description;
  return details;
}
