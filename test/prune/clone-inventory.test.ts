import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeImageReferencesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { Ec2CloneDeleter } from '../../shared/aws/clone-deleter.js';
import { Ec2CloneInventory } from '../../shared/aws/clone-inventory.js';
import type { EnforcerLog } from '../../shared/model/log.js';

const REGION = 'eu-west-3';
const ec2Mock = mockClient(EC2Client);
const keepAll = () => true;

function ec2Error(name: string, httpStatusCode = 400): EC2ServiceException {
  return new EC2ServiceException({
    name,
    message: `${name} (test)`,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

/** What the SDK raises when moto answers an API it lacks with an HTTP 500 and an HTML body. */
function motoNotImplemented(): Error {
  return Object.assign(
    new Error('Deserialization error: to see the raw response, inspect the hidden field'),
    {
      name: 'Error',
      $metadata: { httpStatusCode: 500 },
    },
  );
}

function anInventory() {
  const log: EnforcerLog = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const aws = createAwsClients({ region: REGION, maxAttempts: 1 });
  return { inventory: new Ec2CloneInventory(aws, { log }), deleter: new Ec2CloneDeleter(aws), log };
}

const imageIds = (count: number) =>
  Array.from({ length: count }, (_, i) => `ami-0${i.toString(16).padStart(16, '0')}`);

beforeEach(() => {
  ec2Mock.reset();
});
afterAll(() => ec2Mock.restore());

describe('Adapter: Ec2CloneInventory.imageReferences', () => {
  it('asks DescribeImageReferences about every resource type, all template versions, in batches of 100', async () => {
    // Prepare
    const ids = imageIds(150);
    ec2Mock.on(DescribeImageReferencesCommand).callsFake((input: { ImageIds: string[] }) => ({
      ImageReferences: input.ImageIds.includes(ids[120]!)
        ? [
            {
              ImageId: ids[120],
              ResourceType: 'ec2:LaunchTemplate',
              Arn: 'arn:aws:ec2:eu-west-3:123456789012:launch-template/lt-0123',
            },
            {
              ImageId: ids[120],
              ResourceType: 'ssm:Parameter',
              Arn: 'arn:aws:ssm:eu-west-3:1:parameter/golden',
            },
          ]
        : [],
    }));
    const { inventory } = anInventory();

    // Act
    const references = await inventory.imageReferences(REGION, ids);

    // Assess
    const calls = ec2Mock.commandCalls(DescribeImageReferencesCommand);
    expect(calls.map((call) => call.args[0].input.ImageIds?.length)).toEqual([100, 50]);
    const types = calls[0]!.args[0].input.ResourceTypes!;
    expect(types.map((t) => t.ResourceType)).toEqual([
      'ec2:Instance',
      'ec2:LaunchTemplate',
      'ssm:Parameter',
      'imagebuilder:ImageRecipe',
      'imagebuilder:ContainerRecipe',
    ]);
    expect(types[1]!.ResourceTypeOptions).toEqual([{ OptionName: 'version-depth', OptionValues: ['10000'] }]);
    expect(types[0]!.ResourceTypeOptions?.[0]?.OptionValues).not.toContain('terminated');
    expect([...references!.keys()]).toEqual([ids[120]]);
    expect(references!.get(ids[120]!)?.map((r) => r.resourceType)).toEqual([
      'ec2:LaunchTemplate',
      'ssm:Parameter',
    ]);
  });

  it('follows NextToken within a batch', async () => {
    // Prepare
    const [first, second] = imageIds(2);
    ec2Mock
      .on(DescribeImageReferencesCommand)
      .resolvesOnce({
        ImageReferences: [{ ImageId: first, ResourceType: 'ec2:Instance', Arn: 'i-1' }],
        NextToken: 't',
      })
      .resolvesOnce({ ImageReferences: [{ ImageId: second, ResourceType: 'ec2:Instance', Arn: 'i-2' }] });
    const { inventory } = anInventory();

    // Act
    const references = await inventory.imageReferences(REGION, [first!, second!]);

    // Assess
    expect(ec2Mock.commandCalls(DescribeImageReferencesCommand)[1]!.args[0].input.NextToken).toBe('t');
    expect([...references!.keys()].sort()).toEqual([first, second].sort());
  });

  it('answers undefined where the endpoint lacks the API, and asks only once per process', async () => {
    // Prepare
    ec2Mock.on(DescribeImageReferencesCommand).rejects(motoNotImplemented());
    const { inventory, log } = anInventory();

    // Act
    const first = await inventory.imageReferences(REGION, imageIds(1));
    const second = await inventory.imageReferences(REGION, imageIds(1));

    // Assess
    expect(first).toBeUndefined();
    expect(second).toBeUndefined();
    expect(ec2Mock.commandCalls(DescribeImageReferencesCommand)).toHaveLength(1);
    expect(log.warn).toHaveBeenCalledTimes(1);
  });

  it('fails on a real AWS error instead of pretending nothing references the image', async () => {
    // Prepare
    ec2Mock.on(DescribeImageReferencesCommand).rejects(ec2Error('UnauthorizedOperation', 403));
    const { inventory } = anInventory();

    // Act
    const result = inventory.imageReferences(REGION, imageIds(1));

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });
});

describe('Adapter: Ec2CloneInventory scans', () => {
  it('collects the AMIs of every instance that is not terminated, page by page', async () => {
    // Prepare
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [{ ImageId: 'ami-0000000000000000a' }] }], NextToken: 'n' })
      .resolvesOnce({ Reservations: [{ Instances: [{ ImageId: 'ami-0000000000000000b' }, {}] }] });
    const { inventory } = anInventory();

    // Act
    const used = await inventory.imagesUsedByInstances(REGION);

    // Assess
    expect([...used]).toEqual(['ami-0000000000000000a', 'ami-0000000000000000b']);
    const input = ec2Mock.commandCalls(DescribeInstancesCommand)[0]!.args[0].input;
    expect(input.Filters).toEqual([
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
    ]);
    expect(input.MaxResults).toBe(1000);
  });

  it('lists self-owned images with disabled ones as compact records with only the tags prune reads', async () => {
    // Prepare
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        {
          ImageId: 'ami-0000000000000000a',
          OwnerId: '123456789012',
          CreationDate: '2026-01-01T00:00:00.000Z',
          State: 'disabled',
          Name: 'web',
          Description: 'Created for policy: policy-0123 schedule: Daily',
          Tags: [
            { Key: 'Expiry', Value: '2026-02-01' },
            { Key: 'Team', Value: 'web' },
          ],
          BlockDeviceMappings: [
            { Ebs: { SnapshotId: 'snap-0000000000000000a', VolumeSize: 8 } },
            { Ebs: { SnapshotId: 'snap-0000000000000000b', VolumeSize: 20 } },
            { VirtualName: 'ephemeral0' },
          ],
          SourceImageId: 'ami-0000000000000000f',
          SourceImageRegion: 'us-east-1',
        },
      ],
    });
    const { inventory } = anInventory();

    // Act
    const pages = [];
    for await (const page of inventory.images(REGION, (key) => key === 'Expiry')) pages.push(page);

    // Assess
    expect(ec2Mock.commandCalls(DescribeImagesCommand)[0]!.args[0].input).toMatchObject({
      Owners: ['self'],
      IncludeDisabled: true,
    });
    expect(pages).toEqual([
      [
        {
          kind: 'image',
          id: 'ami-0000000000000000a',
          region: REGION,
          ownerId: '123456789012',
          createdAt: '2026-01-01T00:00:00.000Z',
          state: 'disabled',
          sizeGiB: 28,
          name: 'web',
          tags: { Expiry: '2026-02-01' },
          backingSnapshotIds: ['snap-0000000000000000a', 'snap-0000000000000000b'],
          sourceImageId: 'ami-0000000000000000f',
          sourceImageRegion: 'us-east-1',
          managedBy: 'aws-dlm',
        },
      ],
    ]);
  });

  it('lists self-owned snapshots, naming the image a snapshot was made for and dropping vol-ffffffff', async () => {
    // Prepare
    ec2Mock.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        {
          SnapshotId: 'snap-0000000000000000a',
          VolumeId: 'vol-ffffffff',
          VolumeSize: 15,
          State: 'completed',
          StartTime: new Date('2026-01-01T00:00:00Z'),
          Description: 'Created by CreateImage(i-0123456789abcdef0) for ami-0123456789abcdef0 from vol-1',
        },
      ],
    });
    const { inventory } = anInventory();

    // Act
    const pages = [];
    for await (const page of inventory.snapshots(REGION, keepAll)) pages.push(page);

    // Assess
    expect(ec2Mock.commandCalls(DescribeSnapshotsCommand)[0]!.args[0].input).toMatchObject({
      OwnerIds: ['self'],
    });
    expect(pages[0]![0]).toEqual({
      kind: 'snapshot',
      id: 'snap-0000000000000000a',
      region: REGION,
      createdAt: '2026-01-01T00:00:00.000Z',
      state: 'completed',
      sizeGiB: 15,
      tags: {},
      backingSnapshotIds: [],
      describedImageId: 'ami-0123456789abcdef0',
    });
  });

  it('scans every version of every launch template and counts those it cannot resolve', async () => {
    // Prepare
    ec2Mock.on(DescribeLaunchTemplatesCommand).resolves({
      LaunchTemplates: [{ LaunchTemplateId: 'lt-1' }, { LaunchTemplateId: 'lt-2' }],
    });
    ec2Mock
      .on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: 'lt-1' })
      .resolves({
        LaunchTemplateVersions: [
          { VersionNumber: 1, LaunchTemplateData: { ImageId: 'ami-0000000000000000a' } },
          { VersionNumber: 2, LaunchTemplateData: { ImageId: 'resolve:ssm:/golden/ami' } },
        ],
      })
      .on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: 'lt-2' })
      .resolves({ LaunchTemplateVersions: [{ VersionNumber: 7, LaunchTemplateData: {} }] });
    const { inventory } = anInventory();

    // Act
    const templates = await inventory.launchTemplateImages(REGION);

    // Assess
    expect(templates).toEqual({
      imageIds: new Set(['ami-0000000000000000a']),
      unresolved: [{ launchTemplateId: 'lt-1', version: 2, imageId: 'resolve:ssm:/golden/ami' }],
      templates: 2,
      versions: 3,
    });
  });

  it('asks for live instances of one image right before it is deregistered', async () => {
    // Prepare
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-1' }] }] });
    const { inventory } = anInventory();

    // Act
    const users = await inventory.instancesUsingImage(REGION, 'ami-0000000000000000a');

    // Assess
    expect(users).toEqual(['i-1']);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.Filters).toContainEqual({
      Name: 'image-id',
      Values: ['ami-0000000000000000a'],
    });
  });
});

describe('Adapter: Ec2CloneDeleter', () => {
  it('tags 2,500 clones with the same tags in three CreateTags calls', async () => {
    // Prepare
    ec2Mock.on(CreateTagsCommand).resolves({});
    const ids = Array.from({ length: 2500 }, (_, i) => `snap-${i.toString(16).padStart(17, '0')}`);
    const { deleter } = anInventory();

    // Act
    await deleter.tag(REGION, ids, { 'clonewarden:prune-after': '2026-06-22' });

    // Assess
    const calls = ec2Mock.commandCalls(CreateTagsCommand);
    expect(calls.map((c) => c.args[0].input.Resources?.length)).toEqual([1000, 1000, 500]);
    expect(calls[0]!.args[0].input.Tags).toEqual([{ Key: 'clonewarden:prune-after', Value: '2026-06-22' }]);
  });

  it('removes a mark by key only, whatever its value', async () => {
    // Prepare
    ec2Mock.on(DeleteTagsCommand).resolves({});
    const { deleter } = anInventory();

    // Act
    await deleter.untag(REGION, ['snap-0000000000000000a'], ['clonewarden:prune-after']);

    // Assess
    expect(ec2Mock.commandCalls(DeleteTagsCommand)[0]!.args[0].input.Tags).toEqual([
      { Key: 'clonewarden:prune-after' },
    ]);
  });

  it('deregisters an image with its snapshots, then deletes the ones left, tolerating gone and in use', async () => {
    // Prepare
    ec2Mock.on(DeregisterImageCommand).resolves({});
    ec2Mock
      .on(DeleteSnapshotCommand, { SnapshotId: 'snap-0000000000000000a' })
      .rejects(ec2Error('InvalidSnapshot.NotFound'))
      .on(DeleteSnapshotCommand, { SnapshotId: 'snap-0000000000000000b' })
      .resolves({})
      .on(DeleteSnapshotCommand, { SnapshotId: 'snap-0000000000000000c' })
      .rejects(ec2Error('InvalidSnapshot.InUse'));
    const { deleter } = anInventory();

    // Act
    const result = await deleter.deleteImage(REGION, 'ami-0000000000000000a', [
      'snap-0000000000000000a',
      'snap-0000000000000000b',
      'snap-0000000000000000c',
    ]);

    // Assess
    expect(ec2Mock.commandCalls(DeregisterImageCommand)[0]!.args[0].input).toEqual({
      ImageId: 'ami-0000000000000000a',
      DeleteAssociatedSnapshots: true,
    });
    expect(result).toEqual({
      deletedSnapshots: ['snap-0000000000000000a', 'snap-0000000000000000b'],
      keptSnapshots: ['snap-0000000000000000c'],
    });
  });

  it('fails a deletion on any other error, so that the run reports it', async () => {
    // Prepare
    ec2Mock.on(DeleteSnapshotCommand).rejects(ec2Error('UnauthorizedOperation', 403));
    const { deleter } = anInventory();

    // Act
    const result = deleter.deleteSnapshot(REGION, 'snap-0000000000000000a');

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });
});
