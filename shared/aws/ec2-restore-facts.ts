import {
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  paginateDescribeNetworkInterfaces,
  paginateDescribeVolumes,
} from '@aws-sdk/client-ec2';
import type { RestoredCloneFact, RestoreEvent, RestoreFacts } from '../model/types.js';
import { isNotFound } from './aws-error.js';
import type { AwsClients } from './clients.js';
import type { CloneStatusReader } from './clone-status.js';
import { isDeprecated } from './ec2-source-readers.js';
import { ExpiringCache } from './expiring-cache.js';
import { tagsToRecord } from './tag-set.js';

/** Fetches what the restore engine needs to judge one restore. */
export interface RestoreFactsReader {
  /** The clone a restore came from, as EC2 shows it (from the container's cache when judged lately). */
  cloneOf(event: RestoreEvent): Promise<RestoredCloneFact | undefined>;
  collect(event: RestoreEvent): Promise<RestoreFacts>;
}

/**
 * How long a judged clone is remembered in a container. Another account's image stays another
 * account's (ids are never reused), so it is remembered for an hour. Our own clone may be
 * quarantined, disabled or deprecated at any moment, so it is remembered for a minute only:
 * a burst of launches from it costs one DescribeImages a minute, and a quarantine is seen
 * within a minute. An id EC2 does not show is asked again after a minute too.
 */
export const CLONE_CACHE_TTL_MS = { foreign: 3_600_000, own: 60_000, missing: 60_000 } as const;
/** At most this many clones are remembered per container (a few hundred bytes each). */
const CLONE_CACHE_ENTRIES = 2_000;
/** EC2 takes at most 200 values per filter ("DescribeVolumes", `Filter.N.Value.N`). */
const FILTER_VALUES = 200;

type CachedClone = { clone: RestoredCloneFact } | { missing: true };

export interface Ec2RestoreFactsOptions {
  /** Where the clone's clonewarden status is read (asked on every event, not cached here). */
  status: CloneStatusReader;
  now?: () => Date;
  cacheEntries?: number;
}

/**
 * Reads the clone a restore came from (at most one Describe call, then the container's cache),
 * and, only when the clone is ours, what the restore created: the instances' EBS volumes and
 * network interfaces, by their attachment, in two parallel calls.
 */
export class Ec2RestoreFacts implements RestoreFactsReader {
  readonly #aws: AwsClients;
  readonly #status: CloneStatusReader;
  readonly #now: () => Date;
  readonly #cache: ExpiringCache<CachedClone>;

  constructor(aws: AwsClients, options: Ec2RestoreFactsOptions) {
    this.#aws = aws;
    this.#status = options.status;
    this.#now = options.now ?? (() => new Date());
    this.#cache = new ExpiringCache({
      maxEntries: options.cacheEntries ?? CLONE_CACHE_ENTRIES,
      now: () => this.#now().getTime(),
    });
  }

  async collect(event: RestoreEvent): Promise<RestoreFacts> {
    const gaps: string[] = [];
    const described = await this.cloneOf(event);
    if (!described) {
      gaps.push(`${event.clone.id} was not found in ${event.region}`);
      return { labelTargets: [], gaps };
    }
    if (described.ownerId !== event.account) return { clone: described, labelTargets: [], gaps };
    const status = await this.#status.statusOf({ ...described, account: event.account });
    const clone = { ...described, ...(status !== undefined ? { status } : {}) };
    const created = event.created.map((resource) => resource.id);
    if (event.clone.kind === 'snapshot') return { clone, labelTargets: created, gaps };
    const attached = await this.#readAttachedToInstances(event.region, created, gaps);
    return { clone, labelTargets: [...created, ...attached], gaps };
  }

  async cloneOf(event: RestoreEvent): Promise<RestoredCloneFact | undefined> {
    const key = `${event.region}/${event.clone.id}`;
    const cached = this.#cache.get(key);
    if (cached) return 'clone' in cached ? cached.clone : undefined;
    let clone: RestoredCloneFact | undefined;
    try {
      clone = await this.#describeClone(event);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (!clone) this.#cache.set(key, { missing: true }, CLONE_CACHE_TTL_MS.missing);
    else {
      const ttl = clone.ownerId === event.account ? CLONE_CACHE_TTL_MS.own : CLONE_CACHE_TTL_MS.foreign;
      this.#cache.set(key, { clone }, ttl);
    }
    return clone;
  }

  async #describeClone({ clone, region }: RestoreEvent): Promise<RestoredCloneFact | undefined> {
    const ec2 = this.#aws.ec2(region);
    if (clone.kind === 'image') {
      // IncludeDisabled: a quarantined image is disabled, and a launch from it must still be seen.
      const result = await ec2.send(
        new DescribeImagesCommand({ ImageIds: [clone.id], IncludeDisabled: true }),
      );
      const image = result.Images?.[0];
      if (!image) return undefined;
      return {
        kind: 'image',
        id: clone.id,
        region,
        ...(image.OwnerId ? { ownerId: image.OwnerId } : {}),
        tags: tagsToRecord(image.Tags),
        ...(image.CreationDate ? { createdAt: image.CreationDate } : {}),
        ...(image.State ? { state: image.State } : {}),
        deprecated: isDeprecated(image, this.#now()),
      };
    }
    const snapshot = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [clone.id] })))
      .Snapshots?.[0];
    if (!snapshot) return undefined;
    return {
      kind: 'snapshot',
      id: clone.id,
      region,
      ...(snapshot.OwnerId ? { ownerId: snapshot.OwnerId } : {}),
      tags: tagsToRecord(snapshot.Tags),
      ...(snapshot.StartTime ? { createdAt: snapshot.StartTime.toISOString() } : {}),
      ...(snapshot.State ? { state: snapshot.State } : {}),
      deprecated: false,
    };
  }

  /**
   * The EBS volumes and network interfaces attached to the new instances. A volume still being
   * attached while the instance is `pending` is not listed yet: that is a gap, not a failure.
   */
  async #readAttachedToInstances(region: string, instanceIds: string[], gaps: string[]): Promise<string[]> {
    const ec2 = this.#aws.ec2(region);
    const volumes = new Map<string, string[]>();
    const interfaces: string[] = [];
    await Promise.all(
      slices(instanceIds, FILTER_VALUES).map(async (ids) => {
        const filter = [{ Name: 'attachment.instance-id', Values: ids }];
        const readVolumes = async () => {
          for await (const page of paginateDescribeVolumes({ client: ec2 }, { Filters: filter })) {
            for (const volume of page.Volumes ?? []) {
              const owner = volume.Attachments?.find((a) => a.InstanceId && ids.includes(a.InstanceId));
              if (volume.VolumeId && owner?.InstanceId) {
                volumes.set(owner.InstanceId, [...(volumes.get(owner.InstanceId) ?? []), volume.VolumeId]);
              }
            }
          }
        };
        const readInterfaces = async () => {
          for await (const page of paginateDescribeNetworkInterfaces({ client: ec2 }, { Filters: filter })) {
            for (const eni of page.NetworkInterfaces ?? []) {
              if (eni.NetworkInterfaceId) interfaces.push(eni.NetworkInterfaceId);
            }
          }
        };
        await Promise.all([readVolumes(), readInterfaces()]);
      }),
    );
    const bare = instanceIds.filter((id) => !volumes.has(id));
    if (bare.length > 0) {
      gaps.push(`no EBS volume attached yet to ${bare.join(', ')}: their volumes were not labelled`);
    }
    return [...[...volumes.values()].flat(), ...interfaces];
  }
}

function slices<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
