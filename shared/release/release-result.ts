import type { Share } from '../model/clonewarden-tags.js';
import type { CloneKind } from '../model/types.js';

/** What `clonewarden release` was asked to do and what it did: the JSON it prints and alerts with. */
export const RELEASE_SCHEMA = 'clonewarden.release/v1';

export interface ReleaseRequest {
  id: string;
  region: string;
  /** Why the quarantine is lifted: required, and sent in the alert. */
  reason: string;
  dryRun: boolean;
  topicArn?: string;
  /** Give back a share with everyone (`group: all`); refused without it. */
  allowPublic?: boolean;
}

export interface ReleaseStep {
  step:
    | 'restore-shares'
    | 'restore-snapshot-shares'
    | 'enable-image'
    | 'cancel-deprecation'
    | 'set-status-exempt'
    | 'alert';
  outcome: 'done' | 'planned' | 'skipped';
  detail?: string;
}

export interface ReleaseResult {
  schema: typeof RELEASE_SCHEMA;
  id: string;
  kind: CloneKind;
  region: string;
  account?: string;
  releasedBy: string;
  reason: string;
  dryRun: boolean;
  restoredShares: Share[];
  /** The image's disks, whose quarantine status is lifted with it. */
  backingSnapshotIds: string[];
  steps: ReleaseStep[];
}
