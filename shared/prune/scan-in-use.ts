import type { LaunchTemplateImages } from '../aws/clone-inventory.js';
import { type CloneRecord, isPruneTag } from '../model/clone-record.js';
import { TAG } from '../model/clonewarden-tags.js';
import type { Policy } from '../policy/schema.js';
import type { InUseIndex } from './protection.js';
import type { PruneContext } from './prune-context.js';
import { type PruneCandidacy, pruneCandidacy } from './prune-reasons.js';
import type { PruneReport } from './prune-report.js';

/** One self-owned image and why it may go, decided once and reused. */
interface ScannedImage {
  record: CloneRecord;
  candidacy: PruneCandidacy;
}

/** What the first step of a plan learns before deciding anything: what is in use, and the images. */
export interface InUseScan {
  index: InUseIndex;
  /** Every self-owned image, disabled ones included, in listing order. */
  images: ScannedImage[];
  inUse: PruneReport['inUse'];
}

/** Only the tags prune reads are kept of each listed clone: 10,000 clones fit in the memory. */
export function keepTagOf(policy: Policy): (key: string) => boolean {
  return (key) => isPruneTag(key, policy.prune.expiryTag);
}

/**
 * What is in use: instances, then every self-owned image (its snapshots are in use too), then,
 * only for the images prune might touch, what references them.
 */
export async function scanInUse(context: PruneContext, now: Date): Promise<InUseScan> {
  const { region, inventory, policy } = context;
  const imagesUsedByInstances = await inventory.imagesUsedByInstances(region);
  const records: CloneRecord[] = [];
  for await (const page of inventory.images(region, keepTagOf(policy))) records.push(...page);
  const images = records.map((record) => ({ record, candidacy: pruneCandidacy(record, policy.prune, now) }));
  const index: InUseIndex = {
    imagesUsedByInstances,
    registeredImages: new Set(records.map((image) => image.id)),
    backingSnapshots: new Set(records.flatMap((image) => image.backingSnapshotIds)),
    unresolvedTemplateImages: 0,
    exemptIds: exemptCloneIds(policy, now),
  };
  const inUse: PruneReport['inUse'] = {
    referenceSource: 'not-needed',
    imagesUsedByInstances: imagesUsedByInstances.size,
  };
  const mayBeTouched = images
    .filter(({ record, candidacy }) => candidacy.reasons.length > 0 || record.tags[TAG.pruneAfter])
    .map(({ record }) => record.id);
  if (mayBeTouched.length === 0) return { index, images, inUse };
  return { images, ...(await withReferences(context, mayBeTouched, index, inUse)) };
}

/**
 * Launch templates (and SSM parameters, recipes) that name the images: DescribeImageReferences
 * where the endpoint has it, else a scan of every launch template version.
 */
async function withReferences(
  context: PruneContext,
  imageIds: string[],
  index: InUseIndex,
  inUse: PruneReport['inUse'],
): Promise<Pick<InUseScan, 'index' | 'inUse'>> {
  const references = await context.inventory.imageReferences(context.region, imageIds);
  if (references) {
    return {
      index: { ...index, references },
      inUse: { ...inUse, referenceSource: 'DescribeImageReferences' },
    };
  }
  const templates = await context.inventory.launchTemplateImages(context.region);
  return {
    index: {
      ...index,
      launchTemplateImages: templates.imageIds,
      unresolvedTemplateImages: templates.unresolved.length,
    },
    inUse: { ...inUse, referenceSource: 'launch-template-scan', launchTemplates: templateSummary(templates) },
  };
}

/** Clone ids the policy exempts and whose exemption has not lapsed: kept, like golden images. */
function exemptCloneIds(policy: Policy, now: Date): Set<string> {
  const ids = new Set<string>();
  for (const exemption of policy.exemptions) {
    if (exemption.expires && new Date(exemption.expires).getTime() < now.getTime()) continue;
    if ('resources' in exemption) for (const id of exemption.resources) ids.add(id);
  }
  return ids;
}

function templateSummary(
  templates: LaunchTemplateImages,
): NonNullable<PruneReport['inUse']['launchTemplates']> {
  return {
    templates: templates.templates,
    versions: templates.versions,
    unresolved: templates.unresolved.length,
    examples: templates.unresolved
      .slice(0, 5)
      .map((u) => `${u.launchTemplateId} v${u.version}: ${u.imageId.slice(0, 100)}`),
  };
}
