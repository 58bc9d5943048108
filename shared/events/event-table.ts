import type { Principal } from '../model/types.js';
import type { CloudTrailRecord } from './cloudtrail-schema.js';
import type { EventFamily } from './event-family.js';
import { creationFamily } from './families/creation.js';
import { restoringFamily } from './families/restoring.js';
import { sharingFamily } from './families/sharing.js';
import { type StateChangeDetailType, stateChangeFamily } from './families/state-change.js';
import { tamperingFamily } from './families/tampering.js';
import type { ParsedInput, RecordContext } from './parsed-input.js';

/**
 * The event families clonewarden governs, one file each under `families/`: its event names with
 * the field paths to read (data, written once), and the reader that turns a record into a
 * governed event. Adding an event to a family is one entry in its file; adding a family is one
 * file and one line here. The EventBridge rule in serverless.yml and the docs follow
 * (`npm run generate`).
 */
const EVENT_FAMILIES = [creationFamily, sharingFamily, restoringFamily, tamperingFamily] as const;

/** Each family's own names, distributed over the families (a plain `keyof` of the union is empty). */
type EntryNames<Family> = Family extends { entries: infer Entries } ? keyof Entries & string : never;

/** A CloudTrail event name clonewarden governs. */
export type GovernedEventName = EntryNames<(typeof EVENT_FAMILIES)[number]>;

const FAMILY_BY_EVENT: ReadonlyMap<string, (typeof EVENT_FAMILIES)[number]> = new Map(
  EVENT_FAMILIES.flatMap((family) => Object.keys(family.entries).map((name) => [name, family] as const)),
);

/** The governed event names, in family and table order. */
export const GOVERNED_EVENT_NAMES = [...FAMILY_BY_EVENT.keys()] as [
  GovernedEventName,
  ...GovernedEventName[],
];

/** True when clonewarden governs `eventName`. */
export function isGovernedEventName(eventName: string): eventName is GovernedEventName {
  return FAMILY_BY_EVENT.has(eventName);
}

/** A family's reader, taking any of its own event names. */
type FamilyReader = (
  eventName: GovernedEventName,
  record: CloudTrailRecord,
  principal: Principal,
  context: RecordContext,
) => ParsedInput;

/** Reads a governed record with its family's reader: the table pairs each name with its family. */
export function readGovernedRecord(
  eventName: GovernedEventName,
  record: CloudTrailRecord,
  principal: Principal,
  context: RecordContext,
): ParsedInput {
  const read = FAMILY_BY_EVENT.get(eventName)!.read as FamilyReader;
  return read(eventName, record, principal, context);
}

/** The governed event names of one family, in table order. */
export function eventNamesOf(family: EventFamily): GovernedEventName[] {
  return GOVERNED_EVENT_NAMES.filter((name) => FAMILY_BY_EVENT.get(name)?.family === family);
}

/**
 * The families of events EC2 sends to EventBridge itself (not CloudTrail calls), named by the
 * envelope's `detail-type`; one line per family. The same EventBridge rule delivers them
 * (`npm run generate` writes its pattern).
 */
export const DETAIL_TYPE_FAMILIES = [stateChangeFamily] as const;

/** An EventBridge `detail-type` clonewarden governs besides CloudTrail's own. */
export type GovernedDetailType = StateChangeDetailType;

const FAMILY_BY_DETAIL_TYPE: ReadonlyMap<string, (typeof DETAIL_TYPE_FAMILIES)[number]> = new Map(
  DETAIL_TYPE_FAMILIES.flatMap((family) =>
    Object.keys(family.detailTypes).map((detailType) => [detailType, family] as const),
  ),
);

/** The governed detail types with the states each is delivered for, in table order. */
export function governedDetailTypes(): { detailType: GovernedDetailType; states: readonly string[] }[] {
  return DETAIL_TYPE_FAMILIES.flatMap((family) =>
    Object.entries(family.detailTypes).map(([detailType, entry]) => ({
      detailType: detailType as GovernedDetailType,
      states: entry.states,
    })),
  );
}

/** True when clonewarden governs EventBridge events of this `detail-type` (other than CloudTrail's). */
export function isGovernedDetailType(detailType: string): detailType is GovernedDetailType {
  return FAMILY_BY_DETAIL_TYPE.has(detailType);
}

/** The family that reads events of a governed `detail-type`. */
export function familyOfDetailType(detailType: GovernedDetailType): (typeof DETAIL_TYPE_FAMILIES)[number] {
  return FAMILY_BY_DETAIL_TYPE.get(detailType)!;
}
