import {
  DescribeImageReferencesCommand,
  DescribeInstancesCommand,
  paginateDescribeInstances,
  paginateDescribeLaunchTemplates,
  paginateDescribeLaunchTemplateVersions,
} from '@aws-sdk/client-ec2';
import type { CloneRecord } from '../model/clone-record.js';
import type { EnforcerLog } from '../model/log.js';
import { describeError, isUnsupportedOperation } from './aws-error.js';
import type { AwsClients } from './clients.js';
import { type CloneListing, Ec2CloneListing } from './clone-listing.js';

/** Instance states in which an instance still uses its AMI: everything but terminated. */
const LIVE_INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

/** One launch template version whose image EC2 cannot tell us, e.g. `resolve:ssm:/golden/ami`. */
interface UnresolvedTemplateImage {
  launchTemplateId: string;
  version: number;
  imageId: string;
}

export interface LaunchTemplateImages {
  /** `ami-…` ids named by any version of any launch template. */
  imageIds: Set<string>;
  /** Versions whose image is not an `ami-…` id (an SSM parameter), so it cannot be matched. */
  unresolved: UnresolvedTemplateImage[];
  templates: number;
  versions: number;
}

/** What references an image, by image id (`ec2:LaunchTemplate`, `ssm:Parameter`, …). */
export type ImageReferences = Map<string, { resourceType: string; arn: string }[]>;

/** Reads the account's clones and what uses them. Pages through everything, one page at a time. */
export interface CloneInventory extends CloneListing {
  /** AMI ids of every instance that is not terminated. */
  imagesUsedByInstances(region: string): Promise<Set<string>>;
  /**
   * `DescribeImageReferences` over every resource type it knows, or `undefined` where the
   * endpoint does not implement it.
   */
  imageReferences(region: string, imageIds: string[]): Promise<ImageReferences | undefined>;
  /** Every version of every launch template: the fallback where DescribeImageReferences is missing. */
  launchTemplateImages(region: string): Promise<LaunchTemplateImages>;
  /** The ids of live instances launched from this image, asked right before it is deregistered. */
  instancesUsingImage(region: string, imageId: string): Promise<string[]>;
}

/** Page sizes: the largest each API accepts, so that 10,000 snapshots take ten calls. */
const PAGE = { instances: 1000, templates: 200, versions: 200 } as const;
/** DescribeImageReferences: image ids per request. */
const REFERENCE_BATCH = 100;
/** Check every launch template version, not only the 10 most recent (the API's default depth). */
const ALL_VERSIONS = '10000';

export class Ec2CloneInventory implements CloneInventory {
  readonly #aws: AwsClients;
  readonly #log: EnforcerLog;
  readonly #listing: Ec2CloneListing;

  constructor(aws: AwsClients, options: { log: EnforcerLog }) {
    this.#aws = aws;
    this.#log = options.log;
    this.#listing = new Ec2CloneListing(aws);
  }

  async imagesUsedByInstances(region: string): Promise<Set<string>> {
    const used = new Set<string>();
    const pages = paginateDescribeInstances(
      { client: this.#aws.ec2(region), pageSize: PAGE.instances },
      { Filters: [{ Name: 'instance-state-name', Values: LIVE_INSTANCE_STATES }] },
    );
    for await (const page of pages) {
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          if (instance.ImageId) used.add(instance.ImageId);
        }
      }
    }
    return used;
  }

  images(region: string, keepTag: (key: string) => boolean): AsyncIterable<CloneRecord[]> {
    return this.#listing.images(region, keepTag);
  }

  snapshots(region: string, keepTag: (key: string) => boolean): AsyncIterable<CloneRecord[]> {
    return this.#listing.snapshots(region, keepTag);
  }

  async imageReferences(region: string, imageIds: string[]): Promise<ImageReferences | undefined> {
    const operation = 'DescribeImageReferences';
    if (this.#aws.unsupported.has(operation)) return undefined;
    const references: ImageReferences = new Map();
    const ec2 = this.#aws.ec2(region);
    try {
      for (let start = 0; start < imageIds.length; start += REFERENCE_BATCH) {
        let nextToken: string | undefined;
        do {
          // The request is built by hand rather than with its paginator: each batch of ids is its own listing.
          const page = await ec2.send(
            new DescribeImageReferencesCommand({
              ImageIds: imageIds.slice(start, start + REFERENCE_BATCH),
              ResourceTypes: [
                {
                  ResourceType: 'ec2:Instance',
                  ResourceTypeOptions: [{ OptionName: 'state-name', OptionValues: LIVE_INSTANCE_STATES }],
                },
                {
                  ResourceType: 'ec2:LaunchTemplate',
                  ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: [ALL_VERSIONS] }],
                },
                { ResourceType: 'ssm:Parameter' },
                { ResourceType: 'imagebuilder:ImageRecipe' },
                { ResourceType: 'imagebuilder:ContainerRecipe' },
              ],
              ...(nextToken ? { NextToken: nextToken } : {}),
            }),
          );
          for (const reference of page.ImageReferences ?? []) {
            if (!reference.ImageId) continue;
            const list = references.get(reference.ImageId) ?? [];
            list.push({ resourceType: reference.ResourceType ?? 'unknown', arn: reference.Arn ?? '' });
            references.set(reference.ImageId, list);
          }
          nextToken = page.NextToken;
        } while (nextToken);
      }
      return references;
    } catch (error) {
      if (!isUnsupportedOperation(error)) throw error;
      this.#aws.unsupported.remember(operation);
      this.#log.warn('DescribeImageReferences is not supported by this endpoint; scanning launch templates', {
        operation,
        error: describeError(error),
      });
      return undefined;
    }
  }

  async launchTemplateImages(region: string): Promise<LaunchTemplateImages> {
    const client = this.#aws.ec2(region);
    const result: LaunchTemplateImages = { imageIds: new Set(), unresolved: [], templates: 0, versions: 0 };
    const templates = paginateDescribeLaunchTemplates({ client, pageSize: PAGE.templates }, {});
    for await (const page of templates) {
      for (const template of page.LaunchTemplates ?? []) {
        if (!template.LaunchTemplateId) continue;
        result.templates++;
        const versions = paginateDescribeLaunchTemplateVersions(
          { client, pageSize: PAGE.versions },
          { LaunchTemplateId: template.LaunchTemplateId },
        );
        for await (const versionPage of versions) {
          for (const version of versionPage.LaunchTemplateVersions ?? []) {
            result.versions++;
            const imageId = version.LaunchTemplateData?.ImageId;
            if (!imageId) continue;
            if (/^ami-[0-9a-f]{8,17}$/.test(imageId)) result.imageIds.add(imageId);
            else
              result.unresolved.push({
                launchTemplateId: template.LaunchTemplateId,
                version: version.VersionNumber ?? 0,
                imageId,
              });
          }
        }
      }
    }
    return result;
  }

  async instancesUsingImage(region: string, imageId: string): Promise<string[]> {
    const result = await this.#aws.ec2(region).send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'image-id', Values: [imageId] },
          { Name: 'instance-state-name', Values: LIVE_INSTANCE_STATES },
        ],
      }),
    );
    return (result.Reservations ?? []).flatMap((r) => (r.Instances ?? []).flatMap((i) => i.InstanceId ?? []));
  }
}
