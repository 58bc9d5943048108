import { DescribeImagesCommand, type Image, paginateDescribeImages } from '@aws-sdk/client-ec2';
import { governingOf, isQuarantinedInLedger, type LedgerItem, type LedgerKey } from '../model/ledger-item.js';
import type { CloneKind } from '../model/types.js';
import { isUnsupportedOperation } from './aws-error.js';
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
 * block device mappings. moto 5.2.5 does not implement this filter (FilterNotImplementedError,
 * an HTML 500): where an endpoint lacks it, our images are listed unfiltered and matched here,
 * and the endpoint is remembered as lacking it. The filtered path is unit-tested
 * (test/aws/disk-images.test.ts).
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
    const images = await this.#describe(region, snapshotId);
    const ids = images
      .filter((image) => image.BlockDeviceMappings?.some((m) => m.Ebs?.SnapshotId === snapshotId))
      .flatMap((image) => (image.ImageId ? [image.ImageId] : []));
    this.#cache.set(key, ids, DISK_CACHE_TTL_MS);
    return ids;
  }

  /** Our images that may use the snapshot: filtered by EC2, or all of them where it lacks the filter. */
  async #describe(region: string, snapshotId: string): Promise<Image[]> {
    const ec2 = this.#aws.ec2(region);
    const ours = { Owners: ['self'], IncludeDisabled: true };
    if (!this.#aws.unsupported.has(SNAPSHOT_FILTER)) {
      try {
        const filter = { Name: SNAPSHOT_FILTER, Values: [snapshotId] };
        return (await ec2.send(new DescribeImagesCommand({ ...ours, Filters: [filter] }))).Images ?? [];
      } catch (error) {
        if (!isUnsupportedOperation(error)) throw error;
        this.#aws.unsupported.remember(SNAPSHOT_FILTER);
      }
    }
    const images: Image[] = [];
    for await (const page of paginateDescribeImages({ client: ec2 }, ours))
      images.push(...(page.Images ?? []));
    return images;
  }
}

const SNAPSHOT_FILTER = 'block-device-mapping.snapshot-id';

/**
 * The ledger item that decides for a clone (`governingOf`): its own, read first; the items of the
 * images a snapshot is a disk of are read only when its own item is not a quarantine. Never reads
 * a tag.
 */
export async function governingItem(
  ledger: CloneLedger,
  disks: DiskImageLookup | undefined,
  clone: LedgerKey & { kind?: CloneKind },
): Promise<LedgerItem | undefined> {
  const key = { account: clone.account, region: clone.region, id: clone.id };
  const own = await ledger.get(key);
  if (clone.kind !== 'snapshot' || !disks || isQuarantinedInLedger(own)) return own;
  const images: LedgerItem[] = [];
  for (const id of await disks.imagesOf(clone.region, clone.id)) {
    const item = await ledger.get({ ...key, id });
    if (item) images.push(item);
  }
  return governingOf(own, images);
}
