import { describe, expect, it } from 'vitest';
import { type CloudTrailRecord, CloudTrailRecordSchema } from '../../shared/events/cloudtrail-schema.js';
import { eventNamesOf, GOVERNED_EVENT_NAMES } from '../../shared/events/event-table.js';
import {
  CREATION_EVENTS,
  type CreationEventName,
  extractRequestDetails,
  extractRequestedTags,
  readNewIds,
  readSource,
} from '../../shared/events/families/creation.js';
import { EventValidationError } from '../../shared/model/errors.js';
import type { SourceRef } from '../../shared/model/types.js';
import { type Json, loadFixture } from './fixtures.js';

function recordOf(raw: Json): CloudTrailRecord {
  return CloudTrailRecordSchema.parse(raw);
}

function entryFor(record: CloudTrailRecord) {
  return CREATION_EVENTS[record.eventName as CreationEventName];
}

function thrownBy(act: () => unknown): EventValidationError {
  try {
    act();
  } catch (error) {
    if (error instanceof EventValidationError) return error;
    throw error;
  }
  throw new Error('expected an EventValidationError');
}

describe('Events: CREATION_EVENTS', () => {
  it('governs exactly the six clone-creating events, with one table entry each, then the sharing calls', () => {
    // Assess
    expect(GOVERNED_EVENT_NAMES).toEqual([
      'CreateImage',
      'CreateSnapshot',
      'CreateSnapshots',
      'CopyImage',
      'CopySnapshot',
      'RegisterImage',
      'ModifyImageAttribute',
      'ModifySnapshotAttribute',
    ]);
    expect(Object.keys(CREATION_EVENTS).sort()).toEqual([...eventNamesOf('creation')].sort());
    expect(eventNamesOf('sharing')).toEqual(['ModifyImageAttribute', 'ModifySnapshotAttribute']);
  });

  it('writes every path from the request or the response, and tags every entry with its family', () => {
    // Prepare
    const paths = Object.values(CREATION_EVENTS).flatMap((entry) => [
      entry.ids,
      ...(entry.source ? [entry.source.id] : []),
      ...(entry.sourceRegion ? [entry.sourceRegion] : []),
    ]);

    // Assess
    expect(paths.filter((path) => !/^(requestParameters|responseElements)\.[\w|.[\]]+$/.test(path))).toEqual(
      [],
    );
    expect(Object.values(CREATION_EVENTS).map((entry) => entry.family)).toEqual(
      eventNamesOf('creation').map(() => 'creation'),
    );
    expect(eventNamesOf('creation')).toEqual(GOVERNED_EVENT_NAMES.slice(0, 6));
  });

  it.each<[string, 'image' | 'snapshot', string[], SourceRef | undefined]>([
    [
      'create-image-assumed-role',
      'image',
      ['ami-0c2b4d6f8a1e3c5b7'],
      { kind: 'instance', id: 'i-0a4f2c9e81b3d5e67', region: 'us-east-1' },
    ],
    [
      'create-image-sso-noreboot-tagged',
      'image',
      ['ami-0f1e2d3c4b5a69780'],
      { kind: 'instance', id: 'i-0d9e8f7a6b5c4d3e2', region: 'eu-north-1' },
    ],
    [
      'copy-image-cross-region',
      'image',
      ['ami-0fedcba987654321a'],
      { kind: 'image', id: 'ami-0123abcd4567ef890', region: 'us-east-1' },
    ],
    [
      'create-snapshot-iam-user',
      'snapshot',
      ['snap-0a9b8c7d6e5f4a3b2'],
      { kind: 'volume', id: 'vol-0b1c2d3e4f5a6b7c8', region: 'us-east-1' },
    ],
    [
      'create-snapshots-flat',
      'snapshot',
      ['snap-0e1f2a3b4c5d6e7f8', 'snap-0a1b2c3d4e5f6a7b9'],
      { kind: 'instance', id: 'i-0c1d2e3f4a5b6c7d8', region: 'ap-southeast-2' },
    ],
    [
      'create-snapshots-wrapped-object',
      'snapshot',
      ['snap-0b2c3d4e5f6a7b8c9'],
      { kind: 'instance', id: 'i-0e9d8c7b6a5f4e3d2', region: 'us-east-2' },
    ],
    [
      'create-snapshots-wrapped-array',
      'snapshot',
      ['snap-0c3d4e5f6a7b8c9d1', 'snap-0d4e5f6a7b8c9d0e2', 'snap-0e5f6a7b8c9d0e1f3'],
      { kind: 'instance', id: 'i-0f1e2d3c4b5a69788', region: 'ca-central-1' },
    ],
    [
      'copy-snapshot-cross-region',
      'snapshot',
      ['snap-0a0b0c0d0e0f10111'],
      { kind: 'snapshot', id: 'snap-0f0e0d0c0b0a09080', region: 'us-west-2' },
    ],
    [
      'register-image',
      'image',
      ['ami-0abc1234def567890'],
      { kind: 'snapshot', id: 'snap-0123fedc4567ba981', region: 'sa-east-1' },
    ],
  ])('reads %s: a %s, its new ids and its source', (name, cloneKind, newIds, source) => {
    // Prepare
    const record = recordOf(loadFixture(name));
    const entry = entryFor(record);

    // Act
    const result = {
      cloneKind: entry.cloneKind,
      newIds: readNewIds(entry, record),
      source: readSource(entry, record),
    };

    // Assess
    expect(result).toEqual({ cloneKind, newIds, source });
  });

  it('reads RegisterImage block device mappings in the wrapped PascalCase form with a single object', () => {
    // Prepare
    const raw = loadFixture('register-image');
    raw.requestParameters = {
      RegisterImageRequest: {
        Name: 'restored',
        BlockDeviceMapping: { DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-0aaa1111bbbb2222c' } },
      },
    };
    const record = recordOf(raw);

    // Act
    const source = readSource(CREATION_EVENTS.RegisterImage, record);

    // Assess
    expect(source).toEqual({ kind: 'snapshot', id: 'snap-0aaa1111bbbb2222c', region: 'sa-east-1' });
  });

  it('gives RegisterImage from an S3 manifest no source', () => {
    // Prepare
    const raw = loadFixture('register-image');
    raw.requestParameters = { name: 'from-s3', imageLocation: 'my-bucket/image.manifest.xml' };
    const record = recordOf(raw);

    // Act
    const source = readSource(CREATION_EVENTS.RegisterImage, record);

    // Assess
    expect(source).toBeUndefined();
  });

  it('falls back to the event region when a copy does not name its source region', () => {
    // Prepare
    const raw = loadFixture('copy-snapshot-cross-region');
    delete raw.requestParameters.sourceRegion;
    const record = recordOf(raw);

    // Act
    const source = readSource(CREATION_EVENTS.CopySnapshot, record);

    // Assess
    expect(source).toEqual({ kind: 'snapshot', id: 'snap-0f0e0d0c0b0a09080', region: 'us-east-2' });
  });

  it('returns no ids when the response does not name the new resource', () => {
    // Prepare
    const raw = loadFixture('create-image-assumed-role');
    delete raw.responseElements.imageId;
    const record = recordOf(raw);

    // Act
    const ids = readNewIds(CREATION_EVENTS.CreateImage, record);

    // Assess
    expect(ids).toEqual([]);
  });

  it('throws an EventValidationError naming the path of a CreateSnapshots item without a snapshotId', () => {
    // Prepare
    const raw = loadFixture('create-snapshots-wrapped-array');
    delete raw.responseElements.CreateSnapshotsResponse.snapshotSet.item[1].snapshotId;
    const record = recordOf(raw);

    // Act
    const error = thrownBy(() => readNewIds(CREATION_EVENTS.CreateSnapshots, record));

    // Assess
    expect(error.issues).toEqual([
      'responseElements.CreateSnapshotsResponse.snapshotSet.item[1].snapshotId: is missing',
    ]);
  });

  it.each([
    ['a number', 42, 'expected a string, got a number'],
    ['a volume id', 'vol-0b1c2d3e4f5a6b7c8', 'expected an instance id (i-…), got "vol-0b1c2d3e4f5a6b7c8"'],
    ['an ARN', 'arn:aws:ec2:us-east-1:1:instance/i-1', 'expected an instance id (i-…)'],
  ])('rejects %s as a CreateImage instanceId, naming the path', (_case, value, message) => {
    // Prepare
    const raw = loadFixture('create-image-assumed-role');
    raw.requestParameters.instanceId = value;
    const record = recordOf(raw);

    // Act
    const error = thrownBy(() => readSource(CREATION_EVENTS.CreateImage, record));

    // Assess
    expect(error.issues[0]).toContain(`requestParameters.instanceId: ${message}`);
  });
});

describe('Events: extractRequestedTags', () => {
  it('groups tags by clone kind and keeps values exactly, leading spaces included', () => {
    // Prepare
    const record = recordOf(loadFixture('create-image-sso-noreboot-tagged'));

    // Act
    const tags = extractRequestedTags(record);

    // Assess
    expect(tags).toEqual({
      image: { Owner: 'sam.lee@example.org', Team: '   platform' },
      snapshot: { Owner: 'sam.lee@example.org', CostCenter: 'cc-200' },
    });
  });

  it.each([
    [
      'a wrapped single TagSpecification with a single Tag',
      'create-snapshots-wrapped-object',
      { snapshot: { Schedule: 'nightly' } },
    ],
    [
      'a wrapped [{tag, content}] TagSpecification and Tag list',
      'create-snapshots-wrapped-array',
      { snapshot: { Owner: 'dba@example.org', Expiry: '2026-08-01' } },
    ],
    [
      'an empty value',
      'copy-snapshot-cross-region',
      { snapshot: { 'aws:backup:source-resource': 'vol-0123456789abcdef0', Owner: '' } },
    ],
    ['no tag specification', 'create-snapshot-iam-user', {}],
  ])('reads %s', (_case, name, expected) => {
    // Prepare
    const record = recordOf(loadFixture(name));

    // Act
    const tags = extractRequestedTags(record);

    // Assess
    expect(tags).toEqual(expected);
  });

  it('reads a tag[] list and ignores specifications for other resource types', () => {
    // Prepare
    const raw = loadFixture('create-image-assumed-role');
    raw.requestParameters.tagSpecificationSet = {
      items: [
        { resourceType: 'instance', tags: [{ key: 'Ignored', value: 'yes' }] },
        { resourceType: 'image', tag: [{ key: 'Owner', value: 'ops@example.org' }] },
      ],
    };
    const record = recordOf(raw);

    // Act
    const tags = extractRequestedTags(record);

    // Assess
    expect(tags).toEqual({ image: { Owner: 'ops@example.org' } });
  });

  it('keeps a __proto__ tag key as an ordinary key', () => {
    // Prepare
    const raw = loadFixture('create-snapshot-iam-user');
    raw.requestParameters.tagSpecificationSet = {
      items: [{ resourceType: 'snapshot', tags: [{ key: '__proto__', value: 'polluted' }] }],
    };
    const record = recordOf(raw);

    // Act
    const tags = extractRequestedTags(record);

    // Assess
    expect(Object.keys(tags.snapshot ?? {})).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('throws with the path of a tag that has no key', () => {
    // Prepare
    const raw = loadFixture('create-image-sso-noreboot-tagged');
    delete raw.requestParameters.tagSpecificationSet.items[1].tags[0].key;
    const record = recordOf(raw);

    // Act
    const error = thrownBy(() => extractRequestedTags(record));

    // Assess
    expect(error.issues).toEqual(['requestParameters.tagSpecificationSet.items[1].tags[0].key: is missing']);
  });
});

describe('Events: extractRequestDetails', () => {
  it.each([
    [
      'create-image-sso-noreboot-tagged',
      { noReboot: true, name: 'api-server-golden', description: 'api server before the kernel upgrade' },
    ],
    ['create-image-assumed-role', { noReboot: false, name: 'nightly-build' }],
    ['create-snapshots-wrapped-object', { description: 'nightly multi-volume snapshot' }],
    ['create-snapshot-iam-user', { description: 'pre-upgrade snapshot' }],
  ])('reads name, description and noReboot from %s', (name, expected) => {
    // Prepare
    const record = recordOf(loadFixture(name));

    // Act
    const details = extractRequestDetails(record);

    // Assess
    expect(details).toEqual(expected);
  });
});
