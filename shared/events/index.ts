/**
 * Events: raw input (a CloudTrail record, an EventBridge envelope, a log file) → a normalised
 * `CloneEvent`, or a reason why there is none.
 */
export { compileArnGlob } from '../model/arn-glob.js';
export {
  CLOUDTRAIL_DETAIL_TYPE,
  type CloudTrailRecord,
  CloudTrailRecordSchema,
  EC2_EVENTBRIDGE_SOURCE,
  type EventBridgeCloudTrailEvent,
  EventBridgeCloudTrailSchema,
  type UserIdentity,
  UserIdentitySchema,
} from './cloudtrail-schema.js';
export {
  EVENT_TABLE,
  type EventTableEntry,
  extractRequestDetails,
  extractRequestedTags,
  GOVERNED_EVENT_NAMES,
  type GovernedEventName,
  isGovernedEventName,
  type RequestDetails,
  type RequestedTags,
} from './event-table.js';
export {
  type ParseCloneEventOptions,
  type ParsedInput,
  parseCloneEvent,
  type RecordSummary,
} from './parse-clone-event.js';
export { readRecordsFromFile } from './read-records.js';
export { resolvePrincipal } from './resolve-principal.js';
