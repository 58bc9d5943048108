import { EventValidationError } from '../model/errors.js';
import type { CloneKind, SourceKind, SourceRef } from '../model/types.js';
import {
  type CloudTrailRecord,
  MAX_ID_LENGTH,
  MAX_TEXT_LENGTH,
  REGION_PATTERN,
} from './cloudtrail-schema.js';

/**
 * The CloudTrail events clonewarden governs. The EventBridge rule's `eventName` filter is built
 * from this list, and {@link EVENT_TABLE} must have one entry per name.
 */
export const GOVERNED_EVENT_NAMES = [
  'CreateImage',
  'CreateSnapshot',
  'CreateSnapshots',
  'CopyImage',
  'CopySnapshot',
  'RegisterImage',
] as const;

/** One of {@link GOVERNED_EVENT_NAMES}. */
export type GovernedEventName = (typeof GOVERNED_EVENT_NAMES)[number];

/** How to read one governed event: what it creates, where the new ids are, and what it copied. */
export interface EventTableEntry {
  /** What the call creates. */
  readonly cloneKind: CloneKind;
  /** Where the new ids are logged, for messages and docs. */
  readonly newIdsAt: string;
  /**
   * The ids of the clones the call created; empty when the response does not name them.
   * @throws {EventValidationError} when a field is there but has the wrong type or form.
   */
  newIds(record: CloudTrailRecord): string[];
  /**
   * What was cloned; `undefined` when the request does not say.
   * @throws {EventValidationError} when a field is there but has the wrong type or form.
   */
  source(record: CloudTrailRecord): SourceRef | undefined;
}

/**
 * The event → resources table, in the Cloud Custodian `cwe` style: adding a governed event is one
 * name above and one entry here, and the parser needs no change.
 */
export const EVENT_TABLE: Readonly<Record<GovernedEventName, EventTableEntry>> = {
  CreateImage: {
    cloneKind: 'image',
    newIdsAt: 'responseElements.imageId',
    newIds: (record) => idsAt(child(responseOf(record), 'imageId'), 'image'),
    source: (record) => sourceAt(record, 'instance', child(requestOf(record), 'instanceId')),
  },
  CreateSnapshot: {
    cloneKind: 'snapshot',
    newIdsAt: 'responseElements.snapshotId',
    newIds: (record) => idsAt(child(responseOf(record), 'snapshotId'), 'snapshot'),
    source: (record) => sourceAt(record, 'volume', child(requestOf(record), 'volumeId')),
  },
  CreateSnapshots: {
    cloneKind: 'snapshot',
    newIdsAt: 'responseElements.snapshotSet.item[].snapshotId',
    newIds: (record) =>
      unique(
        asArray(child(responseOf(record), 'snapshotSet')).map((item) =>
          requireValue(readResourceId(child(item, 'snapshotId'), 'snapshot'), child(item, 'snapshotId')),
        ),
      ),
    source: (record) =>
      sourceAt(record, 'instance', child(child(requestOf(record), 'instanceSpecification'), 'instanceId')),
  },
  CopyImage: {
    cloneKind: 'image',
    newIdsAt: 'responseElements.imageId',
    newIds: (record) => idsAt(child(responseOf(record), 'imageId'), 'image'),
    source: (record) =>
      sourceAt(
        record,
        'image',
        child(requestOf(record), 'sourceImageId'),
        child(requestOf(record), 'sourceRegion'),
      ),
  },
  CopySnapshot: {
    cloneKind: 'snapshot',
    newIdsAt: 'responseElements.snapshotId',
    newIds: (record) => idsAt(child(responseOf(record), 'snapshotId'), 'snapshot'),
    source: (record) =>
      sourceAt(
        record,
        'snapshot',
        child(requestOf(record), 'sourceSnapshotId'),
        child(requestOf(record), 'sourceRegion'),
      ),
  },
  RegisterImage: {
    cloneKind: 'image',
    newIdsAt: 'responseElements.imageId',
    newIds: (record) => idsAt(child(responseOf(record), 'imageId'), 'image'),
    // The root device's snapshot comes first in practice; an image registered from an S3
    // manifest has no EBS snapshot and so no source here.
    source: (record) => {
      for (const mapping of asArray(child(requestOf(record), 'blockDeviceMapping'))) {
        const snapshot = child(child(mapping, 'ebs'), 'snapshotId');
        if (readResourceId(snapshot, 'snapshot')) return sourceAt(record, 'snapshot', snapshot);
      }
      return undefined;
    },
  },
};

/** True when clonewarden governs `eventName`. */
export function isGovernedEventName(eventName: string): eventName is GovernedEventName {
  return (GOVERNED_EVENT_NAMES as readonly string[]).includes(eventName);
}

/** Tags the caller asked for, grouped by the clone kind they apply to. */
export type RequestedTags = Partial<Record<CloneKind, Record<string, string>>>;

/**
 * The tags requested at creation, from `tagSpecificationSet.items[]` or the wrapped
 * `TagSpecification` (an object or a list), each with `resourceType` and `tags[]`/`Tag[]` of
 * `{key, value}`. Specifications for other resource types (e.g. `instance`) are ignored. Values are
 * kept exactly as given, leading spaces included.
 *
 * @throws {EventValidationError} when a tag has no key, or a field has the wrong type.
 */
export function extractRequestedTags(record: CloudTrailRecord): RequestedTags {
  const byKind = new Map<CloneKind, Map<string, string>>();
  for (const spec of asArray(child(requestOf(record), 'tagSpecificationSet', 'tagSpecification'))) {
    const resourceType = readString(child(spec, 'resourceType'), MAX_ID_LENGTH);
    if (resourceType !== 'image' && resourceType !== 'snapshot') continue;
    const tags = byKind.get(resourceType) ?? new Map<string, string>();
    for (const tag of asArray(child(spec, 'tags', 'tag'))) {
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
 * @throws {EventValidationError} when one has the wrong type or is longer than {@link MAX_TEXT_LENGTH}.
 */
export function extractRequestDetails(record: CloudTrailRecord): RequestDetails {
  const request = requestOf(record);
  const details: RequestDetails = {};
  const noReboot = readBoolean(child(request, 'noReboot'));
  const name = readString(child(request, 'name'));
  const description = readString(child(request, 'description'));
  if (noReboot !== undefined) details.noReboot = noReboot;
  if (name !== undefined) details.name = name;
  if (description !== undefined) details.description = description;
  return details;
}

// ---------------------------------------------------------------------------------------------
// Accessors. EC2 logs the same request in several layouts: flat and camelCase
// (`requestParameters.instanceId`), or wrapped and PascalCase like the query API
// (`requestParameters.CreateSnapshotsRequest.InstanceSpecification.InstanceId`); a single list
// item as an object instead of an array; and lists as `{items: […]}`, `{item: …}` or
// `[{tag: 1, content: …}]`. Every read of requestParameters/responseElements goes through these.
// ---------------------------------------------------------------------------------------------

/** The most items we read from any one list; EC2 itself allows far fewer (e.g. 50 tags). */
export const MAX_LIST_ITEMS = 1000;

/** A value read from a record, with the path it was found at, for error messages. */
export interface RecordField {
  readonly value: unknown;
  readonly path: string;
}

/** `requestParameters`, unwrapped from `<EventName>Request` when EC2 logged it that way. */
export function requestOf(record: CloudTrailRecord): RecordField {
  return unwrap({ value: record.requestParameters, path: 'requestParameters' }, `${record.eventName}Request`);
}

/** `responseElements`, unwrapped from `<EventName>Response` when EC2 logged it that way. */
export function responseOf(record: CloudTrailRecord): RecordField {
  return unwrap({ value: record.responseElements, path: 'responseElements' }, `${record.eventName}Response`);
}

/** The XML-style wrapper's content (`{CreateSnapshotsRequest: {…}}` → `{…}`), or the field itself. */
export function unwrap(field: RecordField, wrapper: string): RecordField {
  if (
    isPlainObject(field.value) &&
    Object.hasOwn(field.value, wrapper) &&
    isPlainObject(field.value[wrapper])
  ) {
    return { value: field.value[wrapper], path: `${field.path}.${wrapper}` };
  }
  return field;
}

/**
 * The first of `names` present in `parent`, each tried in camelCase and PascalCase
 * (`instanceId`, `InstanceId`), with `{tag, content}` encoding removed. Absent → `value: undefined`.
 */
export function child(parent: RecordField, ...names: string[]): RecordField {
  const object = parent.value;
  if (isPlainObject(object)) {
    for (const name of names) {
      for (const key of [name, pascalCase(name)]) {
        if (Object.hasOwn(object, key) && object[key] !== undefined && object[key] !== null) {
          return { value: decodeContent(object[key]), path: `${parent.path}.${key}` };
        }
      }
    }
  }
  return { value: undefined, path: `${parent.path}.${names[0] ?? ''}` };
}

/**
 * A list's items, whatever the layout: an array, `{items: […]}`, `{item: […]}`, `{item: {…}}`, or a
 * single object standing for a list of one. Absent → `[]`.
 *
 * @throws {EventValidationError} for more than {@link MAX_LIST_ITEMS} items, to bound the work.
 */
export function asArray(field: RecordField): RecordField[] {
  let list = field;
  if (isPlainObject(list.value) && !isContentEncoded(list.value)) {
    const inner = child(list, 'items', 'item');
    if (inner.value !== undefined) list = inner;
  }
  const { value, path } = list;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [list];
  if (value.length > MAX_LIST_ITEMS) {
    invalid(path, `has ${value.length} items, more than the ${MAX_LIST_ITEMS} clonewarden reads`);
  }
  return value.map((item, index) => ({ value: decodeContent(item), path: `${path}[${index}]` }));
}

/**
 * A string, at most `maxLength` long; `undefined` when absent.
 * @throws {EventValidationError} for another type or a longer string.
 */
export function readString(field: RecordField, maxLength = MAX_TEXT_LENGTH): string | undefined {
  const { value, path } = field;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') invalid(path, `expected a string, got ${describe(value)}`);
  if (value.length > maxLength) invalid(path, `must be at most ${maxLength} characters, got ${value.length}`);
  return value;
}

/**
 * A boolean; `"true"`/`"false"` are accepted as some layouts log them as text. `undefined` when absent.
 * @throws {EventValidationError} for anything else.
 */
export function readBoolean(field: RecordField): boolean | undefined {
  const { value, path } = field;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return invalid(path, `expected true or false, got ${describe(value)}`);
}

const RESOURCE_ID_PREFIX: Readonly<Record<SourceKind, string>> = {
  image: 'ami',
  snapshot: 'snap',
  instance: 'i',
  volume: 'vol',
};

/**
 * An EC2 resource id of the given kind (`ami-…`, `snap-…`, `i-…`, `vol-…`); `undefined` when absent.
 * @throws {EventValidationError} for anything else: these ids go into API calls and tags.
 */
export function readResourceId(field: RecordField, kind: SourceKind): string | undefined {
  const id = readString(field, MAX_ID_LENGTH);
  if (id === undefined) return undefined;
  const prefix = RESOURCE_ID_PREFIX[kind];
  if (!new RegExp(`^${prefix}-[0-9a-zA-Z]{1,64}$`).test(id)) {
    invalid(
      field.path,
      `expected ${kind === 'image' || kind === 'instance' ? 'an' : 'a'} ${kind} id (${prefix}-…), got ${describe(id)}`,
    );
  }
  return id;
}

/**
 * An AWS region name; `undefined` when absent.
 * @throws {EventValidationError} for anything else.
 */
export function readRegion(field: RecordField): string | undefined {
  const region = readString(field, 64);
  if (region !== undefined && !REGION_PATTERN.test(region)) {
    invalid(field.path, `expected an AWS region, got ${describe(region)}`);
  }
  return region;
}

function idsAt(field: RecordField, kind: CloneKind): string[] {
  const id = readResourceId(field, kind);
  return id === undefined ? [] : [id];
}

/** A source in the event's own region unless `regionField` names another (cross-region copies). */
function sourceAt(
  record: CloudTrailRecord,
  kind: SourceKind,
  idField: RecordField,
  regionField?: RecordField,
): SourceRef | undefined {
  const id = readResourceId(idField, kind);
  if (id === undefined) return undefined;
  const region = (regionField && readRegion(regionField)) ?? record.awsRegion;
  return { kind, id, region };
}

function requireValue<T>(value: T | undefined, field: RecordField): T {
  return value === undefined ? invalid(field.path, 'is missing') : value;
}

function invalid(path: string, problem: string): never {
  const issue = `${path}: ${problem}`;
  throw new EventValidationError(issue, [issue]);
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ "tag": 1, "content": "vol-…" }`: how some newer APIs log one member of a list. */
function isContentEncoded(value: Record<string, unknown>): boolean {
  return typeof value.tag === 'number' && Object.hasOwn(value, 'content');
}

function decodeContent(value: unknown): unknown {
  return isPlainObject(value) && isContentEncoded(value) ? value.content : value;
}

function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** A short, bounded description of a bad value for an error message. */
function describe(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : `a ${typeof value}`;
}
