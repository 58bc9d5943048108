import {
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  EC2ServiceException,
  type Tag,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../../../shared/aws/clients.js';
import { Ec2CloneActions } from '../../../shared/aws/ec2-clone-actions.js';
import { Ec2CloneFacts } from '../../../shared/aws/ec2-clone-facts.js';
import type { EnforcerLog } from '../../../shared/model/log.js';
import type { EnforceContext } from '../../../shared/pipeline/enforce-context.js';
import { enforceRecord } from '../../../shared/pipeline/enforce-record.js';
import { parsePolicy } from '../../../shared/policy/load-policy.js';
import { loadFixture } from '../../events/fixtures.js';

// moto makes every image `available` at once, so the pending path runs here against a mocked
// EC2 that holds the image pending, then lets it become available.

const IMAGE = 'ami-0c2b4d6f8a1e3c5b7';
const INSTANCE = 'i-0a4f2c9e81b3d5e67';
const DISK = 'snap-0aaaaaaaaaaaaaaa1';
const REGION = 'us-east-1';
const ec2Mock = mockClient(EC2Client);

/** EC2 as the test drives it: the image's state, whether its disk is visible, and every resource's tags. */
function fakeEc2(state: { image: 'pending' | 'available'; diskVisible: boolean }) {
  const tags = new Map<string, Record<string, string>>([
    [IMAGE, { Owner: 'jane@example.com' }],
    [DISK, {}],
  ]);
  const asTags = (id: string): Tag[] =>
    Object.entries(tags.get(id) ?? {}).map(([Key, Value]) => ({ Key, Value }));
  ec2Mock.on(DescribeInstancesCommand).resolves({
    Reservations: [{ Instances: [{ InstanceId: INSTANCE, State: { Name: 'stopped' }, Tags: [] }] }],
  });
  ec2Mock.on(DescribeInstanceStatusCommand).resolves({
    InstanceStatuses: [
      { InstanceId: INSTANCE, InstanceStatus: { Status: 'ok' }, SystemStatus: { Status: 'ok' } },
    ],
  });
  ec2Mock.on(DescribeImagesCommand).callsFake(async () => ({
    Images: [
      {
        ImageId: IMAGE,
        State: state.image,
        Tags: asTags(IMAGE),
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: DISK } }],
      },
    ],
  }));
  ec2Mock.on(DescribeSnapshotsCommand).callsFake(async () => {
    if (!state.diskVisible) {
      throw new EC2ServiceException({
        name: 'InvalidSnapshot.NotFound',
        message: 'not yet',
        $fault: 'client',
        $metadata: {},
      });
    }
    return { Snapshots: [{ SnapshotId: DISK, State: 'pending', Tags: asTags(DISK) }] };
  });
  ec2Mock.on(CreateTagsCommand).callsFake(async (input: { Resources: string[]; Tags: Tag[] }) => {
    for (const id of input.Resources) {
      for (const tag of input.Tags) tags.set(id, { ...tags.get(id), [tag.Key!]: tag.Value! });
    }
    return {};
  });
  return tags;
}

function aContext(): EnforceContext {
  const aws = createAwsClients({ region: REGION });
  const log: EnforcerLog = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const now = () => new Date('2025-11-04T09:20:00Z');
  return {
    policy: parsePolicy(`
version: 1
rules:
  - id: labels
    type: required-tags
    severity: medium
    action: tag
    tags: { Owner: {} }
`),
    dryRun: false,
    enforcerPrincipals: [],
    facts: new Ec2CloneFacts(aws, { log, now, retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } }),
    // A state-change event never reads share or restore facts: a call here would fail the test.
    shareFacts: {
      collect: vi.fn(async () => Promise.reject(new Error('share facts read for a state change'))),
    },
    restoreFacts: {
      cloneOf: vi.fn(async () => Promise.reject(new Error('restored clone read for a state change'))),
      collect: vi.fn(async () => Promise.reject(new Error('restore facts read for a state change'))),
    },
    restoreActions: {
      stopInstances: vi.fn(async () => Promise.reject(new Error('instances stopped for a state change'))),
    },
    actions: new Ec2CloneActions(aws, { log, now }),
    alerts: { publish: vi.fn(async () => 'never') },
    log,
    metrics: { count: vi.fn() },
    now,
  };
}

const available = () => ({
  version: '0',
  id: 'ami-state-1',
  'detail-type': 'EC2 AMI State Change',
  source: 'aws.ec2',
  account: '210987654321',
  time: '2025-11-04T09:25:00Z',
  region: REGION,
  resources: [`arn:aws:ec2:${REGION}::image/${IMAGE}`],
  detail: { RequestId: 'r-1', ImageId: IMAGE, State: 'available', ErrorMessage: '' },
});

const sentCommands = () =>
  ec2Mock.calls().map((call) => call.args[0].constructor.name.replace(/Command$/, ''));

describe('Pipeline: an image pending at creation, finished by its EC2 AMI State Change event', () => {
  beforeEach(() => ec2Mock.reset());
  afterAll(() => ec2Mock.restore());

  it('creation labels the image and marks its disks pending; available labels the disk, then confirms', async () => {
    // Prepare
    const state = { image: 'pending' as 'pending' | 'available', diskVisible: false };
    const tags = fakeEc2(state);
    const context = aContext();

    // Act 1: the CreateImage record arrives while the image is pending and its disk unseen.
    const created = await enforceRecord(loadFixture('create-image-assumed-role'), context);

    // Assess 1
    expect(created.awaiting).toEqual([
      `${IMAGE}: its disks get their labels once it is available (it is pending)`,
    ]);
    expect(tags.get(IMAGE)).toMatchObject({
      'clonewarden:status': 'compliant',
      'clonewarden:disks': 'pending',
    });
    expect(tags.get(DISK)).toEqual({});

    // Act 2: EC2 says the image is available.
    Object.assign(state, { image: 'available', diskVisible: true });
    ec2Mock.resetHistory();
    const finished = await enforceRecord(available(), context);

    // Assess 2
    expect(finished).toMatchObject({
      status: 'compliant',
      imageState: 'available',
      resources: [IMAGE, DISK],
    });
    expect(tags.get(DISK)).toMatchObject({ Owner: 'jane@example.com', 'clonewarden:status': 'compliant' });
    expect(tags.get(DISK)).not.toHaveProperty('clonewarden:disks');
    expect(tags.get(IMAGE)).toMatchObject({ 'clonewarden:disks': 'done' });
    expect(sentCommands()).toEqual(['DescribeImages', 'DescribeSnapshots', 'CreateTags', 'CreateTags']);

    // Act 3: the same event again (EventBridge delivers at least once): one read, nothing written.
    ec2Mock.resetHistory();
    const again = await enforceRecord(available(), context);

    // Assess 3
    expect(again.actions).toEqual([]);
    expect(sentCommands()).toEqual(['DescribeImages']);
  });
});
