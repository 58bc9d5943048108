import { EventValidationError } from '../../model/errors.js';
import type { CloneKind, Principal, RestoredRef, RestoreEvent } from '../../model/types.js';
import type { CloudTrailRecord } from '../cloudtrail-schema.js';
import { type ParsedInput, type RecordContext, rejected, skipped, withPrefix } from '../parsed-input.js';
import { type FieldPath, isListPath, readPath, readResourceId, requireValue } from '../record-path.js';

/** A call that restores a clone: what it restores from, and what it creates. */
export interface RestoringEntry {
  readonly family: 'restoring';
  /** The kind of clone restored. */
  readonly cloneKind: CloneKind;
  /**
   * Where the clone's id is logged, tried in order; the first that names one wins. The response
   * comes first: a launch from a launch template logs no `imageId` in its request.
   */
  readonly clone: readonly FieldPath[];
  /** What the call creates. */
  readonly createdKind: RestoredRef['kind'];
  /** Where the new ids are logged. On a list path, every item must name one. */
  readonly created: FieldPath;
}

const ENTRIES = {
  RunInstances: {
    family: 'restoring',
    cloneKind: 'image',
    clone: [
      'responseElements.instancesSet.items[].imageId',
      'requestParameters.instancesSet.items[].imageId',
    ],
    createdKind: 'instance',
    created: 'responseElements.instancesSet.items[].instanceId',
  },
  CreateVolume: {
    family: 'restoring',
    cloneKind: 'snapshot',
    clone: ['responseElements.snapshotId', 'requestParameters.snapshotId'],
    createdKind: 'volume',
    created: 'responseElements.volumeId',
  },
} satisfies Record<string, RestoringEntry>;

/** A CloudTrail event name of a call that restores a clone. */
export type RestoringEventName = keyof typeof ENTRIES;

/** The calls that restore clones, each field path written once as data and read by `readPath`. */
export const RESTORING_EVENTS: Readonly<Record<RestoringEventName, RestoringEntry>> = ENTRIES;

/** The restoring family: a clone brought back as instances or a volume. */
export const restoringFamily = {
  family: 'restoring',
  entries: RESTORING_EVENTS,
  read: readRestoring,
} as const;

/** What a restoring call restored and created, read through its {@link RESTORING_EVENTS} entry. */
function readRestoring(
  eventName: RestoringEventName,
  record: CloudTrailRecord,
  principal: Principal,
  { pathPrefix, summary, account }: RecordContext,
): ParsedInput {
  const entry: RestoringEntry = RESTORING_EVENTS[eventName];
  try {
    const cloneId = readCloneId(entry, record);
    // A blank volume, or an instance of an unknown image, restores no clone: nothing to judge.
    if (cloneId === undefined) {
      return skipped(`${eventName} names no ${entry.cloneKind}: it restores no clone`, summary);
    }
    const created = readCreated(entry, record);
    if (created.length === 0) {
      return rejected(
        `${eventName} without a new ${entry.createdKind} id in ${entry.created}: cannot tell what was created`,
        [`${withPrefix(pathPrefix, entry.created)}: is missing`],
        summary,
      );
    }
    const event: RestoreEvent = {
      family: 'restoring',
      // A 1.0 record has no eventID; the first new resource names the call as uniquely.
      eventId: record.eventID ?? `${eventName}/${created[0]!.id}`,
      eventName,
      eventTime: record.eventTime,
      region: record.awsRegion,
      account,
      principal,
      clone: { kind: entry.cloneKind, id: cloneId },
      created,
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
 * The clone restored from: the first id the entry's paths name; `undefined` when none does.
 * @throws {EventValidationError} when a field is there but is not an id of the clone's kind.
 */
function readCloneId(entry: RestoringEntry, record: CloudTrailRecord): string | undefined {
  for (const path of entry.clone) {
    for (const field of readPath(record, path)) {
      const id = readResourceId(field, entry.cloneKind);
      if (id !== undefined) return id;
    }
  }
  return undefined;
}

/**
 * What the call created, each id once.
 * @throws {EventValidationError} when an id has the wrong form, or a list item names none.
 */
function readCreated(entry: RestoringEntry, record: CloudTrailRecord): RestoredRef[] {
  const ids = readPath(record, entry.created).map((field) =>
    isListPath(entry.created)
      ? requireValue(readResourceId(field, entry.createdKind), field)
      : readResourceId(field, entry.createdKind),
  );
  const unique = [...new Set(ids.filter((id) => id !== undefined))];
  return unique.map((id) => ({ kind: entry.createdKind, id }));
}
