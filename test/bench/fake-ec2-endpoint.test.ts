import {
  DescribeImageReferencesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  paginateDescribeImages,
  paginateDescribeSnapshots,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeEc2Endpoint, startFakeEc2 } from '../../bench/lib/fake-ec2-endpoint.js';
import { isUnsupportedOperation } from '../../shared/aws/aws-error.js';

// The prune-scale benchmark's fake must page like EC2, or its wall times would flatter the code.
describe('bench fake EC2 endpoint', () => {
  let fake: FakeEc2Endpoint;
  let ec2: EC2Client;

  beforeAll(async () => {
    fake = await startFakeEc2({ snapshots: 2_500, region: 'eu-west-1' });
    ec2 = new EC2Client({
      region: 'eu-west-1',
      endpoint: fake.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    ec2.destroy();
    await fake.close();
  });

  it('pages 2,500 snapshots through the SDK paginator in three pages of at most 1,000', async () => {
    const before = fake.requests().DescribeSnapshots ?? 0;
    const pages: { count: number; nextToken?: string }[] = [];
    const ids = new Set<string>();
    for await (const page of paginateDescribeSnapshots(
      { client: ec2, pageSize: 1000 },
      { OwnerIds: ['self'] },
    )) {
      pages.push({ count: page.Snapshots!.length, ...(page.NextToken ? { nextToken: page.NextToken } : {}) });
      for (const snapshot of page.Snapshots!) ids.add(snapshot.SnapshotId!);
    }
    expect(pages.map((p) => p.count)).toEqual([1000, 1000, 500]);
    expect(pages[0]!.nextToken).toBeDefined();
    expect(pages[1]!.nextToken).toBeDefined();
    expect(pages[1]!.nextToken).not.toBe(pages[0]!.nextToken);
    expect(pages[2]!.nextToken).toBeUndefined();
    expect(ids.size).toBe(2_500);
    expect(fake.requests().DescribeSnapshots! - before).toBe(3);
  });

  it('pages images too and parses what prune reads (tags, disks, sizes, dates)', async () => {
    const counts: number[] = [];
    let tagged = 0;
    for await (const page of paginateDescribeImages(
      { client: ec2, pageSize: 200 },
      { Owners: ['self'], IncludeDisabled: true },
    )) {
      counts.push(page.Images!.length);
      for (const image of page.Images!) {
        expect(image.BlockDeviceMappings![0]!.Ebs!.SnapshotId).toMatch(/^snap-/);
        expect(image.CreationDate).toBeDefined();
        if (image.Tags?.some((tag) => tag.Key === 'clonewarden:status')) tagged++;
      }
    }
    expect(counts).toEqual([200, 200, 101]); // 500 images and the base image
    expect(tagged).toBe(475); // all but the 5% seeded without a verdict
    const one = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], MaxResults: 5 }));
    expect(one.Snapshots![0]!.StartTime).toBeInstanceOf(Date);
    expect(one.Snapshots![0]!.VolumeSize).toBeGreaterThan(0);
  });

  it('rejects a bad MaxResults or token and unknown actions the way EC2 does', async () => {
    await expect(ec2.send(new DescribeSnapshotsCommand({ MaxResults: 1001 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(
      ec2.send(new DescribeSnapshotsCommand({ NextToken: 'bogus', MaxResults: 5 })),
    ).rejects.toMatchObject({ name: 'InvalidNextToken' });
    await expect(
      ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ['snap-0000000000000dead'] })),
    ).rejects.toMatchObject({ name: 'InvalidSnapshot.NotFound' });
    const { DeleteSnapshotCommand } = await import('@aws-sdk/client-ec2');
    const error = await ec2
      .send(new DeleteSnapshotCommand({ SnapshotId: 'snap-0000000000000dead' }))
      .catch((e) => e);
    expect(error.name).toBe('InvalidAction');
    expect(isUnsupportedOperation(error)).toBe(true);
  });

  it('answers DescribeImageReferences with the instances and launch templates that use an image', async () => {
    const images = [];
    for await (const page of paginateDescribeImages({ client: ec2, pageSize: 1000 }, { Owners: ['self'] }))
      images.push(...page.Images!);
    const inUse = images.filter(
      (image) => image.Name === 'bench-image-20' || image.Name === 'bench-image-21',
    );
    const result = await ec2.send(
      new DescribeImageReferencesCommand({ ImageIds: inUse.map((i) => i.ImageId!) }),
    );
    expect(result.ImageReferences!.map((r) => r.ResourceType).sort()).toEqual([
      'ec2:Instance',
      'ec2:LaunchTemplate',
    ]);
  });
});
