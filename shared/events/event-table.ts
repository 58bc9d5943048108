import type { CloneKind, SourceKind, SourceRef } from '../model/types.js';
import type { CloudTrailRecord } from './cloudtrail-schema.js';
import { MAX_ID_LENGTH } from './cloudtrail-schema.js';
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
} from './record-path.js';

/**
 * What a governed event means to clonewarden. Today every entry is a `creation`: a call that
 * creates clones. The next families share the table, each with the paths it needs, e.g.
 * - sharing: `ModifyImageAttribute: { family: 'sharing', cloneKind: 'image',
 *   ids: 'requestParameters.imageId', grantees: 'requestParameters.launchPermission.add.items[].userId' }`;
 * - restoring: `RunInstances: { family: 'restoring', ids: 'responseElements.instancesSet.items[].instanceId',
 *   source: { kind: 'image', id: 'requestParameters.instancesSet.items[].imageId' } }`;
 * - tampering: `DeleteSnapshot: { family: 'tampering', cloneKind: 'snapshot', ids: 'requestParameters.snapshotId' }`;
 * - EC2's own `EC2 AMI State Change` event (not a CloudTrail call) adds
 *   `detailType: 'EC2 AMI State Change'` and paths that start at its `detail`: `ids: 'ImageId'`.
 * Each family adds its member to {@link EventTableEntry} and one reader; an event of a known
 * family is one entry.
 */
export type EventFamily = 'creation';

/** Where a call names what it cloned: the kind of resource and the path of its id. */
export interface SourceSpec {
  readonly kind: SourceKind;
  /** For a list path, the first item that names one is the source. */
  readonly id: FieldPath;
}

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
}

/** One row of {@link EVENT_TABLE}: one member per {@link EventFamily}. */
export type EventTableEntry = CreationEntry;

const ENTRIES = {
  CreateImage: {
    family: 'creation',
    cloneKind: 'image',
    ids: 'responseElements.imageId',
    source: { kind: 'instance', id: 'requestParameters.instanceId' },
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
} satisfies Record<string, EventTableEntry>;

/** A CloudTrail event name clonewarden governs. */
export type GovernedEventName = keyof typeof ENTRIES;

/**
 * The event → resources table, in the Cloud Custodian `cwe` style: each field path is written
 * once, as data, and read by `readPath`. Adding a governed event is one entry here; the parser,
 * the EventBridge rule in serverless.yml and the docs follow (`npm run generate`).
 */
export const EVENT_TABLE: Readonly<Record<GovernedEventName, EventTableEntry>> = ENTRIES;

/** The governed event names, in table order. */
export const GOVERNED_EVENT_NAMES = Object.keys(EVENT_TABLE) as [GovernedEventName, ...GovernedEventName[]];

/** True when clonewarden governs `eventName`. */
export function isGovernedEventName(eventName: string): eventName is GovernedEventName {
  return Object.hasOwn(EVENT_TABLE, eventName);
}

/** The governed event names of one family, in table order. */
export function eventNamesOf(family: EventFamily): GovernedEventName[] {
  return GOVERNED_EVENT_NAMES.filter((name) => EVENT_TABLE[name].family === family);
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
