import { randomUUID } from 'node:crypto';

/**
 * Builds CloudTrail records in the shapes AWS emits (see the reference events), for resources
 * the demo, the integration tests and the benchmarks create for real in the emulator, which
 * has no CloudTrail of its own.
 */

export type Caller =
  | { type: 'AssumedRole'; account: string; role: string; session: string; path?: string }
  | { type: 'IAMUser'; account: string; user: string }
  | { type: 'AWSService'; account: string; service: string };

export function userIdentity(caller: Caller): Record<string, unknown> {
  switch (caller.type) {
    case 'AssumedRole': {
      const path = caller.path ?? '/';
      return {
        type: 'AssumedRole',
        principalId: `AROAEXAMPLE${caller.role.length}:${caller.session}`,
        arn: `arn:aws:sts::${caller.account}:assumed-role/${caller.role}/${caller.session}`,
        accountId: caller.account,
        accessKeyId: 'ASIAEXAMPLEKEY000001',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEXAMPLEROLE',
            arn: `arn:aws:iam::${caller.account}:role${path}${caller.role}`,
            accountId: caller.account,
            userName: caller.role,
          },
          attributes: { creationDate: new Date().toISOString(), mfaAuthenticated: 'false' },
        },
      };
    }
    case 'IAMUser':
      return {
        type: 'IAMUser',
        principalId: 'AIDAEXAMPLEUSER',
        arn: `arn:aws:iam::${caller.account}:user/${caller.user}`,
        accountId: caller.account,
        userName: caller.user,
      };
    case 'AWSService':
      return { type: 'AWSService', invokedBy: caller.service };
  }
}

export interface RecordInput {
  eventName: string;
  caller: Caller;
  region: string;
  requestParameters: Record<string, unknown>;
  responseElements: Record<string, unknown> | null;
  errorCode?: string;
  eventId?: string;
  eventTime?: string;
}

export function cloudTrailRecord(input: RecordInput): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: userIdentity(input.caller),
    eventTime: input.eventTime ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'ec2.amazonaws.com',
    eventName: input.eventName,
    awsRegion: input.region,
    sourceIPAddress: '198.51.100.20',
    userAgent: 'aws-cli/2.17.60',
    requestParameters: input.requestParameters,
    responseElements: input.responseElements,
    ...(input.errorCode ? { errorCode: input.errorCode, errorMessage: 'synthetic' } : {}),
    requestID: randomUUID(),
    eventID: input.eventId ?? randomUUID(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: input.caller.account,
    eventCategory: 'Management',
  };
}

/** Wraps a record the way EventBridge delivers it. */
export function eventBridgeEnvelope(record: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: record.recipientAccountId,
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}

const tagSpecification = (resourceType: string, tags: Record<string, string> | undefined) =>
  tags && Object.keys(tags).length > 0
    ? {
        tagSpecificationSet: {
          items: [{ resourceType, tags: Object.entries(tags).map(([key, value]) => ({ key, value })) }],
        },
      }
    : {};

/** The records for each governed call, as AWS logs them. */
export const records = {
  createImage: (a: {
    caller: Caller;
    region: string;
    instanceId: string;
    imageId: string;
    noReboot: boolean;
    name: string;
    tags?: Record<string, string>;
  }) =>
    cloudTrailRecord({
      eventName: 'CreateImage',
      caller: a.caller,
      region: a.region,
      requestParameters: {
        instanceId: a.instanceId,
        name: a.name,
        noReboot: a.noReboot,
        ...tagSpecification('image', a.tags),
      },
      responseElements: { requestId: randomUUID(), imageId: a.imageId },
    }),
  createSnapshot: (a: {
    caller: Caller;
    region: string;
    volumeId: string;
    snapshotId: string;
    description?: string;
    tags?: Record<string, string>;
  }) =>
    cloudTrailRecord({
      eventName: 'CreateSnapshot',
      caller: a.caller,
      region: a.region,
      requestParameters: {
        volumeId: a.volumeId,
        description: a.description ?? '',
        ...tagSpecification('snapshot', a.tags),
      },
      responseElements: { snapshotId: a.snapshotId, volumeId: a.volumeId, status: 'pending' },
    }),
  createSnapshots: (a: { caller: Caller; region: string; instanceId: string; snapshotIds: string[] }) =>
    cloudTrailRecord({
      eventName: 'CreateSnapshots',
      caller: a.caller,
      region: a.region,
      requestParameters: { CreateSnapshotsRequest: { InstanceSpecification: { InstanceId: a.instanceId } } },
      responseElements: {
        CreateSnapshotsResponse: {
          snapshotSet: { item: a.snapshotIds.map((snapshotId) => ({ snapshotId })) },
        },
      },
    }),
  copyImage: (a: {
    caller: Caller;
    region: string;
    sourceRegion: string;
    sourceImageId: string;
    imageId: string;
  }) =>
    cloudTrailRecord({
      eventName: 'CopyImage',
      caller: a.caller,
      region: a.region,
      requestParameters: { sourceRegion: a.sourceRegion, sourceImageId: a.sourceImageId },
      responseElements: { imageId: a.imageId },
    }),
  copySnapshot: (a: {
    caller: Caller;
    region: string;
    sourceRegion: string;
    sourceSnapshotId: string;
    snapshotId: string;
  }) =>
    cloudTrailRecord({
      eventName: 'CopySnapshot',
      caller: a.caller,
      region: a.region,
      requestParameters: { sourceRegion: a.sourceRegion, sourceSnapshotId: a.sourceSnapshotId },
      responseElements: { snapshotId: a.snapshotId },
    }),
  registerImage: (a: { caller: Caller; region: string; snapshotId: string; imageId: string; name: string }) =>
    cloudTrailRecord({
      eventName: 'RegisterImage',
      caller: a.caller,
      region: a.region,
      requestParameters: {
        name: a.name,
        rootDeviceName: '/dev/xvda',
        blockDeviceMapping: { items: [{ deviceName: '/dev/xvda', ebs: { snapshotId: a.snapshotId } }] },
      },
      responseElements: { imageId: a.imageId },
    }),
  /** `launchPermission` change as CloudTrail logs it: `add`/`remove` lists of `{userId}`, `{group}`, … */
  modifyImageAttribute: (a: {
    caller: Caller;
    region: string;
    imageId: string;
    add?: Record<string, string>[];
    remove?: Record<string, string>[];
  }) =>
    cloudTrailRecord({
      eventName: 'ModifyImageAttribute',
      caller: a.caller,
      region: a.region,
      requestParameters: {
        imageId: a.imageId,
        attributeType: 'launchPermission',
        launchPermission: permissionChanges(a.add, a.remove),
      },
      responseElements: { requestId: randomUUID(), _return: true },
    }),
  /** `createVolumePermission` change, with `attributeType: CREATE_VOLUME_PERMISSION` as logged. */
  modifySnapshotAttribute: (a: {
    caller: Caller;
    region: string;
    snapshotId: string;
    add?: Record<string, string>[];
    remove?: Record<string, string>[];
  }) =>
    cloudTrailRecord({
      eventName: 'ModifySnapshotAttribute',
      caller: a.caller,
      region: a.region,
      requestParameters: {
        snapshotId: a.snapshotId,
        attributeType: 'CREATE_VOLUME_PERMISSION',
        createVolumePermission: permissionChanges(a.add, a.remove),
      },
      responseElements: { requestId: randomUUID(), _return: true },
    }),
};

function permissionChanges(add?: Record<string, string>[], remove?: Record<string, string>[]) {
  return {
    ...(add && add.length > 0 ? { add: { items: add } } : {}),
    ...(remove && remove.length > 0 ? { remove: { items: remove } } : {}),
  };
}
