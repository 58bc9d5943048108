import type { Share } from '../../model/clonewarden-tags.js';
import { EventValidationError } from '../../model/errors.js';
import type { CloneKind, Principal, ShareEvent } from '../../model/types.js';
import type { CloudTrailRecord } from '../cloudtrail-schema.js';
import { type ParsedInput, type RecordContext, rejected, skipped, withPrefix } from '../parsed-input.js';
import {
  child,
  type FieldPath,
  type RecordField,
  readField,
  readPathFrom,
  readResourceId,
  readString,
  requireValue,
} from '../record-path.js';

/**
 * A call that changes who may use a clone: the clone's id, and the permission whose `add` and
 * `remove` lists it logs (`launchPermission.add.items[]`). Other attributes the same call
 * changes (an image's description, a product code) are not shares and are skipped.
 *
 * `ResetImageAttribute` and `ResetSnapshotAttribute` are not in the table: a reset only takes
 * grants away, so it can never break a sharing rule, and the EventBridge rule does not send it.
 */
interface SharingEntry {
  readonly family: 'sharing';
  readonly cloneKind: CloneKind;
  readonly id: FieldPath;
  /** The permission's field; its `add` and `remove` lists hold the grants. */
  readonly permission: FieldPath;
  /** The grant kinds the permission takes: snapshots have no organization grants. */
  readonly grantKinds: readonly Share['kind'][];
}

const ENTRIES = {
  ModifyImageAttribute: {
    family: 'sharing',
    cloneKind: 'image',
    id: 'requestParameters.imageId',
    permission: 'requestParameters.launchPermission',
    grantKinds: ['account', 'group', 'organization', 'organizational-unit'],
  },
  ModifySnapshotAttribute: {
    family: 'sharing',
    cloneKind: 'snapshot',
    id: 'requestParameters.snapshotId',
    permission: 'requestParameters.createVolumePermission',
    grantKinds: ['account', 'group'],
  },
} satisfies Record<string, SharingEntry>;

/** A CloudTrail event name of a call that shares clones. */
type SharingEventName = keyof typeof ENTRIES;

/** The calls that change who may use a clone, each field path written once as data. */
const SHARING_EVENTS: Readonly<Record<SharingEventName, SharingEntry>> = ENTRIES;

/** The sharing family: who a clone is shared with. */
export const sharingFamily = {
  family: 'sharing',
  entries: SHARING_EVENTS,
  read: readSharing,
} as const;

/**
 * How each grant kind is logged in a permission item, and what a valid value looks like: the
 * values go into ModifyImageAttribute calls and alerts, so they must be exactly AWS's forms
 * ("LaunchPermission" in the EC2 API reference).
 */
const GRANT_FIELDS: readonly { kind: Share['kind']; field: string; pattern: RegExp; example: string }[] = [
  { kind: 'account', field: 'userId', pattern: /^\d{12}$/, example: 'a 12-digit account id' },
  { kind: 'group', field: 'group', pattern: /^all$/, example: '"all"' },
  {
    kind: 'organization',
    field: 'organizationArn',
    pattern: /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/,
    example: 'an organization ARN',
  },
  {
    kind: 'organizational-unit',
    field: 'organizationalUnitArn',
    pattern: /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/,
    example: 'an organizational unit ARN',
  },
];

/** The grants a share call added and removed, read through its {@link SHARING_EVENTS} entry. */
function readSharing(
  eventName: SharingEventName,
  record: CloudTrailRecord,
  principal: Principal,
  { pathPrefix, summary, account }: RecordContext,
): ParsedInput {
  const entry: SharingEntry = SHARING_EVENTS[eventName];
  try {
    const idField = readField(record, entry.id);
    const id = requireValue(readResourceId(idField, entry.cloneKind), idField);
    const permission = readField(record, entry.permission);
    if (permission.value === undefined) {
      const attribute =
        readString(readField(record, 'requestParameters.attributeType'), 64) ?? 'an attribute';
      return skipped(`${eventName} changed ${attribute}, not who may use ${id}`, summary);
    }
    const added = readGrants(entry, child(permission, 'add'));
    const removed = readGrants(entry, child(permission, 'remove'));
    if (added.length === 0 && removed.length === 0) {
      return rejected(
        `${eventName} changed the permission of ${id} without naming a grant`,
        [`${withPrefix(pathPrefix, entry.permission)}: names no grant in add or remove`],
        summary,
      );
    }
    const event: ShareEvent = {
      family: 'sharing',
      eventId: record.eventID ?? `${eventName}/${id}/${record.eventTime}`,
      eventName,
      eventTime: record.eventTime,
      region: record.awsRegion,
      account,
      principal,
      clone: { kind: entry.cloneKind, id },
      added,
      removed,
      ...(record.userAgent && { userAgent: record.userAgent }),
    };
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

/**
 * The grants of one list (`add` or `remove`), each item naming exactly one grantee.
 * @throws {EventValidationError} for an item that names none, or a value not in AWS's form.
 */
function readGrants(entry: SharingEntry, list: RecordField): Share[] {
  const grants: Share[] = [];
  for (const item of readPathFrom(list, 'items[]')) {
    const named = GRANT_FIELDS.filter(({ kind }) => entry.grantKinds.includes(kind))
      .map((spec) => ({ spec, field: child(item, spec.field) }))
      .filter(({ field }) => field.value !== undefined);
    if (named.length !== 1) {
      invalid(item.path, `expected one of ${entry.grantKinds.join(', ')} per item, got ${named.length}`);
    }
    const { spec, field } = named[0]!;
    const value = readString(field, 256);
    if (value === undefined || !spec.pattern.test(value)) {
      invalid(field.path, `expected ${spec.example}`);
    }
    if (!grants.some((grant) => grant.kind === spec.kind && grant.value === value)) {
      grants.push({ kind: spec.kind, value } as Share);
    }
  }
  return grants;
}

function invalid(path: string, problem: string): never {
  const issue = `${path}: ${problem}`;
  throw new EventValidationError(issue, [issue]);
}
