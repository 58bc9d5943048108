import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { isQuarantinedInLedger, type LedgerItem, type LedgerKey } from '../model/ledger-item.js';
import type { CloneKind } from '../model/types.js';
import type { AwsClients } from './clients.js';
import type { CloneLedger } from './clone-ledger.js';
import { ExpiringCache } from './expiring-cache.js';

/**
 * Which of our images a snapshot is a disk of. An image's disks have no ledger item of their
 * own (the image's item lists them in `backingSnapshotIds`), so that their status is read from
 * the image's item and never from the disk's own tags, which anyone with CreateTags can write.
 */
export interface DiskImageLookup {
  /** The ids of the images (ours, disabled ones included) whose block devices use `snapshotId`. */
  imagesOf(region: string, snapshotId: string): Promise<string[]>;
}

/**
 * How long the answer is remembered per container: an image's disks never change, but an image
 * may be registered from a snapshot at any time, so a minute, like our own clones in the
 * restore cache (a burst of shares or volumes of one disk costs one DescribeImages a minute).
 */
const DISK_CACHE_TTL_MS = 60_000;
const DISK_CACHE_ENTRIES = 2_000;

/**
 * The lookup on EC2: one DescribeImages filtered on `block-device-mapping.snapshot-id`
 * ("DescribeImages", Filters, EC2 API reference), owned by us, disabled images included (a
 * quarantined image is disabled). What EC2 answers is checked again against each image's
 * block device mappings. moto 5.2.5 does not implement this filter (FilterNotImplementedError),
 * so this path is unit-tested (test/aws/disk-images.test.ts) and the integration test stands in
 * a lookup that reads the same images unfiltered.
 */
export class Ec2DiskImages implements DiskImageLookup {
  readonly #aws: AwsClients;
  readonly #cache: ExpiringCache<string[]>;

  constructor(aws: AwsClients, options: { now?: () => number } = {}) {
    this.#aws = aws;
    this.#cache = new ExpiringCache({ maxEntries: DISK_CACHE_ENTRIES, ...options });
  }

  async imagesOf(region: string, snapshotId: string): Promise<string[]> {
    const key = `${region}/${snapshotId}`;
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const { Images } = await this.#aws.ec2(region).send(
      new DescribeImagesCommand({
        Owners: ['self'],
        IncludeDisabled: true,
        Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: [snapshotId] }],
      }),
    );
    const ids = (Images ?? [])
      .filter((image) => image.BlockDeviceMappings?.some((m) => m.Ebs?.SnapshotId === snapshotId))
      .flatMap((image) => (image.ImageId ? [image.ImageId] : []));
    this.#cache.set(key, ids, DISK_CACHE_TTL_MS);
    return ids;
  }
}

/**
 * The ledger item that decides for a clone: its own; for a snapshot that is a disk of one of
 * our images, the image's item when it holds the image as quarantined (an image's quarantine
 * covers its disks), or when the disk has no item of its own. A closed image's item no longer
 * speaks for its disks. Never reads a tag.
 */
export async function governingItem(
  ledger: CloneLedger,
  disks: DiskImageLookup | undefined,
  clone: LedgerKey & { kind?: CloneKind },
): Promise<LedgerItem | undefined> {
  const key = { account: clone.account, region: clone.region, id: clone.id };
  const own = await ledger.get(key);
  if (clone.kind !== 'snapshot' || !disks || isQuarantinedInLedger(own)) return own;
  const imageIds = await disks.imagesOf(clone.region, clone.id);
  const images: LedgerItem[] = [];
  for (const id of imageIds) {
    const item = await ledger.get({ ...key, id });
    if (item && item.status !== 'closed') images.push(item);
  }
  return images.find(isQuarantinedInLedger) ?? own ?? images[0];
}
