import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GOVERNED_EVENT_NAMES } from '../../shared/events/event-table.js';
import { MAX_REPORTED_ISSUES, parseCloneEvent } from '../../shared/events/parse-clone-event.js';
import type { ParsedInput } from '../../shared/events/parsed-input.js';
import type { CloneEvent } from '../../shared/model/types.js';
import { ENVELOPE_FIXTURES, inEnvelope, type Json, loadFixture, RECORD_FIXTURES } from './fixtures.js';

function expectEvent(parsed: ParsedInput): CloneEvent {
  if (parsed.kind !== 'event' || parsed.event.family !== 'creation') {
    throw new Error(`expected a creation event, got ${JSON.stringify(parsed)}`);
  }
  return parsed.event;
}

/** Runs `act` and fails if it takes more than a generous bound: the work must not grow with the input. */
function timed<T>(act: () => T): T {
  const started = performance.now();
  const result = act();
  expect(performance.now() - started).toBeLessThan(1000);
  return result;
}

describe('Events: parseCloneEvent', () => {
  describe('governed events', () => {
    it('turns the tagged SSO noReboot CreateImage into a complete CloneEvent', () => {
      // Prepare
      const record = loadFixture('create-image-sso-noreboot-tagged');

      // Act
      const parsed = parseCloneEvent(record);

      // Assess
      expect(parsed).toEqual({
        kind: 'event',
        record: expect.objectContaining({ eventID: record.eventID }),
        event: {
          family: 'creation',
          eventId: 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f',
          eventName: 'CreateImage',
          eventTime: '2026-02-10T08:15:31Z',
          region: 'eu-north-1',
          account: '444455556666',
          principal: {
            type: 'AssumedRole',
            arn: 'arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PowerUserAccess_fedcba9876543210',
            callerArn:
              'arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_PowerUserAccess_fedcba9876543210/sam.lee@example.org',
            sessionName: 'sam.lee@example.org',
            accountId: '444455556666',
            display: 'role/AWSReservedSSO_PowerUserAccess_fedcba9876543210 (session sam.lee@example.org)',
          },
          clones: [{ kind: 'image', id: 'ami-0f1e2d3c4b5a69780' }],
          source: { kind: 'instance', id: 'i-0d9e8f7a6b5c4d3e2', region: 'eu-north-1' },
          noReboot: true,
          requestedTags: {
            image: { Owner: 'sam.lee@example.org', Team: '   platform' },
            snapshot: { Owner: 'sam.lee@example.org', CostCenter: 'cc-200' },
          },
          name: 'api-server-golden',
          description: 'api server before the kernel upgrade',
          userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:147.0) Gecko/20100101 Firefox/147.0',
        },
      });
    });

    it.each<[string, Partial<CloneEvent>]>([
      [
        'create-image-assumed-role',
        {
          eventName: 'CreateImage',
          eventTime: '2025-11-04T09:12:44Z',
          clones: [{ kind: 'image', id: 'ami-0c2b4d6f8a1e3c5b7' }],
          source: { kind: 'instance', id: 'i-0a4f2c9e81b3d5e67', region: 'us-east-1' },
          noReboot: false,
          requestedTags: {},
          name: 'nightly-build',
        },
      ],
      [
        'copy-image-cross-region',
        {
          eventName: 'CopyImage',
          region: 'eu-west-1',
          account: '333344445555',
          clones: [{ kind: 'image', id: 'ami-0fedcba987654321a' }],
          source: { kind: 'image', id: 'ami-0123abcd4567ef890', region: 'us-east-1' },
          principal: { type: 'Unknown', arn: '', display: 'unknown caller' },
          name: 'api-server-golden-eu',
        },
      ],
      [
        'create-snapshot-iam-user',
        {
          eventName: 'CreateSnapshot',
          clones: [{ kind: 'snapshot', id: 'snap-0a9b8c7d6e5f4a3b2' }],
          source: { kind: 'volume', id: 'vol-0b1c2d3e4f5a6b7c8', region: 'us-east-1' },
          description: 'pre-upgrade snapshot',
          principal: expect.objectContaining({ type: 'IAMUser', display: 'user/snapshot-bot' }),
        },
      ],
      [
        'create-snapshots-flat',
        {
          eventName: 'CreateSnapshots',
          clones: [
            { kind: 'snapshot', id: 'snap-0e1f2a3b4c5d6e7f8' },
            { kind: 'snapshot', id: 'snap-0a1b2c3d4e5f6a7b9' },
          ],
          source: { kind: 'instance', id: 'i-0c1d2e3f4a5b6c7d8', region: 'ap-southeast-2' },
          requestedTags: { snapshot: { Owner: 'db-team@example.org' } },
        },
      ],
      [
        'create-snapshots-wrapped-object',
        {
          clones: [{ kind: 'snapshot', id: 'snap-0b2c3d4e5f6a7b8c9' }],
          source: { kind: 'instance', id: 'i-0e9d8c7b6a5f4e3d2', region: 'us-east-2' },
          requestedTags: { snapshot: { Schedule: 'nightly' } },
          description: 'nightly multi-volume snapshot',
          principal: expect.objectContaining({
            arn: 'arn:aws:iam::112233445566:role/automation/SnapshotScheduler',
          }),
        },
      ],
      [
        'create-snapshots-wrapped-array',
        {
          clones: [
            { kind: 'snapshot', id: 'snap-0c3d4e5f6a7b8c9d1' },
            { kind: 'snapshot', id: 'snap-0d4e5f6a7b8c9d0e2' },
            { kind: 'snapshot', id: 'snap-0e5f6a7b8c9d0e1f3' },
          ],
          source: { kind: 'instance', id: 'i-0f1e2d3c4b5a69788', region: 'ca-central-1' },
          requestedTags: { snapshot: { Owner: 'dba@example.org', Expiry: '2026-08-01' } },
        },
      ],
      [
        'copy-snapshot-cross-region',
        {
          eventName: 'CopySnapshot',
          region: 'us-east-2',
          clones: [{ kind: 'snapshot', id: 'snap-0a0b0c0d0e0f10111' }],
          source: { kind: 'snapshot', id: 'snap-0f0e0d0c0b0a09080', region: 'us-west-2' },
          principal: expect.objectContaining({
            arn: 'arn:aws:iam::556677889900:role/service-role/AWSBackupDefaultServiceRole',
            invokedBy: 'backup.amazonaws.com',
          }),
        },
      ],
      [
        'register-image',
        {
          eventName: 'RegisterImage',
          clones: [{ kind: 'image', id: 'ami-0abc1234def567890' }],
          source: { kind: 'snapshot', id: 'snap-0123fedc4567ba981', region: 'sa-east-1' },
          requestedTags: { image: { Expiry: '2026-03-01' } },
          principal: {
            type: 'Root',
            arn: 'arn:aws:iam::665544332211:root',
            callerArn: 'arn:aws:iam::665544332211:root',
            accountId: '665544332211',
            display: 'root',
          },
        },
      ],
    ])('parses the %s fixture', (name, expected) => {
      // Prepare
      const record = loadFixture(name);

      // Act
      const event = expectEvent(parseCloneEvent(record));

      // Assess
      expect(event).toMatchObject(expected);
      expect(event.eventId).toBe(record.eventID);
    });

    it.each(RECORD_FIXTURES.filter((name) => name !== 'modify-image-attribute-failed'))(
      'parses %s the same inside an EventBridge envelope',
      (name) => {
        // Prepare
        const record = loadFixture(name);

        // Act
        const bare = parseCloneEvent(record);
        const wrapped = parseCloneEvent(inEnvelope(structuredClone(record)));

        // Assess
        expect(wrapped).toEqual(bare);
      },
    );

    it.each(ENVELOPE_FIXTURES)('parses the %s envelope fixture', (name) => {
      // Prepare
      const envelope = loadFixture(name);

      // Act
      const event = expectEvent(parseCloneEvent(envelope));

      // Assess
      expect(event.eventId).toBe(envelope.detail.eventID);
      expect(event.clones.length).toBeGreaterThan(0);
      expect(event.source).toBeDefined();
    });

    it('leaves out optional fields the record does not have', () => {
      // Prepare
      const record = loadFixture('create-snapshot-iam-user');

      // Act
      const event = expectEvent(parseCloneEvent(record));

      // Assess
      expect(Object.keys(event)).not.toContain('noReboot');
      expect(Object.keys(event)).not.toContain('userAgent');
      expect(Object.keys(event)).not.toContain('name');
    });
  });

  describe('skipped records', () => {
    it('skips a failed call and says which errorCode', () => {
      // Prepare
      const record = loadFixture('modify-image-attribute-failed');

      // Act
      const parsed = parseCloneEvent(record);

      // Assess
      expect(parsed).toEqual({
        kind: 'skipped',
        reason: 'the call failed (errorCode UnauthorizedOperation): nothing was created',
        eventId: '2f3e4d5c-6b7a-4980-a1b2-c3d4e5f6a7b8',
        eventName: 'ModifyImageAttribute',
        region: 'us-west-2',
        account: '135792468013',
      });
    });

    it('skips a failed governed call even though its response has no ids', () => {
      // Prepare
      const record = loadFixture('create-image-assumed-role');
      record.errorCode = 'Client.InvalidInstanceID.NotFound';
      record.responseElements = null;

      // Act
      const parsed = parseCloneEvent(record);

      // Assess
      expect(parsed).toMatchObject({
        kind: 'skipped',
        reason: expect.stringContaining('Client.InvalidInstanceID.NotFound'),
      });
    });

    it.each(['Client.DryRunOperation', 'DryRunOperation'])(
      'skips a dry-run call (%s) as a dry run',
      (errorCode) => {
        // Prepare
        const envelope = loadFixture('eventbridge-create-snapshot');
        envelope.detail.errorCode = errorCode;
        envelope.detail.errorMessage = 'Request would have succeeded, but DryRun flag is set.';

        // Act
        const parsed = parseCloneEvent(envelope);

        // Assess
        expect(parsed).toMatchObject({ kind: 'skipped', reason: expect.stringMatching(/^dry-run call/) });
      },
    );

    it('skips a record from another service', () => {
      // Prepare
      const record = loadFixture('create-snapshot-iam-user');
      record.eventSource = 'rds.amazonaws.com';
      record.eventName = 'CreateDBSnapshot';

      // Act
      const parsed = parseCloneEvent(record);

      // Assess
      expect(parsed).toMatchObject({
        kind: 'skipped',
        reason: 'eventSource rds.amazonaws.com is not ec2.amazonaws.com',
      });
    });

    it.each(['RunInstances', 'ResetImageAttribute', 'DeleteSnapshot'])(
      'skips %s as not governed, naming the event',
      (eventName) => {
        // Prepare
        const record = loadFixture('create-image-assumed-role');
        record.eventName = eventName;

        // Act
        const parsed = parseCloneEvent(record);

        // Assess
        expect(parsed).toMatchObject({
          kind: 'skipped',
          eventName,
          reason: `event ${eventName} is not governed by clonewarden`,
        });
      },
    );

    it('skips a non-governed event whatever its request holds', () => {
      // Prepare
      const record = loadFixture('modify-image-attribute-failed');
      delete record.errorCode;
      // ModifyImageAttribute is governed (sharing); a reset only takes grants away and is not.
      record.eventName = 'ResetImageAttribute';
      record.userIdentity.arn = 12;

      // Act
      const parsed = parseCloneEvent(record);

      // Assess
      expect(parsed.kind).toBe('skipped');
    });

    it.each([
      ['source', 'aws.s3', 'EventBridge source "aws.s3" is not aws.ec2'],
      [
        'detail-type',
        'EC2 AMI State Change',
        'EventBridge detail-type "EC2 AMI State Change" is not "AWS API Call via CloudTrail"',
      ],
    ])('skips an envelope whose %s is %s', (field, value, reason) => {
      // Prepare
      const envelope = loadFixture('eventbridge-create-image-sso');
      envelope[field] = value;

      // Act
      const parsed = parseCloneEvent(envelope);

      // Assess
      expect(parsed).toEqual({ kind: 'skipped', reason });
    });

    it.each([
      ['the exact role ARN', 'arn:aws:iam::556677889900:role/service-role/AWSBackupDefaultServiceRole'],
      ['a glob over accounts and paths', 'arn:aws:iam::*:role/*AWSBackupDefaultServiceRole'],
    ])("skips the enforcer's own call matched by %s", (_case, glob) => {
      // Prepare
      const record = loadFixture('copy-snapshot-cross-region');

      // Act
      const parsed = parseCloneEvent(record, { enforcerPrincipals: ['arn:aws:iam::*:role/Unrelated', glob] });

      // Assess
      expect(parsed).toMatchObject({
        kind: 'skipped',
        reason:
          'call made by the enforcer itself (arn:aws:iam::556677889900:role/service-role/AWSBackupDefaultServiceRole)',
      });
    });

    it.each([
      ['a glob for another role', ['arn:aws:iam::*:role/clonewarden-enforcer']],
      [
        'the session ARN instead of the role ARN',
        ['arn:aws:sts::210987654321:assumed-role/PlatformEngineer/ops_user'],
      ],
      ['no globs', []],
    ])('does not skip when the enforcer list holds %s', (_case, enforcerPrincipals) => {
      // Prepare
      const record = loadFixture('create-image-assumed-role');

      // Act
      const parsed = parseCloneEvent(record, { enforcerPrincipals });

      // Assess
      expect(parsed.kind).toBe('event');
    });

    it('does not treat an empty enforcer glob as matching an unknown caller', () => {
      // Prepare
      const record = loadFixture('copy-image-cross-region');

      // Act
      const parsed = parseCloneEvent(record, { enforcerPrincipals: [''] });

      // Assess
      expect(parsed.kind).toBe('event');
    });
  });

  describe('rejected input', () => {
    it.each<[string, (r: Json) => void]>([
      [
        'a * in the session ARN',
        (r) => (r.userIdentity.arn = 'arn:aws:sts::111122223333:assumed-role/Platform*/x'),
      ],
      [
        'a ? in the session issuer ARN',
        (r) => (r.userIdentity.sessionContext.sessionIssuer.arn = 'arn:aws:iam::111122223333:role/Platform?'),
      ],
      ['a [ in the principal id', (r) => (r.userIdentity.principalId = 'AROA[EXAMPLE]:x')],
      ['a * in invokedBy', (r) => (r.userIdentity.invokedBy = '*.amazonaws.com')],
      ['a * as the account', (r) => (r.userIdentity.accountId = '*')],
    ])('rejects %s: policy globs are matched against it, and CloudTrail never writes one', (_, mutate) => {
      // Prepare
      const record = loadFixture('create-image-assumed-role');
      mutate(record);

      // Act
      const parsed = parseCloneEvent(record, { enforcerPrincipals: ['arn:aws:iam::*:role/Platform*'] });

      // Assess
      expect(parsed.kind).toBe('rejected');
      expect(parsed.kind === 'rejected' && parsed.issues.join(' ')).toMatch(
        /userIdentity\..*glob characters/,
      );
    });

    it.each<[string, string, (record: Json) => void, string]>([
      [
        'CreateImage',
        'create-image-assumed-role',
        (r) => delete r.responseElements.imageId,
        'responseElements.imageId',
      ],
      [
        'CreateSnapshot',
        'create-snapshot-iam-user',
        (r) => (r.responseElements = null),
        'responseElements.snapshotId',
      ],
      [
        'CreateSnapshots',
        'create-snapshots-flat',
        (r) => (r.responseElements.snapshotSet = { items: [] }),
        'responseElements.snapshotSet.item[].snapshotId',
      ],
      ['CopyImage', 'copy-image-cross-region', (r) => delete r.responseElements, 'responseElements.imageId'],
      [
        'CopySnapshot',
        'copy-snapshot-cross-region',
        (r) => delete r.responseElements.snapshotId,
        'responseElements.snapshotId',
      ],
      ['RegisterImage', 'register-image', (r) => (r.responseElements = {}), 'responseElements.imageId'],
    ])(
      'rejects a %s whose response lacks the new id, saying where it should be',
      (eventName, name, mutate, where) => {
        // Prepare
        const record = loadFixture(name);
        mutate(record);

        // Act
        const parsed = parseCloneEvent(record);

        // Assess
        expect(parsed).toMatchObject({
          kind: 'rejected',
          eventName,
          reason: expect.stringMatching(
            new RegExp(`^${eventName} without a new (image|snapshot) id in .*cannot tell what was created$`),
          ),
          issues: [`${where}: is missing`],
        });
      },
    );

    it('prefixes paths with detail. for an envelope', () => {
      // Prepare
      const envelope = loadFixture('eventbridge-create-snapshot');
      delete envelope.detail.responseElements.snapshotId;

      // Act
      const parsed = parseCloneEvent(envelope);

      // Assess
      expect(parsed).toMatchObject({
        kind: 'rejected',
        issues: ['detail.responseElements.snapshotId: is missing'],
      });
    });

    it.each<[string, (record: Json) => void, string]>([
      [
        'noReboot',
        (r) => (r.requestParameters.noReboot = 'yes'),
        'requestParameters.noReboot: expected true or false, got "yes"',
      ],
      [
        'instanceId',
        (r) => (r.requestParameters.instanceId = 42),
        'requestParameters.instanceId: expected a string, got a number',
      ],
      [
        'imageId',
        (r) => (r.responseElements.imageId = 'snap-0123'),
        'responseElements.imageId: expected an image id (ami-…), got "snap-0123"',
      ],
      [
        'name',
        (r) => (r.requestParameters.name = ['a']),
        'requestParameters.name: expected a string, got an array',
      ],
      [
        'tag value',
        (r) => (r.requestParameters.tagSpecificationSet.items[0].tags[1].value = { nested: true }),
        'requestParameters.tagSpecificationSet.items[0].tags[1].value: expected a string, got a object',
      ],
      [
        'eventTime',
        (r) => (r.eventTime = 'last tuesday'),
        'eventTime: expected an ISO 8601 time such as 2026-03-25T16:30:25Z or 2026-03-25 16:30:25',
      ],
      [
        'userIdentity.arn',
        (r) => (r.userIdentity.arn = 7),
        'userIdentity.arn: Invalid input: expected string, received number',
      ],
      [
        'userIdentity',
        (r) => (r.userIdentity = 'root'),
        'userIdentity: Invalid input: expected object, received string',
      ],
    ])('rejects a wrong %s with its path', (_field, mutate, issue) => {
      // Prepare
      const record = loadFixture('create-image-sso-noreboot-tagged');
      mutate(record);

      // Act
      const parsed = parseCloneEvent(record);

      // Assess
      expect(parsed).toMatchObject({ kind: 'rejected', eventId: record.eventID, issues: [issue] });
    });

    it.each<[string, (record: Json) => void, string]>([
      ['eventID', (r) => delete r.eventID, 'eventID: Invalid input: expected string, received undefined'],
      ['eventName', (r) => (r.eventName = null), 'eventName: Invalid input: expected string, received null'],
      ['awsRegion', (r) => (r.awsRegion = 'US East (N. Virginia)'), 'awsRegion: expected an AWS region'],
    ])(
      'rejects a record whose header field %s is wrong, before deciding to skip it',
      (_field, mutate, issue) => {
        // Prepare
        const record = loadFixture('modify-image-attribute-failed');
        mutate(record);

        // Act
        const parsed = parseCloneEvent(record);

        // Assess
        expect(parsed).toEqual({
          kind: 'rejected',
          reason: 'the record does not fit the CloudTrail schema',
          issues: [issue],
        });
      },
    );

    it.each([
      ['null', null, 'null'],
      ['a string', 'CreateImage', 'a string'],
      ['a number', 42, 'a number'],
      ['an array', [], 'an array'],
    ])('rejects %s as input', (_case, input, described) => {
      // Act
      const parsed = parseCloneEvent(input);

      // Assess
      expect(parsed).toEqual({
        kind: 'rejected',
        reason: 'input is not a JSON object',
        issues: [`(root): expected an object, got ${described}`],
      });
    });

    it('rejects a malformed envelope with the envelope field paths', () => {
      // Prepare
      const envelope = loadFixture('eventbridge-create-snapshot');
      envelope.time = 'soon';
      delete envelope.account;

      // Act
      const parsed = parseCloneEvent(envelope);

      // Assess
      expect(parsed).toMatchObject({
        kind: 'rejected',
        reason: 'the EventBridge envelope does not fit its schema',
      });
      expect((parsed as { issues: string[] }).issues.map((issue) => issue.split(':')[0]).sort()).toEqual([
        'account',
        'time',
      ]);
    });
  });

  describe('bounded work on hostile input', () => {
    const HUGE = 'x'.repeat(100_000);

    it.each<[string, (record: Json) => void, RegExp]>([
      ['eventName', (r) => (r.eventName = HUGE), /^eventName: must be at most 128 characters$/],
      ['eventID', (r) => (r.eventID = HUGE), /^eventID: must be at most 256 characters$/],
      [
        'userIdentity.arn',
        (r) => (r.userIdentity.arn = HUGE),
        /^userIdentity\.arn: must be at most 2048 characters$/,
      ],
      [
        'requestParameters.name',
        (r) => (r.requestParameters.name = HUGE),
        /^requestParameters\.name: must be at most 4096 characters, got 100000$/,
      ],
      [
        'a tag value',
        (r) => (r.requestParameters.tagSpecificationSet.items[0].tags[0].value = HUGE),
        /^requestParameters\.tagSpecificationSet\.items\[0\]\.tags\[0\]\.value: must be at most 4096 characters/,
      ],
      [
        'responseElements.imageId',
        (r) => (r.responseElements.imageId = `ami-${HUGE}`),
        /^responseElements\.imageId: must be at most 256/,
      ],
    ])('rejects a 100 KB %s quickly, with a short message', (_field, mutate, issue) => {
      // Prepare
      const record = loadFixture('create-image-sso-noreboot-tagged');
      mutate(record);

      // Act
      const parsed = timed(() => parseCloneEvent(record));

      // Assess
      expect(parsed.kind).toBe('rejected');
      const issues = (parsed as { issues: string[] }).issues;
      expect(issues).toEqual([expect.stringMatching(issue)]);
      expect(JSON.stringify(parsed).length).toBeLessThan(1000);
    });

    it('carries a 100 KB userAgent cut to 4096 characters, so that it cannot hide a clone', () => {
      // Prepare
      const record = loadFixture('create-image-sso-noreboot-tagged');
      record.userAgent = HUGE;

      // Act
      const event = expectEvent(timed(() => parseCloneEvent(record)));

      // Assess
      expect(event.userAgent).toHaveLength(4096);
    });

    it.each<[string, (record: Json, items: Json[]) => void]>([
      ['tags', (r, items) => (r.requestParameters.tagSpecificationSet.items[0].tags = items)],
      ['tag specifications', (r, items) => (r.requestParameters.tagSpecificationSet.items = items)],
      ['block device mappings', (r, items) => (r.requestParameters.blockDeviceMapping.items = items)],
    ])('rejects 10,000 %s quickly', (_case, mutate) => {
      // Prepare
      const record = loadFixture('register-image');
      record.requestParameters.tagSpecificationSet.items[0].tags ??= [];
      const items = Array.from({ length: 10_000 }, (_, i) => ({
        key: `k${i}`,
        value: 'v',
        resourceType: 'image',
      }));
      mutate(record, items);

      // Act
      const parsed = timed(() => parseCloneEvent(record));

      // Assess
      expect(parsed).toMatchObject({
        kind: 'rejected',
        issues: [expect.stringMatching(/has 10000 items, more than the 1000/)],
      });
    });

    it('rejects 10,000 new snapshots in a CreateSnapshots response quickly', () => {
      // Prepare
      const record = loadFixture('create-snapshots-wrapped-array');
      record.responseElements.CreateSnapshotsResponse.snapshotSet.item = Array.from(
        { length: 10_000 },
        (_, i) => ({
          snapshotId: `snap-${i.toString(16).padStart(17, '0')}`,
        }),
      );

      // Act
      const parsed = timed(() => parseCloneEvent(record));

      // Assess
      expect(parsed).toMatchObject({
        kind: 'rejected',
        issues: [
          'responseElements.CreateSnapshotsResponse.snapshotSet.item: has 10000 items, more than the 1000 clonewarden reads',
        ],
      });
    });

    it('ignores a 10,000-item array in a field it does not read', () => {
      // Prepare
      const record = loadFixture('create-image-assumed-role');
      record.requestParameters.clientToken = Array.from({ length: 10_000 }, (_, i) => ({
        i,
        s: 'y'.repeat(10),
      }));
      record.additionalEventData = { junk: Array.from({ length: 10_000 }, () => HUGE.slice(0, 100)) };

      // Act
      const parsed = timed(() => parseCloneEvent(record));

      // Assess
      expect(parsed.kind).toBe('event');
    });

    it(`lists at most ${MAX_REPORTED_ISSUES} problems for an envelope with 10,000 bad resources`, () => {
      // Prepare
      const envelope = loadFixture('eventbridge-create-snapshot');
      envelope.resources = Array.from({ length: 10_000 }, (_, i) => i);

      // Act
      const parsed = timed(() => parseCloneEvent(envelope));

      // Assess
      expect(parsed.kind).toBe('rejected');
      const issues = (parsed as { issues: string[] }).issues;
      expect(issues).toHaveLength(MAX_REPORTED_ISSUES + 1);
      expect(issues.at(-1)).toBe(`… and ${10_000 - MAX_REPORTED_ISSUES} more`);
    });
  });

  describe('never throws', () => {
    it('for any JSON value', () => {
      // Assess
      fc.assert(
        fc.property(fc.jsonValue(), (input) => {
          expect(['event', 'skipped', 'rejected']).toContain(parseCloneEvent(input).kind);
        }),
        { numRuns: 300 },
      );
    });

    it('for a governed record with any field replaced by any value', () => {
      // Prepare
      const fieldPaths = [
        ['requestParameters'],
        ['responseElements'],
        ['userIdentity'],
        ['userIdentity', 'sessionContext'],
        ['userIdentity', 'sessionContext', 'sessionIssuer'],
        ['requestParameters', 'tagSpecificationSet'],
        ['requestParameters', 'tagSpecificationSet', 'items'],
        ['requestParameters', 'instanceId'],
        ['requestParameters', 'noReboot'],
        ['responseElements', 'imageId'],
        ['eventName'],
        ['eventTime'],
      ];

      // Act & Assess
      fc.assert(
        fc.property(
          fc.constantFrom(...fieldPaths),
          fc.jsonValue(),
          fc.constantFrom(...GOVERNED_EVENT_NAMES),
          (path, value, eventName) => {
            const record = loadFixture('create-image-sso-noreboot-tagged');
            record.eventName = eventName;
            let target = record;
            for (const key of path.slice(0, -1)) target = target[key];
            target[path.at(-1) as string] = value;
            expect(['event', 'skipped', 'rejected']).toContain(parseCloneEvent(record).kind);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});

describe('Events: parseCloneEvent, records without recipientAccountId or eventID', () => {
  function withoutRecipient(): Json {
    const record = loadFixture('create-image-assumed-role');
    delete record.recipientAccountId;
    return record;
  }

  it('takes the account from the EventBridge envelope first', () => {
    // Prepare
    const record = loadFixture('create-image-assumed-role');
    const envelope = inEnvelope(record);
    envelope.account = '999988887777';

    // Act
    const event = expectEvent(parseCloneEvent(envelope));

    // Assess
    expect(event.account).toBe('999988887777');
  });

  it('takes recipientAccountId when there is no envelope', () => {
    // Prepare
    const record = loadFixture('create-image-assumed-role');
    record.userIdentity.accountId = '999988887777';

    // Act
    const event = expectEvent(parseCloneEvent(record));

    // Assess
    expect(event.account).toBe(record.recipientAccountId);
  });

  it('takes userIdentity.accountId when recipientAccountId is missing (eventVersion before 1.02)', () => {
    // Prepare
    const record = withoutRecipient();
    record.eventVersion = '1.01';
    record.userIdentity.accountId = '999988887777';

    // Act
    const event = expectEvent(parseCloneEvent(record));

    // Assess
    expect(event.account).toBe('999988887777');
  });

  it('prefers the envelope account over userIdentity.accountId when recipientAccountId is missing', () => {
    // Prepare
    const record = withoutRecipient();
    record.userIdentity.accountId = '999988887777';
    const envelope = inEnvelope(record);
    envelope.account = '123412341234';

    // Act
    const event = expectEvent(parseCloneEvent(envelope));

    // Assess
    expect(event.account).toBe('123412341234');
  });

  it('names the account of a skipped record from userIdentity when recipientAccountId is missing', () => {
    // Prepare
    const record = loadFixture('modify-image-attribute-failed');
    delete record.recipientAccountId;
    record.userIdentity = { type: 'IAMUser', accountId: '999988887777' };

    // Act
    const parsed = parseCloneEvent(record);

    // Assess
    expect(parsed).toMatchObject({ kind: 'skipped', account: '999988887777' });
  });

  it('rejects a governed record that names no account anywhere, saying where it looked', () => {
    // Prepare
    const record = withoutRecipient();
    delete record.userIdentity.accountId;
    delete record.userIdentity.sessionContext;

    // Act
    const parsed = parseCloneEvent(record);

    // Assess
    expect(parsed).toMatchObject({
      kind: 'rejected',
      issues: [
        "recipientAccountId: is missing, and neither the EventBridge envelope's account nor userIdentity.accountId names the account",
      ],
    });
  });

  it('accepts a 1.0 record without eventID and names the event by its new clone', () => {
    // Prepare
    const record = withoutRecipient();
    record.eventVersion = '1.0';
    delete record.eventID;

    // Act
    const event = expectEvent(parseCloneEvent(record));

    // Assess
    expect(event.eventId).toBe('CreateImage/ami-0c2b4d6f8a1e3c5b7');
    expect(event.account).toBe(record.userIdentity.accountId);
  });

  it('still rejects a record of eventVersion 1.01 or later without eventID', () => {
    // Prepare
    const record = loadFixture('create-image-assumed-role');
    record.eventVersion = '1.01';
    delete record.eventID;

    // Act
    const parsed = parseCloneEvent(record);

    // Assess
    expect(parsed).toMatchObject({
      kind: 'rejected',
      issues: ['eventID: Invalid input: expected string, received undefined'],
    });
  });
});
