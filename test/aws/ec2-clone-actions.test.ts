import {
  CreateTagsCommand,
  DescribeImageAttributeCommand,
  DescribeSnapshotAttributeCommand,
  DisableImageCommand,
  EC2Client,
  EC2ServiceException,
  EnableImageDeprecationCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { Ec2CloneActions } from '../../shared/aws/ec2-clone-actions.js';
import {
  decodeShares,
  encodeShares,
  recordedShares,
  type Share,
  shareTagKey,
} from '../../shared/model/clonewarden-tags.js';
import type { EnforcerLog } from '../../shared/model/log.js';

const IMAGE = 'ami-0fffffffffffffff1';
const SNAPSHOT = 'snap-0fffffffffffffff1';
const PARTNER = '444455556666';
const ORG = 'arn:aws:organizations::111122223333:organization/o-abcdef1234';
const NOW = new Date('2026-06-15T12:00:30.500Z');

const ec2Mock = mockClient(EC2Client);

function ec2Error(name: string, httpStatusCode: number): EC2ServiceException {
  return new EC2ServiceException({
    name,
    message: `${name} (test)`,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

/** What the SDK raises when moto answers an API it lacks with an HTTP 500 and a non-AWS body. */
function motoNotImplemented(): Error {
  return Object.assign(
    new Error('Deserialization error: to see the raw response, inspect the hidden field'),
    {
      name: 'Error',
      $metadata: { httpStatusCode: 500 },
    },
  );
}

function anActions(now: Date = NOW) {
  const log: EnforcerLog = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const aws = createAwsClients({ region: 'us-east-1' });
  const actions = new Ec2CloneActions(aws, { log, now: () => now });
  return { actions, log, aws };
}

function mockSharedImage(): void {
  ec2Mock.on(DescribeImageAttributeCommand).resolves({
    ImageId: IMAGE,
    LaunchPermissions: [{ UserId: PARTNER }, { Group: 'all' }, { OrganizationArn: ORG }],
  });
  ec2Mock.on(CreateTagsCommand).resolves({});
  ec2Mock.on(ModifyImageAttributeCommand).resolves({});
  ec2Mock.on(DisableImageCommand).resolves({ Return: true });
  ec2Mock.on(EnableImageDeprecationCommand).resolves({ Return: true });
}

const commandNames = () =>
  ec2Mock.calls().map((call) => call.args[0].constructor.name.replace(/Command$/, ''));

describe('Adapter: Ec2CloneActions', () => {
  beforeEach(() => {
    ec2Mock.reset();
  });

  afterAll(() => {
    ec2Mock.restore();
  });

  describe('quarantineImage', () => {
    it('records the launch permissions in a tag before removing them, then disables and deprecates the image', async () => {
      // Prepare
      mockSharedImage();
      const { actions } = anActions();

      // Act
      const result = await actions.quarantineImage('us-east-1', IMAGE, {});

      // Assess
      expect(commandNames()).toEqual([
        'DescribeImageAttribute',
        'CreateTags',
        'ModifyImageAttribute',
        'DisableImage',
        'EnableImageDeprecation',
      ]);
      expect(ec2Mock.commandCalls(CreateTagsCommand)[0]!.args[0].input).toEqual({
        Resources: [IMAGE],
        Tags: [{ Key: 'clonewarden:quarantine-shares', Value: `u=${PARTNER} g=all o=${ORG}` }],
      });
      expect(ec2Mock.commandCalls(ModifyImageAttributeCommand)[0]!.args[0].input).toEqual({
        ImageId: IMAGE,
        LaunchPermission: { Remove: [{ UserId: PARTNER }, { Group: 'all' }, { OrganizationArn: ORG }] },
      });
      expect(ec2Mock.commandCalls(DisableImageCommand)[0]!.args[0].input).toEqual({ ImageId: IMAGE });
      expect(result).toEqual({
        removedShares: [
          { kind: 'account', value: PARTNER },
          { kind: 'group', value: 'all' },
          { kind: 'organization', value: ORG },
        ],
        skipped: [],
      });
    });

    it.each([
      { now: '2026-06-15T12:00:30.500Z', expected: '2026-06-15T12:02:00.000Z' },
      { now: '2026-06-15T12:00:00.000Z', expected: '2026-06-15T12:02:00.000Z' },
      { now: '2026-06-15T12:00:59.999Z', expected: '2026-06-15T12:02:00.000Z' },
      { now: '2026-12-31T23:59:45.000Z', expected: '2027-01-01T00:01:00.000Z' },
    ])(
      'deprecates at $expected when now is $now: in the future, on a whole minute',
      async ({ now, expected }) => {
        // Prepare
        mockSharedImage();
        const { actions } = anActions(new Date(now));

        // Act
        await actions.quarantineImage('us-east-1', IMAGE, {});

        // Assess
        const deprecateAt = ec2Mock.commandCalls(EnableImageDeprecationCommand)[0]!.args[0].input
          .DeprecateAt!;
        expect(deprecateAt.toISOString()).toBe(expected);
        expect(deprecateAt.getTime()).toBeGreaterThan(new Date(now).getTime());
        expect(deprecateAt.getUTCSeconds() + deprecateAt.getUTCMilliseconds()).toBe(0);
      },
    );

    it('skips DisableImage and EnableImageDeprecation where the endpoint lacks them (moto 500), and does the rest', async () => {
      // Prepare
      mockSharedImage();
      ec2Mock.on(DisableImageCommand).rejects(motoNotImplemented());
      ec2Mock.on(EnableImageDeprecationCommand).rejects(motoNotImplemented());
      const { actions, log } = anActions();

      // Act
      const result = await actions.quarantineImage('us-east-1', IMAGE, {});

      // Assess
      expect(result.skipped).toEqual(['DisableImage', 'EnableImageDeprecation']);
      expect(result.removedShares).toHaveLength(3);
      expect(ec2Mock.commandCalls(ModifyImageAttributeCommand)).toHaveLength(1);
      expect(log.warn).toHaveBeenCalledTimes(2);
    });

    it('does not ask an endpoint again for a step it already found unsupported', async () => {
      // Prepare
      mockSharedImage();
      ec2Mock.on(DisableImageCommand).rejects(motoNotImplemented());
      const { actions } = anActions();
      await actions.quarantineImage('us-east-1', IMAGE, {});

      // Act
      const second = await actions.quarantineImage('us-east-1', IMAGE, {});

      // Assess
      expect(second.skipped).toEqual(['DisableImage']);
      expect(ec2Mock.commandCalls(DisableImageCommand)).toHaveLength(1);
      expect(ec2Mock.commandCalls(EnableImageDeprecationCommand)).toHaveLength(2);
    });

    it.each([
      { name: 'InternalError', status: 500 },
      { name: 'UnauthorizedOperation', status: 403 },
    ])('rejects on a real $name ($status) from DisableImage', async ({ name, status }) => {
      // Prepare
      mockSharedImage();
      const failure = ec2Error(name, status);
      ec2Mock.on(DisableImageCommand).rejects(failure);
      const { actions, aws } = anActions();

      // Act
      const quarantining = actions.quarantineImage('us-east-1', IMAGE, {});

      // Assess
      await expect(quarantining).rejects.toBe(failure);
      expect(aws.unsupported.has('DisableImage')).toBe(false);
      expect(ec2Mock.commandCalls(EnableImageDeprecationCommand)).toHaveLength(0);
    });

    it('on a retry after the shares were removed, keeps the recorded shares instead of overwriting them', async () => {
      // Prepare
      mockSharedImage();
      ec2Mock.on(DescribeImageAttributeCommand).resolves({ ImageId: IMAGE, LaunchPermissions: [] });
      const knownTags = { 'clonewarden:quarantine-shares': `u=${PARTNER} g=all` };
      const { actions } = anActions();

      // Act
      const result = await actions.quarantineImage('us-east-1', IMAGE, knownTags);

      // Assess
      expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(0);
      expect(ec2Mock.commandCalls(ModifyImageAttributeCommand)).toHaveLength(0);
      expect(commandNames()).toEqual(['DescribeImageAttribute', 'DisableImage', 'EnableImageDeprecation']);
      expect(result.removedShares).toEqual([]);
    });

    it('on a retry after some shares were removed, records the old and the new together', async () => {
      // Prepare
      mockSharedImage();
      ec2Mock.on(DescribeImageAttributeCommand).resolves({
        ImageId: IMAGE,
        LaunchPermissions: [{ Group: 'all' }, { UserId: PARTNER }],
      });
      const knownTags = { 'clonewarden:quarantine-shares': `u=${PARTNER} o=${ORG}` };
      const { actions } = anActions();

      // Act
      await actions.quarantineImage('us-east-1', IMAGE, knownTags);

      // Assess
      expect(ec2Mock.commandCalls(CreateTagsCommand)[0]!.args[0].input.Tags).toEqual([
        { Key: 'clonewarden:quarantine-shares', Value: `u=${PARTNER} o=${ORG} g=all` },
      ]);
    });

    it('records a share list too long for one tag across numbered tags, and logs when it runs out of tags', async () => {
      // Prepare
      mockSharedImage();
      const accounts = Array.from({ length: 200 }, (_, i) => ({ UserId: String(100000000000 + i) }));
      ec2Mock.on(DescribeImageAttributeCommand).resolves({ ImageId: IMAGE, LaunchPermissions: accounts });
      const { actions, log } = anActions();

      // Act
      await actions.quarantineImage('us-east-1', IMAGE, {});

      // Assess
      const tags = ec2Mock.commandCalls(CreateTagsCommand)[0]!.args[0].input.Tags!;
      expect(tags.map((tag) => tag.Key)).toEqual(Array.from({ length: 8 }, (_, i) => shareTagKey(i)));
      expect(tags.every((tag) => tag.Value!.length <= 256)).toBe(true);
      expect(log.error).toHaveBeenCalledTimes(1);
      // Every share is still removed, whether or not its record fit.
      expect(
        ec2Mock.commandCalls(ModifyImageAttributeCommand)[0]!.args[0].input.LaunchPermission?.Remove,
      ).toHaveLength(200);
    });
  });

  describe('quarantineSnapshot', () => {
    it('records createVolumePermission, then removes it with the flat OperationType form', async () => {
      // Prepare
      ec2Mock.on(DescribeSnapshotAttributeCommand).resolves({
        SnapshotId: SNAPSHOT,
        CreateVolumePermissions: [{ UserId: PARTNER }, { Group: 'all' }],
      });
      ec2Mock.on(CreateTagsCommand).resolves({});
      ec2Mock.on(ModifySnapshotAttributeCommand).resolves({});
      const { actions } = anActions();

      // Act
      const result = await actions.quarantineSnapshot('us-east-1', SNAPSHOT, {});

      // Assess
      expect(commandNames()).toEqual(['DescribeSnapshotAttribute', 'CreateTags', 'ModifySnapshotAttribute']);
      expect(ec2Mock.commandCalls(CreateTagsCommand)[0]!.args[0].input.Tags).toEqual([
        { Key: 'clonewarden:quarantine-shares', Value: `u=${PARTNER} g=all` },
      ]);
      expect(ec2Mock.commandCalls(ModifySnapshotAttributeCommand)[0]!.args[0].input).toEqual({
        SnapshotId: SNAPSHOT,
        Attribute: 'createVolumePermission',
        OperationType: 'remove',
        UserIds: [PARTNER],
        GroupNames: ['all'],
      });
      expect(result).toEqual({
        removedShares: [
          { kind: 'account', value: PARTNER },
          { kind: 'group', value: 'all' },
        ],
        skipped: [],
      });
    });

    it('changes nothing for a snapshot that is not shared', async () => {
      // Prepare
      ec2Mock
        .on(DescribeSnapshotAttributeCommand)
        .resolves({ SnapshotId: SNAPSHOT, CreateVolumePermissions: [] });
      const { actions } = anActions();

      // Act
      const result = await actions.quarantineSnapshot('us-east-1', SNAPSHOT, {});

      // Assess
      expect(commandNames()).toEqual(['DescribeSnapshotAttribute']);
      expect(result).toEqual({ removedShares: [], skipped: [] });
    });
  });

  describe('tag', () => {
    it.each<{ case: string; ids: string[]; tags: Record<string, string> }>([
      { case: 'no tags', ids: [IMAGE], tags: {} },
      { case: 'no resources', ids: [], tags: { 'clonewarden:status': 'compliant' } },
    ])('makes no call with $case', async ({ ids, tags }) => {
      // Prepare
      const { actions } = anActions();

      // Act
      await actions.tag('us-east-1', ids, tags);

      // Assess
      expect(ec2Mock.calls()).toHaveLength(0);
    });

    it('tags every resource in one CreateTags call', async () => {
      // Prepare
      ec2Mock.on(CreateTagsCommand).resolves({});
      const { actions } = anActions();

      // Act
      await actions.tag('us-east-1', [IMAGE, SNAPSHOT], { 'clonewarden:status': 'violation', Owner: 'x' });

      // Assess
      expect(ec2Mock.commandCalls(CreateTagsCommand).map((call) => call.args[0].input)).toEqual([
        {
          Resources: [IMAGE, SNAPSHOT],
          Tags: [
            { Key: 'clonewarden:status', Value: 'violation' },
            { Key: 'Owner', Value: 'x' },
          ],
        },
      ]);
    });
  });
});

describe('Adapter: encodeShares / decodeShares', () => {
  const shareArbitrary: fc.Arbitrary<Share> = fc.oneof(
    fc.stringMatching(/^\d{12}$/).map((value) => ({ kind: 'account' as const, value })),
    fc.constant({ kind: 'group' as const, value: 'all' }),
    fc.stringMatching(/^o-[a-z0-9]{10,32}$/).map((org) => ({
      kind: 'organization' as const,
      value: `arn:aws:organizations::111122223333:organization/${org}`,
    })),
    fc
      .tuple(
        fc.stringMatching(/^o-[a-z0-9]{10,32}$/),
        fc.stringMatching(/^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/),
      )
      .map(([org, ou]) => ({
        kind: 'organizational-unit' as const,
        value: `arn:aws:organizations::111122223333:ou/${org}/${ou}`,
      })),
  );

  it('splits into tag values of at most 256 characters that decode back to the same shares', () => {
    fc.assert(
      fc.property(fc.array(shareArbitrary, { maxLength: 120 }), (shares) => {
        // Act
        const values = encodeShares(shares);

        // Assess
        expect(values.every((value) => value.length > 0 && value.length <= 256)).toBe(true);
        expect(decodeShares(values)).toEqual(shares);
      }),
    );
  });

  it('round-trips through the numbered clonewarden:quarantine-shares tags', () => {
    fc.assert(
      fc.property(fc.array(shareArbitrary, { maxLength: 40 }), (shares) => {
        // Prepare
        const values = encodeShares(shares);
        fc.pre(values.length <= 8);
        const tags = Object.fromEntries(values.map((value, index) => [shareTagKey(index), value]));

        // Act
        const recorded = recordedShares(tags);

        // Assess
        expect(recorded).toEqual(shares);
      }),
    );
  });

  it('encodes nothing for no shares and ignores tokens it does not know', () => {
    // Act
    const encoded = encodeShares([]);
    const decoded = decodeShares(['x=1 u=111122223333', undefined, '']);

    // Assess
    expect(encoded).toEqual([]);
    expect(decoded).toEqual([{ kind: 'account', value: '111122223333' }]);
  });
});
