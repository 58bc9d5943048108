import type { SourceKind } from '../model/types.js';
import type { FieldPath } from './record-path.js';

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
export type { EventFamily } from '../model/types.js';

/** Where a call names what it cloned: the kind of resource and the path of its id. */
export interface SourceSpec {
  readonly kind: SourceKind;
  /** For a list path, the first item that names one is the source. */
  readonly id: FieldPath;
}
