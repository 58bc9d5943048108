import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { LedgerCloneStatus } from '../../shared/aws/clone-status.js';
import { type DiskImageLookup, Ec2DiskImages, governingItem } from '../../shared/aws/disk-images.js';
import { MemoryLedger } from '../support/memory-ledger.js';

// aws-sdk-client-mock here: moto 5.2.5 does not implement DescribeImages' block-device-mapping
// filter (test/integration/ledger.test.ts stands in an unfiltered lookup for the rest of the path).
const ec2Mock = mockClient(EC2Client);
const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const IMAGE = 'ami-0123456789abcdef0';
const DISK = 'snap-0aaaaaaaaaaaaaaa1';
const DISK_KEY = { account: ACCOUNT, region: REGION, id: DISK, kind: 'snapshot' as const };

/** A lookup that answers from a table, counting the questions. */
function diskTable(images: Record<string, string[]>): DiskImageLookup & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    imagesOf: async (_region, snapshotId) => {
      asked.push(snapshotId);
      return images[snapshotId] ?? [];
    },
  };
}

beforeEach(() => ec2Mock.reset());
afterAll(() => ec2Mock.restore());

describe('AWS: which image a disk belongs to', () => {
  it('lists our images unfiltered, and matches them here, where the endpoint lacks the filter (moto 5.2.5)', async () => {
    // Prepare: the filtered call fails as moto fails it (an HTML 500 the SDK cannot parse).
    const lacksFilter = Object.assign(
      new Error('@aws-sdk XML parse error: mismatched tags <html> and </title>.'),
      {
        $metadata: { httpStatusCode: 500 },
      },
    );
    ec2Mock.on(DescribeImagesCommand).callsFake((input: { Filters?: unknown }) => {
      if (input.Filters) throw lacksFilter;
      return { Images: [{ ImageId: IMAGE, BlockDeviceMappings: [{ Ebs: { SnapshotId: DISK } }] }] };
    });
    const aws = createAwsClients({ region: REGION, maxAttempts: 1 });
    const lookup = new Ec2DiskImages(aws);

    // Act
    const found = await lookup.imagesOf(REGION, DISK);
    const other = await lookup.imagesOf(REGION, 'snap-0bbbbbbbbbbbbbbb2');

    // Assess: the filter is tried once; after that the endpoint is known to lack it.
    expect(found).toEqual([IMAGE]);
    expect(other).toEqual([]);
    expect(aws.unsupported.has('block-device-mapping.snapshot-id')).toBe(true);
    const filtered = ec2Mock
      .commandCalls(DescribeImagesCommand)
      .filter((call) => call.args[0].input.Filters !== undefined);
    expect(filtered).toHaveLength(1);
  });

  it('asks EC2 once for our images (disabled included) using the snapshot, then remembers it for a minute', async () => {
    // Prepare
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        { ImageId: IMAGE, BlockDeviceMappings: [{ Ebs: { SnapshotId: DISK } }] },
        // An answer that does not use the disk is not believed.
        { ImageId: 'ami-0ffffffffffffffff', BlockDeviceMappings: [{ Ebs: { SnapshotId: 'snap-other' } }] },
      ],
    });
    let now = 0;
    const lookup = new Ec2DiskImages(createAwsClients({ region: REGION, maxAttempts: 1 }), {
      now: () => now,
    });

    // Act
    const first = await lookup.imagesOf(REGION, DISK);
    const second = await lookup.imagesOf(REGION, DISK);
    now += 60_001;
    await lookup.imagesOf(REGION, DISK);

    // Assess
    expect(first).toEqual([IMAGE]);
    expect(second).toEqual([IMAGE]);
    const calls = ec2Mock.commandCalls(DescribeImagesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toEqual({
      Owners: ['self'],
      IncludeDisabled: true,
      Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: [DISK] }],
    });
  });

  it("decides a quarantined image's disk from the image's item, whatever the disk's tags say", async () => {
    // Prepare
    const ledger = new MemoryLedger();
    ledger.seed({ account: ACCOUNT, region: REGION, id: IMAGE }, { status: 'quarantined' });
    const disks = diskTable({ [DISK]: [IMAGE] });
    const reader = new LedgerCloneStatus(ledger, { disks });

    // Act
    const status = await reader.statusOf({ ...DISK_KEY, tags: { 'clonewarden:status': 'compliant' } });

    // Assess
    expect(status).toBe('quarantined');
    expect(disks.asked).toEqual([DISK]);
  });

  it("a disk with a compliant item of its own is still held by its image's quarantine", async () => {
    // Prepare: a snapshot enforced on its own, then registered as an image that was quarantined.
    const ledger = new MemoryLedger();
    ledger.seed({ account: ACCOUNT, region: REGION, id: DISK }, { status: 'compliant', kind: 'snapshot' });
    const image = ledger.seed({ account: ACCOUNT, region: REGION, id: IMAGE }, { status: 'quarantined' });

    // Act
    const item = await governingItem(ledger, diskTable({ [DISK]: [IMAGE] }), DISK_KEY);

    // Assess
    expect(item).toEqual(image);
  });

  it("a quarantined snapshot's own item decides without asking EC2; a closed image's item no longer speaks for its disk", async () => {
    // Prepare
    const ledger = new MemoryLedger();
    const own = ledger.seed({ account: ACCOUNT, region: REGION, id: DISK }, { status: 'quarantined' });
    ledger.seed({ account: ACCOUNT, region: REGION, id: IMAGE }, { status: 'closed' });
    const disks = diskTable({ [DISK]: [IMAGE], 'snap-0bbbbbbbbbbbbbbb2': [IMAGE] });

    // Act
    const quarantined = await governingItem(ledger, disks, DISK_KEY);
    const orphan = await governingItem(ledger, disks, { ...DISK_KEY, id: 'snap-0bbbbbbbbbbbbbbb2' });

    // Assess
    expect(quarantined).toEqual(own);
    expect(orphan).toBeUndefined();
    expect(disks.asked).toEqual(['snap-0bbbbbbbbbbbbbbb2']);
  });

  it('an image is never looked up as a disk, and a snapshot that is no disk falls back to its tag', async () => {
    // Prepare
    const disks = diskTable({});
    const reader = new LedgerCloneStatus(new MemoryLedger(), { disks });

    // Act
    const image = await reader.statusOf({ ...DISK_KEY, id: IMAGE, kind: 'image', tags: {} });
    const snapshot = await reader.statusOf({ ...DISK_KEY, tags: { 'clonewarden:status': 'violation' } });

    // Assess
    expect(image).toBeUndefined();
    expect(snapshot).toBe('violation');
    expect(disks.asked).toEqual([DISK]);
  });
});
