import type { ImageReferences } from '../aws/clone-inventory.js';
import type { CloneRecord } from '../model/clone-record.js';

/** Why a clone must not be deleted: it is known to be in use or owned by someone else. */
export type Protection =
  | 'aws-backup'
  | 'aws-dlm'
  | 'policy-exemption'
  | 'in-use-by-instance'
  | 'referenced'
  | 'in-launch-template'
  | 'backs-image';

/** Why a clone cannot be deleted *yet*: nothing says it is in use, but nothing proves it is not. */
export type Hold = 'not-ready' | 'unresolved-launch-templates';

/** What this run knows about use, built once per run from full scans. */
export interface InUseIndex {
  /** AMIs of instances that are not terminated. */
  imagesUsedByInstances: Set<string>;
  /** Every self-owned image, disabled ones included. */
  registeredImages: Set<string>;
  /** Snapshots behind any self-owned image, disabled ones included. */
  backingSnapshots: Set<string>;
  /** From DescribeImageReferences, where the endpoint has it. */
  references?: ImageReferences;
  /** From the launch template scan, where it does not. */
  launchTemplateImages?: Set<string>;
  /**
   * Launch template versions whose image is an SSM parameter, found by the scan. Any of them
   * may resolve to any image, so no image is deleted while one exists.
   */
  unresolvedTemplateImages: number;
  /** Clone ids exempted by the policy (`exemptions[].resources`). */
  exemptIds: Set<string>;
}

export interface ProtectionOutcome {
  protection?: Protection;
  hold?: Hold;
  /** Human detail, e.g. the resources that reference the image. */
  detail?: string;
}

const READY_STATES: Record<CloneRecord['kind'], ReadonlySet<string>> = {
  // A disabled image is one clonewarden quarantined: it may be pruned once its quarantine ran out.
  image: new Set(['available', 'disabled']),
  snapshot: new Set(['completed']),
};

/**
 * Whether a clone may be deleted, in order of certainty: owned by AWS Backup or DLM, exempted
 * by the policy, in use (instances, references, launch templates, registered images), then
 * not provably unused (still pending, or an image while launch templates name SSM parameters).
 */
export function protectionOf(record: CloneRecord, index: InUseIndex): ProtectionOutcome {
  if (record.managedBy) return { protection: record.managedBy };
  if (index.exemptIds.has(record.id)) return { protection: 'policy-exemption' };

  if (record.kind === 'image') {
    if (index.imagesUsedByInstances.has(record.id)) return { protection: 'in-use-by-instance' };
    const references = index.references?.get(record.id);
    if (references && references.length > 0) {
      const detail = references
        .slice(0, 3)
        .map((r) => `${r.resourceType} ${r.arn}`)
        .join(', ');
      return { protection: 'referenced', detail };
    }
    if (index.launchTemplateImages?.has(record.id)) return { protection: 'in-launch-template' };
  } else {
    if (index.backingSnapshots.has(record.id)) return { protection: 'backs-image' };
    if (record.describedImageId && index.registeredImages.has(record.describedImageId)) {
      return { protection: 'backs-image', detail: record.describedImageId };
    }
  }

  if (record.state !== undefined && !READY_STATES[record.kind].has(record.state)) {
    return { hold: 'not-ready', detail: `state ${record.state}` };
  }
  if (record.kind === 'image' && index.references === undefined && index.unresolvedTemplateImages > 0) {
    return {
      hold: 'unresolved-launch-templates',
      detail: `${index.unresolvedTemplateImages} launch template version(s) name an image through an SSM parameter`,
    };
  }
  return {};
}
