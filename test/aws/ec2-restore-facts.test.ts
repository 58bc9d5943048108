import {
  DescribeImagesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { type CloneStatusReader, TAG_CLONE_STATUS } from '../../shared/aws/clone-status.js';
import { CLONE_CACHE_TTL_MS, Ec2RestoreFacts } from '../../shared/aws/ec2-restore-facts.js';
import type { RestoreEvent } from '../../shared/model/types.js';
import { PLATFORM_ROLE } from '../support/rule-input.js';

// aws-sdk-client-mock here: moto keeps each account's images apart and the emulator starts
// without its public AMI catalogue, so an image of another owner cannot be shown through it.
const ACCOUNT = '111122223333';
const FOREIGN = '137112412989';
const IMAGE = 'ami-0fffffffffffffff1';
const INSTANCES = ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2'];
const ec2Mock = mockClient(EC2Client);

function launch(imageId = IMAGE): RestoreEvent {
  return {
    family: 'restoring',
    eventId: 'e-1',
    eventName: 'RunInstances',
    eventTime: '2026-06-01T00:00:00Z',
    region: 'us-east-1',
    account: ACCOUNT,
    principal: PLATFORM_ROLE,
    clone: { kind: 'image', id: imageId },
    created: INSTANCES.map((id) => ({ kind: 'instance' as const, id })),
  };
}

function setup(status: CloneStatusReader = TAG_CLONE_STATUS) {
  let now = new Date('2026-06-01T00:00:00Z');
  const facts = new Ec2RestoreFacts(createAwsClients({ region: 'us-east-1', maxAttempts: 1 }), {
    status,
    now: () => now,
  });
  return { facts, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

const calls = () => ec2Mock.calls().map((call) => call.args[0].constructor.name.replace(/Command$/, ''));

beforeEach(() => ec2Mock.reset());
afterAll(() => ec2Mock.restore());

describe('AWS: Ec2RestoreFacts', () => {
  it('skips an image of another owner after one DescribeImages, and remembers it for an hour', async () => {
    // Prepare
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [{ ImageId: IMAGE, OwnerId: FOREIGN, State: 'available' }] });
    const { facts, advance } = setup();

    // Act
    const first = await facts.collect(launch());
    const again = await facts.collect(launch());
    advance(CLONE_CACHE_TTL_MS.foreign + 1);
    await facts.collect(launch());

    // Assess
    expect(first).toEqual({
      clone: expect.objectContaining({ ownerId: FOREIGN }),
      labelTargets: [],
      gaps: [],
    });
    expect(again).toEqual(first);
    expect(calls()).toEqual(['DescribeImages', 'DescribeImages']);
  });

  it('reads our clone again after a minute, so that a quarantine is not missed for long', async () => {
    // Prepare
    ec2Mock
      .on(DescribeImagesCommand)
      .resolvesOnce({ Images: [{ ImageId: IMAGE, OwnerId: ACCOUNT, State: 'available', Tags: [] }] })
      .resolves({ Images: [{ ImageId: IMAGE, OwnerId: ACCOUNT, State: 'disabled', Tags: [] }] });
    ec2Mock.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    const { facts, advance } = setup();

    // Act
    const first = await facts.collect(launch());
    advance(CLONE_CACHE_TTL_MS.own - 1);
    const cached = await facts.collect(launch());
    advance(2);
    const fresh = await facts.collect(launch());

    // Assess
    expect([first.clone?.state, cached.clone?.state, fresh.clone?.state]).toEqual([
      'available',
      'available',
      'disabled',
    ]);
    expect(calls().filter((name) => name === 'DescribeImages')).toHaveLength(2);
  });

  it("reads our clone's status through the status reader on every event, even from the cache", async () => {
    // Prepare
    const tags = [{ Key: 'clonewarden:status', Value: 'quarantined' }];
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [{ ImageId: IMAGE, OwnerId: ACCOUNT, Tags: tags }] });
    ec2Mock.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    const statuses = ['quarantined', undefined];
    let asked = 0;
    const { facts } = setup({ statusOf: async () => statuses[asked++] });

    // Act
    const first = await facts.collect(launch());
    const second = await facts.collect(launch());

    // Assess
    expect(first.clone?.status).toBe('quarantined');
    expect(second.clone).not.toHaveProperty('status');
    expect(asked).toBe(2);
    expect(calls().filter((name) => name === 'DescribeImages')).toHaveLength(1);
  });

  it('reads the status from the clonewarden:status tag by default', async () => {
    // Prepare
    const tags = [{ Key: 'clonewarden:status', Value: 'quarantined' }];
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [{ ImageId: IMAGE, OwnerId: ACCOUNT, Tags: tags }] });
    ec2Mock.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    const { facts } = setup();

    // Act
    const result = await facts.collect(launch());

    // Assess
    expect(result.clone?.status).toBe('quarantined');
  });

  it('lists the instances, their volumes and interfaces as label targets, and names an instance with no volume yet', async () => {
    // Prepare
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: IMAGE, OwnerId: ACCOUNT }] });
    ec2Mock.on(DescribeVolumesCommand).resolves({
      Volumes: [{ VolumeId: 'vol-0bbbbbbbbbbbbbbb1', Attachments: [{ InstanceId: INSTANCES[0] }] }],
    });
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [
        { NetworkInterfaceId: 'eni-0ccccccccccccccc1' },
        { NetworkInterfaceId: 'eni-0ccccccccccccccc2' },
      ],
    });
    const { facts } = setup();

    // Act
    const result = await facts.collect(launch());

    // Assess
    expect(result.labelTargets).toEqual([
      ...INSTANCES,
      'vol-0bbbbbbbbbbbbbbb1',
      'eni-0ccccccccccccccc1',
      'eni-0ccccccccccccccc2',
    ]);
    expect(result.gaps).toEqual([
      `no EBS volume attached yet to ${INSTANCES[1]}: their volumes were not labelled`,
    ]);
    expect(ec2Mock.commandCalls(DescribeVolumesCommand)[0]!.args[0].input.Filters).toEqual([
      { Name: 'attachment.instance-id', Values: INSTANCES },
    ]);
  });

  it('treats a snapshot EC2 does not know as missing, once a minute', async () => {
    // Prepare
    ec2Mock
      .on(DescribeSnapshotsCommand)
      .rejects(
        new EC2ServiceException({ name: 'InvalidSnapshot.NotFound', $fault: 'client', $metadata: {} }),
      );
    const { facts } = setup();
    const event: RestoreEvent = {
      ...launch(),
      eventName: 'CreateVolume',
      clone: { kind: 'snapshot', id: 'snap-0fffffffffffffff1' },
      created: [{ kind: 'volume', id: 'vol-0bbbbbbbbbbbbbbb9' }],
    };

    // Act
    const result = await facts.collect(event);
    await facts.collect(event);

    // Assess
    expect(result).toEqual({ labelTargets: [], gaps: ['snap-0fffffffffffffff1 was not found in us-east-1'] });
    expect(calls()).toEqual(['DescribeSnapshots']);
  });
});
