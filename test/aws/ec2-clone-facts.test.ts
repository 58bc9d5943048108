import {
  DescribeImagesCommand,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumeStatusCommand,
  DescribeVolumesCommand,
  EC2Client,
  EC2ServiceException,
  type Image,
  type InstanceStatus,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import {
  combineInstanceChecks,
  Ec2CloneFacts,
  type VisibilityRetry,
} from '../../shared/aws/ec2-clone-facts.js';
import { CloneNotVisibleError } from '../../shared/model/errors.js';
import type { EnforcerLog } from '../../shared/model/log.js';
import type { CloneEvent, SourceRef, StatusCheck } from '../../shared/model/types.js';
import { NOW, PLATFORM_ROLE } from '../support/rule-input.js';

const INSTANCE = 'i-0aaaaaaaaaaaaaaa1';
const VOLUME = 'vol-0bbbbbbbbbbbbbbb1';
const CLONE_IMAGE = 'ami-0fffffffffffffff1';
const CLONE_SNAPSHOT = 'snap-0fffffffffffffff1';
const BACKING_SNAPSHOT = 'snap-0fffffffffffffff2';
const ORIGIN_IMAGE = 'ami-0eeeeeeeeeeeeeee1';
const ORIGIN_SNAPSHOT = 'snap-0eeeeeeeeeeeeeee1';
const SOURCE_IMAGE = 'ami-0ccccccccccccccc1';

const ec2Mock = mockClient(EC2Client);

/** An SDK error as the client raises it: `name` is the EC2 error code. */
function ec2Error(name: string, httpStatusCode: number, message = `${name} (test)`): EC2ServiceException {
  return new EC2ServiceException({
    name,
    message,
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

function aLog(): EnforcerLog {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

function anEvent(eventName: string, clones: CloneEvent['clones'], source?: SourceRef): CloneEvent {
  return {
    family: 'creation',
    eventId: '11111111-2222-3333-4444-555555555555',
    eventName,
    eventTime: NOW.toISOString(),
    region: 'us-east-1',
    account: '111122223333',
    principal: PLATFORM_ROLE,
    clones,
    ...(source ? { source } : {}),
    requestedTags: {},
  };
}

const createImageEvent = () =>
  anEvent('CreateImage', [{ kind: 'image', id: CLONE_IMAGE }], {
    kind: 'instance',
    id: INSTANCE,
    region: 'us-east-1',
  });

const createSnapshotEvent = () =>
  anEvent('CreateSnapshot', [{ kind: 'snapshot', id: CLONE_SNAPSHOT }], {
    kind: 'volume',
    id: VOLUME,
    region: 'us-east-1',
  });

const cloneImage = (): Image => ({
  ImageId: CLONE_IMAGE,
  State: 'available',
  CreationDate: NOW.toISOString(),
  Tags: [{ Key: 'Owner', Value: 'jane@example.com' }],
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: BACKING_SNAPSHOT, VolumeSize: 8 } }],
});

const originImageDescription = (): Image => ({
  ImageId: ORIGIN_IMAGE,
  State: 'available',
  Tags: [{ Key: 'clonewarden:generation', Value: '1' }],
});

/** A running instance with passing checks, launched from `imageId` (null: EC2 reports no AMI). */
function mockRunningInstance(imageId: string | null = ORIGIN_IMAGE): void {
  ec2Mock.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: [
          {
            InstanceId: INSTANCE,
            State: { Name: 'running' },
            ...(imageId ? { ImageId: imageId } : {}),
            Tags: [{ Key: 'Team', Value: 'web' }],
            BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: VOLUME } }],
          },
        ],
      },
    ],
  });
  ec2Mock.on(DescribeInstanceStatusCommand).resolves({
    InstanceStatuses: [
      {
        InstanceId: INSTANCE,
        InstanceState: { Name: 'running' },
        InstanceStatus: { Status: 'ok' },
        SystemStatus: { Status: 'ok' },
      },
    ],
  });
}

function mockAttachedVolume(): void {
  ec2Mock.on(DescribeVolumesCommand).resolves({
    Volumes: [
      {
        VolumeId: VOLUME,
        State: 'in-use',
        SnapshotId: ORIGIN_SNAPSHOT,
        Attachments: [{ InstanceId: INSTANCE, VolumeId: VOLUME }],
        Tags: [{ Key: 'Team', Value: 'db' }],
      },
    ],
  });
  ec2Mock.on(DescribeSnapshotsCommand).resolves({
    Snapshots: [
      { SnapshotId: CLONE_SNAPSHOT, VolumeId: VOLUME, State: 'pending', VolumeSize: 20, StartTime: NOW },
      {
        SnapshotId: ORIGIN_SNAPSHOT,
        State: 'completed',
        Tags: [{ Key: 'clonewarden:generation', Value: '1' }],
      },
    ],
  });
  ec2Mock.on(DescribeInstanceStatusCommand).resolves({
    InstanceStatuses: [{ InstanceId: INSTANCE, InstanceState: { Name: 'running' } }],
  });
}

const NO_WAIT: VisibilityRetry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 };

function aReader(options: { retry?: VisibilityRetry; sleep?: (ms: number) => Promise<void> } = {}) {
  const aws = createAwsClients({ region: 'us-east-1' });
  const log = aLog();
  const sleep = options.sleep ?? vi.fn(async (_ms: number) => {});
  const reader = new Ec2CloneFacts(aws, { log, retry: options.retry ?? NO_WAIT, sleep, now: () => NOW });
  return { aws, log, sleep, reader };
}

const commandNames = () => ec2Mock.calls().map((call) => call.args[0].constructor.name);

describe('Adapter: Ec2CloneFacts', () => {
  beforeEach(() => {
    ec2Mock.reset();
  });

  afterAll(() => {
    ec2Mock.restore();
  });

  it('intercepts the clients that createAwsClients builds', async () => {
    // Prepare
    const aws = createAwsClients({ region: 'us-east-1' });
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [cloneImage()] });

    // Act
    const result = await aws.ec2().send(new DescribeImagesCommand({ ImageIds: [CLONE_IMAGE] }));

    // Assess
    expect(result.Images?.[0]?.ImageId).toBe(CLONE_IMAGE);
    expect(ec2Mock.calls()).toHaveLength(1);
    expect(ec2Mock.calls()[0]!.thisValue).toBe(aws.ec2('us-east-1'));
  });

  it('reads a CreateImage in three calls: the instance, the clone with its origin AMI together, the status checks', async () => {
    // Prepare
    mockRunningInstance();
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [cloneImage(), originImageDescription()] });
    const { reader } = aReader();

    // Act
    const facts = await reader.collect(createImageEvent());

    // Assess
    expect(commandNames().sort()).toEqual([
      'DescribeImagesCommand',
      'DescribeInstanceStatusCommand',
      'DescribeInstancesCommand',
    ]);
    expect(ec2Mock.commandCalls(DescribeImagesCommand)[0]!.args[0].input).toEqual({
      ImageIds: [CLONE_IMAGE, ORIGIN_IMAGE],
      IncludeDisabled: true,
    });
    expect(facts.clones).toEqual([
      expect.objectContaining({
        kind: 'image',
        id: CLONE_IMAGE,
        region: 'us-east-1',
        tags: { Owner: 'jane@example.com' },
        backingSnapshotIds: [BACKING_SNAPSHOT],
        sizeGiB: 8,
        deprecated: false,
      }),
    ]);
    expect(facts.source).toMatchObject({
      kind: 'instance',
      id: INSTANCE,
      found: true,
      state: 'running',
      statusChecks: 'ok',
      imageId: ORIGIN_IMAGE,
      volumeIds: [VOLUME],
      tags: { Team: 'web' },
    });
    expect(facts.origin).toEqual({
      kind: 'image',
      id: ORIGIN_IMAGE,
      found: true,
      tags: { 'clonewarden:generation': '1' },
    });
    expect(facts.gaps).toEqual([]);
  });

  it.each([
    { case: 'an empty result', notVisible: () => ({ Images: [] }) },
    {
      case: 'InvalidAMIID.NotFound',
      notVisible: () => {
        throw ec2Error('InvalidAMIID.NotFound', 400);
      },
    },
  ])(
    'waits with backoff while the new clone is not visible ($case), then reads it',
    async ({ notVisible }) => {
      // Prepare
      mockRunningInstance(null);
      ec2Mock
        .on(DescribeImagesCommand)
        .callsFakeOnce(notVisible)
        .callsFakeOnce(notVisible)
        .callsFakeOnce(notVisible)
        .resolves({ Images: [cloneImage()] });
      const sleep = vi.fn(async (_ms: number) => {});
      const { reader } = aReader({ retry: { attempts: 6, baseDelayMs: 100, maxDelayMs: 300 }, sleep });

      // Act
      const facts = await reader.collect(createImageEvent());

      // Assess
      expect(facts.clones.map((clone) => clone.id)).toEqual([CLONE_IMAGE]);
      expect(ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(4);
      expect(sleep.mock.calls).toEqual([[100], [200], [300]]);
    },
  );

  it('fails loudly with CloneNotVisibleError when the clone never becomes visible', async () => {
    // Prepare
    mockRunningInstance(null);
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
    const sleep = vi.fn(async (_ms: number) => {});
    const { reader } = aReader({ retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 10_000 }, sleep });

    // Act
    const collecting = reader.collect(createImageEvent());

    // Assess
    await expect(collecting).rejects.toBeInstanceOf(CloneNotVisibleError);
    await expect(collecting).rejects.toMatchObject({ resourceId: CLONE_IMAGE, attempts: 4 });
    // It names where it looked: the region and account the record names.
    await expect(collecting).rejects.toThrow(
      `${CLONE_IMAGE} is still not visible in us-east-1 after 4 attempts; EC2 was asked in the region the record names (awsRegion us-east-1, account 111122223333)`,
    );
    expect(ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(4);
    expect(sleep.mock.calls).toEqual([[100], [200], [400]]);
  });

  it('falls back to one call per id when the combined call is NotFound, and marks a missing origin not found', async () => {
    // Prepare
    mockRunningInstance(ORIGIN_IMAGE);
    ec2Mock.on(DescribeImagesCommand).callsFake((input: { ImageIds: string[] }) => {
      if (input.ImageIds.includes(ORIGIN_IMAGE)) throw ec2Error('InvalidAMIID.NotFound', 400);
      return { Images: [cloneImage()] };
    });
    const { reader } = aReader();

    // Act
    const facts = await reader.collect(createImageEvent());

    // Assess
    expect(ec2Mock.commandCalls(DescribeImagesCommand).map((call) => call.args[0].input.ImageIds)).toEqual([
      [CLONE_IMAGE, ORIGIN_IMAGE],
      [CLONE_IMAGE],
      [ORIGIN_IMAGE],
    ]);
    expect(facts.clones.map((clone) => clone.id)).toEqual([CLONE_IMAGE]);
    expect(facts.origin).toEqual({ kind: 'image', id: ORIGIN_IMAGE, found: false, tags: {} });
  });

  it('reads a CreateSnapshot of an attached volume: volume, snapshots, attached instance state, volume status', async () => {
    // Prepare
    mockAttachedVolume();
    ec2Mock.on(DescribeVolumeStatusCommand).resolves({
      VolumeStatuses: [{ VolumeId: VOLUME, VolumeStatus: { Status: 'ok' } }],
    });
    const { reader } = aReader();

    // Act
    const facts = await reader.collect(createSnapshotEvent());

    // Assess
    expect(commandNames().sort()).toEqual([
      'DescribeInstanceStatusCommand',
      'DescribeSnapshotsCommand',
      'DescribeVolumeStatusCommand',
      'DescribeVolumesCommand',
    ]);
    expect(ec2Mock.commandCalls(DescribeSnapshotsCommand)[0]!.args[0].input).toEqual({
      SnapshotIds: [CLONE_SNAPSHOT, ORIGIN_SNAPSHOT],
    });
    expect(ec2Mock.commandCalls(DescribeInstanceStatusCommand)[0]!.args[0].input).toEqual({
      InstanceIds: [INSTANCE],
      IncludeAllInstances: true,
    });
    expect(facts.source).toMatchObject({
      kind: 'volume',
      found: true,
      state: 'in-use',
      statusChecks: 'ok',
      snapshotId: ORIGIN_SNAPSHOT,
      attachments: [{ instanceId: INSTANCE, instanceState: 'running' }],
    });
    expect(facts.clones).toEqual([
      expect.objectContaining({ kind: 'snapshot', id: CLONE_SNAPSHOT, volumeId: VOLUME, sizeGiB: 20 }),
    ]);
    expect(facts.origin).toMatchObject({ kind: 'snapshot', id: ORIGIN_SNAPSHOT, found: true });
  });

  it('treats a moto-style 500 from DescribeVolumeStatus as unsupported: unknown, a gap, and never asked again', async () => {
    // Prepare
    mockAttachedVolume();
    ec2Mock.on(DescribeVolumeStatusCommand).rejects(motoNotImplemented());
    const { reader, log } = aReader();

    // Act
    const first = await reader.collect(createSnapshotEvent());
    const second = await reader.collect(createSnapshotEvent());

    // Assess
    const gap = 'DescribeVolumeStatus is not supported by this endpoint; volume status unknown';
    for (const facts of [first, second]) {
      expect(facts.source).toMatchObject({ kind: 'volume', statusChecks: 'unknown' });
      expect(facts.gaps).toEqual([gap]);
    }
    expect(ec2Mock.commandCalls(DescribeVolumeStatusCommand)).toHaveLength(1);
    expect(log.warn).toHaveBeenCalledTimes(1);
  });

  it('does not swallow a real AWS InternalError from DescribeVolumeStatus: the event must be retried', async () => {
    // Prepare
    mockAttachedVolume();
    ec2Mock
      .on(DescribeVolumeStatusCommand)
      .rejects(ec2Error('InternalError', 500, 'An internal error has occurred'));
    const { reader, aws } = aReader();

    // Act
    const collecting = reader.collect(createSnapshotEvent());

    // Assess
    await expect(collecting).rejects.toMatchObject({ name: 'InternalError' });
    expect(aws.unsupported.has('DescribeVolumeStatus')).toBe(false);
  });

  it.each([
    {
      case: 'an instance EC2 answers NotFound for',
      source: { kind: 'instance', id: INSTANCE, region: 'us-east-1' } as SourceRef,
      arrange: () =>
        ec2Mock.on(DescribeInstancesCommand).rejects(ec2Error('InvalidInstanceID.NotFound', 400)),
    },
    {
      case: 'an instance EC2 no longer lists',
      source: { kind: 'instance', id: INSTANCE, region: 'us-east-1' } as SourceRef,
      arrange: () => ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] }),
    },
    {
      case: 'a volume EC2 answers NotFound for',
      source: { kind: 'volume', id: VOLUME, region: 'us-east-1' } as SourceRef,
      arrange: () => ec2Mock.on(DescribeVolumesCommand).rejects(ec2Error('InvalidVolume.NotFound', 400)),
    },
  ])('marks $case as not found and records a gap', async ({ source, arrange }) => {
    // Prepare
    arrange();
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [cloneImage()] });
    ec2Mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: CLONE_SNAPSHOT }] });
    const cloneKind = source.kind === 'instance' ? 'image' : 'snapshot';
    const cloneId = cloneKind === 'image' ? CLONE_IMAGE : CLONE_SNAPSHOT;
    const { reader } = aReader();

    // Act
    const facts = await reader.collect(
      anEvent(
        cloneKind === 'image' ? 'CreateImage' : 'CreateSnapshot',
        [{ kind: cloneKind, id: cloneId }],
        source,
      ),
    );

    // Assess
    expect(facts.source).toMatchObject({ kind: source.kind, id: source.id, found: false, tags: {} });
    expect(facts.gaps).toEqual([`source ${source.id} was not found in us-east-1`]);
    expect(facts.clones.map((clone) => clone.id)).toEqual([cloneId]);
    // Nothing about a missing source's health can be asked.
    expect(ec2Mock.commandCalls(DescribeInstanceStatusCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(DescribeVolumeStatusCommand)).toHaveLength(0);
  });

  it("reads a cross-region CopyImage's source with the source region's client", async () => {
    // Prepare
    ec2Mock.on(DescribeImagesCommand).callsFake((input: { ImageIds: string[] }) => ({
      Images: input.ImageIds.includes(SOURCE_IMAGE)
        ? [{ ImageId: SOURCE_IMAGE, State: 'available', SourceImageId: ORIGIN_IMAGE }]
        : [cloneImage()],
    }));
    const { reader, aws } = aReader();
    const event = anEvent('CopyImage', [{ kind: 'image', id: CLONE_IMAGE }], {
      kind: 'image',
      id: SOURCE_IMAGE,
      region: 'us-west-2',
    });

    // Act
    const facts = await reader.collect(event);

    // Assess
    const calls = ec2Mock.commandCalls(DescribeImagesCommand);
    const regions = await Promise.all(
      calls.map(async (call) => ({
        ids: call.args[0].input.ImageIds,
        region: await (call.thisValue as EC2Client).config.region(),
      })),
    );
    expect(regions).toEqual([
      { ids: [SOURCE_IMAGE], region: 'us-west-2' },
      { ids: [CLONE_IMAGE], region: 'us-east-1' },
    ]);
    expect(calls[0]!.thisValue).toBe(aws.ec2('us-west-2'));
    expect(facts.source).toMatchObject({
      kind: 'image',
      id: SOURCE_IMAGE,
      region: 'us-west-2',
      found: true,
      sourceImageId: ORIGIN_IMAGE,
    });
    expect(facts.clones[0]).toMatchObject({ id: CLONE_IMAGE, region: 'us-east-1' });
  });

  it('reports a source image whose deprecation time has passed as deprecated, by the injected clock', async () => {
    // Prepare
    ec2Mock.on(DescribeImagesCommand).callsFake((input: { ImageIds: string[] }) => ({
      Images: input.ImageIds.includes(SOURCE_IMAGE)
        ? [{ ImageId: SOURCE_IMAGE, State: 'available', DeprecationTime: '2026-06-15T11:59:00.000Z' }]
        : [cloneImage()],
    }));
    const { reader } = aReader();
    const event = anEvent('CopyImage', [{ kind: 'image', id: CLONE_IMAGE }], {
      kind: 'image',
      id: SOURCE_IMAGE,
      region: 'us-east-1',
    });

    // Act
    const facts = await reader.collect(event);

    // Assess
    expect(facts.source).toMatchObject({ kind: 'image', deprecated: true });
  });
});

describe('Adapter: combineInstanceChecks', () => {
  const status = (instance?: string, system?: string): InstanceStatus => ({
    ...(instance ? { InstanceStatus: { Status: instance as never } } : {}),
    ...(system ? { SystemStatus: { Status: system as never } } : {}),
  });

  it.each<{ instance?: string; system?: string; expected: StatusCheck }>([
    { instance: 'ok', system: 'ok', expected: 'ok' },
    { instance: 'ok', system: 'impaired', expected: 'impaired' },
    { instance: 'impaired', system: 'initializing', expected: 'impaired' },
    { instance: 'initializing', system: 'ok', expected: 'initializing' },
    { instance: 'ok', system: 'insufficient-data', expected: 'insufficient-data' },
    { instance: 'not-applicable', system: 'not-applicable', expected: 'not-applicable' },
    { instance: 'ok', system: 'not-applicable', expected: 'ok' },
    { instance: 'ok', system: undefined, expected: 'unknown' },
    { instance: 'something-new', system: 'ok', expected: 'unknown' },
  ])('combines instance $instance and system $system into $expected', ({ instance, system, expected }) => {
    // Prepare
    const input = status(instance, system);

    // Act
    const combined = combineInstanceChecks(input);

    // Assess
    expect(combined).toBe(expected);
  });

  it('is unknown when EC2 reported no status at all', () => {
    // Act
    const combined = combineInstanceChecks(undefined);

    // Assess
    expect(combined).toBe('unknown');
  });
});

describe('Adapter: Ec2CloneFacts, disk encryption and KMS keys', () => {
  const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1111aaaa-2222-3333-4444-555566667777';
  const ENCRYPTION_NEEDS = { diskEncryption: true, kmsKeyManager: true, kmsAliases: ['alias/clone-key'] };

  beforeEach(() => {
    ec2Mock.reset();
  });

  function anEncryptionReader(needs = ENCRYPTION_NEEDS) {
    const aws = createAwsClients({ region: 'us-east-1' });
    const kms = {
      describe: vi.fn(async (refs: readonly { ref: string; region: string }[]) =>
        refs.map((ref) => ({ ...ref, arn: KEY, keyManager: 'CUSTOMER' as const })),
      ),
    };
    const reader = new Ec2CloneFacts(aws, { log: aLog(), retry: NO_WAIT, now: () => NOW, needs, kms });
    return { reader, kms };
  }

  it("reads an image's encryption from its backing snapshots, then describes its key and the policy's aliases", async () => {
    // Prepare
    mockRunningInstance();
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [cloneImage(), originImageDescription()] });
    ec2Mock
      .on(DescribeSnapshotsCommand)
      .resolves({ Snapshots: [{ SnapshotId: BACKING_SNAPSHOT, Encrypted: true, KmsKeyId: KEY }] });
    const { reader, kms } = anEncryptionReader();

    // Act
    const facts = await reader.collect(createImageEvent());

    // Assess
    expect(ec2Mock.commandCalls(DescribeSnapshotsCommand)[0]!.args[0].input).toEqual({
      SnapshotIds: [BACKING_SNAPSHOT],
    });
    expect(facts.clones[0]!.encryption).toEqual([
      { snapshotId: BACKING_SNAPSHOT, encrypted: true, kmsKeyId: KEY },
    ]);
    expect(kms.describe).toHaveBeenCalledWith([
      { ref: KEY, region: 'us-east-1' },
      { ref: 'alias/clone-key', region: 'us-east-1' },
    ]);
    expect(facts.kmsKeys).toHaveLength(2);
  });

  it('costs no extra call when no rule asks for encryption', async () => {
    // Prepare
    mockRunningInstance();
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [cloneImage(), originImageDescription()] });
    const { reader, kms } = anEncryptionReader({
      diskEncryption: false,
      kmsKeyManager: false,
      kmsAliases: [],
    });

    // Act
    const facts = await reader.collect(createImageEvent());

    // Assess
    expect(ec2Mock.commandCalls(DescribeSnapshotsCommand)).toHaveLength(0);
    expect(kms.describe).not.toHaveBeenCalled();
    expect(facts.clones[0]!.encryption).toBeUndefined();
    expect(facts.kmsKeys).toBeUndefined();
  });

  it("keeps an image's encryption unknown, with a gap, when a backing snapshot is gone", async () => {
    // Prepare
    mockRunningInstance();
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [cloneImage(), originImageDescription()] });
    ec2Mock.on(DescribeSnapshotsCommand).rejects(ec2Error('InvalidSnapshot.NotFound', 400));
    const { reader } = anEncryptionReader({ diskEncryption: true, kmsKeyManager: false, kmsAliases: [] });

    // Act
    const facts = await reader.collect(createImageEvent());

    // Assess
    expect(facts.clones[0]!.encryption).toBeUndefined();
    expect(facts.gaps).toContain(
      `disks of ${CLONE_IMAGE} could not be read (${BACKING_SNAPSHOT}): encryption unknown`,
    );
  });

  it('gives a snapshot clone its own encryption at no extra cost', async () => {
    // Prepare
    mockAttachedVolume();
    ec2Mock.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [{ SnapshotId: CLONE_SNAPSHOT, VolumeId: VOLUME, State: 'pending', Encrypted: false }],
    });
    ec2Mock.on(DescribeVolumeStatusCommand).resolves({ VolumeStatuses: [] });
    const { reader } = anEncryptionReader({ diskEncryption: true, kmsKeyManager: false, kmsAliases: [] });

    // Act
    const facts = await reader.collect(createSnapshotEvent());

    // Assess
    expect(facts.clones[0]!.encryption).toEqual([{ snapshotId: CLONE_SNAPSHOT, encrypted: false }]);
  });
});
