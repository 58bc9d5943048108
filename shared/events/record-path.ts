import { EventValidationError } from '../model/errors.js';
import type { SourceKind } from '../model/types.js';
import { MAX_ID_LENGTH, MAX_TEXT_LENGTH, REGION_PATTERN } from './cloudtrail-schema.js';

// ---------------------------------------------------------------------------------------------
// The one reader of CloudTrail record fields. EC2 logs the same request in several layouts: flat
// and camelCase (`requestParameters.instanceId`), or wrapped and PascalCase like the query API
// (`requestParameters.CreateSnapshotsRequest.InstanceSpecification.InstanceId`); a single list
// item as an object instead of an array; and lists as `{items: […]}`, `{item: …}` or
// `[{tag: 1, content: …}]`. Every read of requestParameters/responseElements goes through here.
// ---------------------------------------------------------------------------------------------

/**
 * A field path, written once in the event table, in the camelCase of the flat layout:
 * - segments are separated by `.`: `requestParameters.instanceSpecification.instanceId`;
 * - `name[]` is a list, read in any of EC2's layouts, one result per item;
 *   `items[]`/`item[]` name EC2's own list wrapper and read the list they wrap, whichever of the
 *   two it uses (`responseElements.snapshotSet.item[].snapshotId`);
 * - `a|b` tries `a`, then `b`, for a field whose name differs between layouts
 *   (`tagSpecificationSet|tagSpecification`).
 * The first segment `requestParameters`/`responseElements` is unwrapped from
 * `<EventName>Request`/`<EventName>Response` when EC2 logged it that way.
 */
export type FieldPath = string;

/** The most items we read from any one list; EC2 itself allows far fewer (e.g. 50 tags). */
export const MAX_LIST_ITEMS = 1000;

/** A value read from a record, with the path it was found at, for error messages. */
export interface RecordField {
  readonly value: unknown;
  readonly path: string;
}

/** The record's own fields that the query API's XML wrapper may wrap, with the wrapper's suffix. */
const WRAPPER_SUFFIX: Readonly<Record<string, string>> = {
  requestParameters: 'Request',
  responseElements: 'Response',
};

/**
 * The fields at `path` in a record (or an EventBridge `detail`): exactly one for a path without a
 * list (its value `undefined` when absent), one per item for a path through a list (none when the
 * list is absent or empty).
 *
 * @example
 * readPath(record, 'responseElements.snapshotSet.item[].snapshotId').map((field) => field.value);
 * @throws {EventValidationError} for a list of more than {@link MAX_LIST_ITEMS} items.
 */
export function readPath(record: Readonly<Record<string, unknown>>, path: FieldPath): RecordField[] {
  const [first = '', ...rest] = path.split('.');
  const eventName = typeof record.eventName === 'string' ? record.eventName : '';
  const suffix = WRAPPER_SUFFIX[first];
  const root = Object.hasOwn(record, first) ? record[first] : undefined;
  let start: RecordField = { value: root ?? undefined, path: first };
  if (suffix) start = unwrap(start, `${eventName}${suffix}`);
  return readPathFrom(start, rest.join('.'));
}

/** The first field at `path` (a path without a list has only one); `value: undefined` when absent. */
export function readField(record: Readonly<Record<string, unknown>>, path: FieldPath): RecordField {
  return readPath(record, path)[0] ?? { value: undefined, path };
}

/** The fields at `path` below `from`, as {@link readPath} reads them. */
export function readPathFrom(from: RecordField, path: FieldPath): RecordField[] {
  let fields = [from];
  for (const segment of path ? path.split('.') : []) {
    fields = fields.flatMap((field) => step(field, segment));
  }
  return fields;
}

/** Whether `path` goes through a list, so that it reads one field per item. */
export function isListPath(path: FieldPath): boolean {
  return path.includes('[]');
}

function step(field: RecordField, segment: string): RecordField[] {
  if (!segment.endsWith('[]')) return [child(field, ...segment.split('|'))];
  const names = segment.slice(0, -2).split('|');
  const isWrapper = names.every((name) => name === 'items' || name === 'item');
  return asArray(isWrapper ? field : child(field, ...names));
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

/**
 * The field's value, which must be there.
 * @throws {EventValidationError} naming the field's path when it is absent.
 */
export function requireValue<T>(value: T | undefined, field: RecordField): T {
  return value === undefined ? invalid(field.path, 'is missing') : value;
}

function invalid(path: string, problem: string): never {
  const issue = `${path}: ${problem}`;
  throw new EventValidationError(issue, [issue]);
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
