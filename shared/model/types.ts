/**
 * The data that flows through clonewarden: event → facts → verdict → actions.
 * Everything here is plain data, so that the engine stays pure and easy to test.
 */

import type { Share } from './clonewarden-tags.js';
import type { Severity } from './severity.js';

export type { Severity };

/**
 * What a rule asks for when it is broken. `report`: alert only. `tag`: alert and mark the
 * violation. `quarantine`: isolate the clone. `revert`: undo the call (e.g. remove a share).
 * `stop`: stop what the call started (e.g. instances restored from a clone). Each rule type
 * names the ones it accepts ({@link CREATION_RULE_ACTIONS} for a clone's birth).
 */
export const RULE_ACTIONS = ['report', 'tag', 'quarantine', 'revert', 'stop'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** The actions of the rule types that judge a clone's birth. */
export const CREATION_RULE_ACTIONS = ['report', 'tag', 'quarantine'] as const satisfies readonly RuleAction[];

/** The actions of the rule types that judge a restore: a volume is never deleted, only tagged. */
export const RESTORE_RULE_ACTIONS = ['report', 'tag', 'stop'] as const satisfies readonly RuleAction[];

export type CloneKind = 'image' | 'snapshot';
export type SourceKind = 'instance' | 'volume' | 'image' | 'snapshot';

/** Who made the call, resolved from CloudTrail's `userIdentity`. */
export interface Principal {
  type: 'IAMUser' | 'AssumedRole' | 'Root' | 'FederatedUser' | 'AWSService' | 'AWSAccount' | 'Unknown';
  /**
   * The ARN that policy globs match. For assumed roles (SSO included) it is the role's IAM ARN
   * (`arn:aws:iam::…:role/path/Name`), not the session ARN, so that a policy names roles.
   * For AWS services it is the service name, e.g. `backup.amazonaws.com`.
   */
  arn: string;
  /** The caller exactly as CloudTrail named it (`userIdentity.arn`), e.g. the STS session ARN. */
  callerArn?: string;
  /** Role session name (often a user's e-mail for SSO). */
  sessionName?: string;
  accountId?: string;
  /** `userIdentity.invokedBy`: the AWS service that made the call on the caller's behalf. */
  invokedBy?: string;
  /** A short human label for alerts and the `created-by` tag, e.g. `role/Dev (session jane)`. */
  display: string;
}

export interface CloneRef {
  kind: CloneKind;
  id: string;
}

export interface SourceRef {
  kind: SourceKind;
  id: string;
  /** The source's region; differs from the event's region for cross-region copies. */
  region: string;
}

/** A CloudTrail record for a clone-creating call, normalised. */
export interface CloneEvent {
  /** The event family that governs it: a clone's birth. */
  family: 'creation';
  eventId: string;
  eventName: string;
  /** ISO 8601. */
  eventTime: string;
  /** Where the clone lives (`awsRegion`). */
  region: string;
  account: string;
  principal: Principal;
  /** The resources the call created, from `responseElements`. */
  clones: CloneRef[];
  /** What was cloned, from `requestParameters`; absent when the record does not say. */
  source?: SourceRef;
  /** CreateImage only: `true` when the caller asked EC2 not to reboot the instance. */
  noReboot?: boolean;
  /** Tags the caller asked for at creation, by the clone kind they apply to. */
  requestedTags: Partial<Record<CloneKind, Record<string, string>>>;
  /** Name or description the caller gave; user-controlled text. */
  name?: string;
  description?: string;
  userAgent?: string;
}

/** What a restore created: the instances RunInstances launched, or the volume CreateVolume made. */
export interface RestoredRef {
  kind: 'instance' | 'volume';
  id: string;
}

/** A CloudTrail record of a call that restores a clone (RunInstances, CreateVolume), normalised. */
export interface RestoreEvent {
  /** The event family that governs it: a clone brought back to life. */
  family: 'restoring';
  eventId: string;
  eventName: string;
  /** ISO 8601. */
  eventTime: string;
  region: string;
  account: string;
  principal: Principal;
  /** The image or snapshot restored from (`imageId`, `snapshotId`). */
  clone: CloneRef;
  /** What the call created, from `responseElements`. */
  created: RestoredRef[];
  userAgent?: string;
}

/**
 * A call that changes who may use a clone (`ModifyImageAttribute` launchPermission,
 * `ModifySnapshotAttribute` createVolumePermission), normalised.
 */
export interface ShareEvent {
  /** The event family that governs it: who a clone is shared with. */
  family: 'sharing';
  eventId: string;
  eventName: string;
  /** ISO 8601. */
  eventTime: string;
  region: string;
  account: string;
  principal: Principal;
  /** The image or snapshot whose permissions changed. */
  clone: CloneRef;
  /** The grants the call added: what the rules judge. */
  added: Share[];
  /** The grants the call removed: never a violation, recorded for the verdict. */
  removed: Share[];
  userAgent?: string;
}

/**
 * EC2's own `EC2 AMI State Change` event (EventBridge, not CloudTrail): an image left `pending`.
 * It names no caller: the image's verdict was given by its creation event.
 */
export interface ImageStateEvent {
  family: 'state-change';
  /** The EventBridge envelope's `id`. */
  eventId: string;
  /** The envelope's `detail-type`, `EC2 AMI State Change`. */
  eventName: string;
  /** ISO 8601, the envelope's `time`. */
  eventTime: string;
  region: string;
  account: string;
  imageId: string;
  /** `available`, `failed`, `deregistered`, … as EC2 wrote it. */
  state: string;
  /** EC2's reason for a `failed` image; user-visible text from AWS, carried along. */
  errorMessage?: string;
}

/**
 * What a tampering call did to a clone the ledger may hold:
 * - `tags`: CreateTags / DeleteTags touched a `clonewarden:` key;
 * - `unquarantine`: EnableImage / DisableImageDeprecation, which a quarantine undid;
 * - `close`: DeregisterImage / DeleteSnapshot, the clone is gone;
 * - `reopen`: Restore…FromRecycleBin, the clone is back.
 */
export type TamperAction = 'tags' | 'unquarantine' | 'close' | 'reopen';

/** A call that may undo what clonewarden recorded, normalised (family `tampering`). */
export interface TamperEvent {
  family: 'tampering';
  action: TamperAction;
  eventId: string;
  eventName: string;
  /** ISO 8601. */
  eventTime: string;
  region: string;
  account: string;
  principal: Principal;
  /** The images and snapshots the call touched (other resources of a CreateTags are left out). */
  clones: CloneRef[];
  /** `tags` only: the `clonewarden:` tags written (key → value), or removed (value `undefined`). */
  tags?: { key: string; value?: string }[];
  /** `tags` only: DeleteTags without a tag list, which removes every tag. */
  removesAllTags?: boolean;
}

/**
 * A governed event, normalised by its family's reader (`shared/events/families/`). Each family
 * adds its member here, with a `family` tag that the pipeline dispatches on.
 */
export type GovernedEvent = CloneEvent | ShareEvent | RestoreEvent | ImageStateEvent | TamperEvent;

/**
 * The families of governed events: `creation` (a clone's birth), `sharing` (who may use it),
 * `restoring` (a clone restored), `state-change` (an image ready or failed), `tampering` (a
 * change to what the ledger guards).
 */
export type EventFamily = GovernedEvent['family'];

/** What an image or snapshot looks like in EC2 right now. */
export interface CloneFact {
  kind: CloneKind;
  id: string;
  region: string;
  tags: Record<string, string>;
  /** ISO 8601. */
  createdAt?: string;
  state?: string;
  /** Images: the snapshots behind their block devices. */
  backingSnapshotIds: string[];
  /**
   * Images: the tags of each backing snapshot EC2 showed when it was read; a listed snapshot
   * missing here was not visible yet. Absent when the disks were not read: they are new and carry
   * only what the event requested for snapshots.
   */
  diskTags?: Record<string, Record<string, string>>;
  /** Snapshots: the volume they were taken of. */
  volumeId?: string;
  sizeGiB?: number;
  /** Images: EC2's own record of where they came from, when the endpoint reports it. */
  sourceImageId?: string;
  sourceInstanceId?: string;
  deprecated?: boolean;
  /**
   * The encryption of the clone's data, one entry per EBS snapshot: a snapshot's own, an
   * image's backing snapshots' (read only when a rule asks, see {@link FactNeeds}). Absent when
   * not read; an image without EBS snapshots (instance store) has none.
   */
  encryption?: DiskEncryption[];
}

/** Whether one EBS snapshot is encrypted, and with which KMS key (its ARN, as EC2 reports it). */
export interface DiskEncryption {
  snapshotId: string;
  encrypted: boolean;
  kmsKeyId?: string;
}

/**
 * A KMS key as `DescribeKey` saw it. `ref` is what was asked: a clone's key ARN, or an alias the
 * policy names (resolved in `region`). `unknown` says why nothing could be learnt (AccessDenied,
 * a key in another account, an endpoint without KMS).
 */
export interface KmsKeyFact {
  ref: string;
  region: string;
  arn?: string;
  /** `CUSTOMER` for a customer-managed key, `AWS` for an AWS managed key such as `aws/ebs`. */
  keyManager?: 'CUSTOMER' | 'AWS';
  unknown?: string;
}

/**
 * Facts that cost extra calls, fetched only when a policy rule asks for them (a rule type's
 * `needs`): the enforcer does not pay for what no rule reads.
 */
export interface FactNeeds {
  /** Each image's disk encryption, from its backing snapshots (one DescribeSnapshots). */
  diskEncryption: boolean;
  /** KMS DescribeKey of each clone's key: is it customer-managed? */
  kmsKeyManager: boolean;
  /** Aliases (`alias/…` or alias ARNs) to resolve to key ARNs with DescribeKey, per clone region. */
  kmsAliases: string[];
}

export type StatusCheck =
  | 'ok'
  | 'impaired'
  | 'initializing'
  | 'insufficient-data'
  | 'not-applicable'
  | 'unknown';

interface SourceFactBase {
  id: string;
  region: string;
  /** False when EC2 no longer knows the source (deleted, or in an account we cannot read). */
  found: boolean;
  tags: Record<string, string>;
  state?: string;
}

export interface InstanceSourceFact extends SourceFactBase {
  kind: 'instance';
  /** Combined instance and system status checks, `unknown` when EC2 did not report them. */
  statusChecks: StatusCheck;
  /** The AMI it was launched from: its own origin in the clone family tree. */
  imageId?: string;
  volumeIds: string[];
}

export interface VolumeSourceFact extends SourceFactBase {
  kind: 'volume';
  /** `unknown` where the endpoint lacks DescribeVolumeStatus. */
  statusChecks: StatusCheck;
  /** The snapshot the volume was created from: its origin in the clone family tree. */
  snapshotId?: string;
  attachments: { instanceId: string; instanceState?: string }[];
}

export interface ImageSourceFact extends SourceFactBase {
  kind: 'image';
  createdAt?: string;
  deprecated: boolean;
  sourceImageId?: string;
}

export interface SnapshotSourceFact extends SourceFactBase {
  kind: 'snapshot';
  createdAt?: string;
  volumeId?: string;
}

export type SourceFact = InstanceSourceFact | VolumeSourceFact | ImageSourceFact | SnapshotSourceFact;

/**
 * The clone the source itself came from, when the source is an instance (its AMI) or a volume
 * (its snapshot). Copies have no origin: their source *is* the parent clone.
 */
export interface OriginFact {
  kind: CloneKind;
  id: string;
  found: boolean;
  tags: Record<string, string>;
}

/** Everything the adapters fetched for one event. Absent means "could not be known". */
export interface CloneFacts {
  clones: CloneFact[];
  source?: SourceFact;
  origin?: OriginFact;
  /** KMS keys described for rules that judge the clones' keys (only when one asks). */
  kmsKeys?: KmsKeyFact[];
  /** Facts that could not be fetched and why, e.g. "DescribeVolumeStatus not supported". */
  gaps: string[];
}

/** A clone's place in its family tree. */
export interface Lineage {
  /** The immediate source: `i-…`, `vol-…`, `ami-…`, `snap-…`, or `region/id` across regions. */
  source: string;
  /** The clone this one descends from, or the source itself when there is no clone ancestor. */
  parent: string;
  /** The original the whole family descends from. */
  root: string;
  /** 1 for a clone of a non-clone; n + 1 for a clone of a generation-n clone. */
  generation: number;
  /** How the generation was established, for the verdict and the alert. */
  evidence: string[];
}

/** The context a rule evaluates one clone in. Only data: rules never call AWS. */
export interface RuleInput {
  event: CloneEvent;
  facts: CloneFacts;
  clone: CloneFact;
  lineage: Lineage;
  /** The caller is a trusted AWS service (Backup, DLM, Image Builder) per the policy. */
  callerIsTrustedService: boolean;
  now: Date;
}

/** The image or snapshot a restore came from, as EC2 and clonewarden's own record show it. */
export interface RestoredCloneFact {
  kind: CloneKind;
  id: string;
  region: string;
  /** The account that owns it; a clone of another account (AWS, Marketplace, a partner) is not ours. */
  ownerId?: string;
  tags: Record<string, string>;
  /** Its clonewarden status, read by `CloneStatusReader` (today the `clonewarden:status` tag). */
  status?: string;
  /** ISO 8601. */
  createdAt?: string;
  /** EC2's state: images `available`, `disabled`, …; snapshots `completed`, …. */
  state?: string;
  deprecated: boolean;
}

/**
 * What clonewarden itself decided about the clone when it was born. Read today from its
 * `clonewarden:` tags; the verdict ledger will become the source of truth (one reader:
 * `readBirthRecord` in shared/engine/birth-record.ts).
 */
export interface BirthRecord {
  quarantined: boolean;
  /** The rule ids of `consistent-capture` rules the clone broke. */
  inconsistentCapture: string[];
  root?: string;
  generation?: number;
}

/** Everything the restore adapters fetched for one event. */
export interface RestoreFacts {
  /** Absent when EC2 does not show the clone (deregistered, or not visible to this account). */
  clone?: RestoredCloneFact;
  /** The new resources to label: instances with their volumes and network interfaces, or the volume. */
  labelTargets: string[];
  /** Facts that could not be fetched and why. */
  gaps: string[];
}

/** The context an `allowed-restore` rule judges one restore in. Only data. */
export interface RestoreRuleInput {
  event: RestoreEvent;
  clone: RestoredCloneFact;
  birth: BirthRecord;
  now: Date;
}

/** What a rule found for one clone. */
export interface RuleOutcome {
  /** Problems; empty means the rule passes. */
  violations: string[];
  /** Checks that could not be made because a fact was unknown; they are not violations. */
  unknowns?: string[];
  /** Tags to copy onto the clone from its source (required-tags with `inheritFromSource`). */
  inheritTags?: Record<string, string>;
  /** The source's labels the rule judged by (allowed-sources), for the verdict's `sourceLabels`. */
  sourceLabels?: Record<string, string>;
}

/** What an image or snapshot whose permissions changed looks like now. */
export interface SharedCloneFact {
  kind: CloneKind;
  id: string;
  region: string;
  /** False when EC2 no longer knows it (deregistered or deleted since the call). */
  found: boolean;
  ownerId?: string;
  tags: Record<string, string>;
  /** Its status, read by `CloneStatusReader`: the ledger's, its `clonewarden:status` tag only without an item. */
  status?: string;
  encrypted: boolean;
  /** The KMS keys of its encrypted disks: each must be shared too for the grantee to use it. */
  kmsKeyIds: string[];
  backingSnapshotIds: string[];
}

/** Our AWS Organization, as far as the role may read it. */
export type OrganizationFact =
  | {
      known: true;
      /** `arn:aws:organizations::<management>:organization/o-…`. */
      arn: string;
      id: string;
      /** The member accounts; `undefined` when ListAccounts was refused (only the management or a delegated admin may call it). */
      accounts?: ReadonlySet<string>;
      /** Why the accounts are unknown. */
      accountsUnknown?: string;
    }
  | { known: false; reason: string };

/** Everything the adapters fetched to judge one share. */
export interface ShareFacts {
  clone: SharedCloneFact;
  /** Read only when a rule needs it (`organization: true`). */
  organization?: OrganizationFact;
  gaps: string[];
}

/** The context a sharing rule judges one added grant in. Only data: rules never call AWS. */
export interface ShareRuleInput {
  event: ShareEvent;
  clone: SharedCloneFact;
  grant: Share;
  organization?: OrganizationFact;
  now: Date;
}

export interface Violation {
  rule: string;
  /** The rule's type (`required-tags`, …), so that an alert can say how to fix it. */
  ruleType?: string;
  severity: Severity;
  action: RuleAction;
  resource: string;
  message: string;
}

export type PlannedAction =
  | {
      type: 'tag';
      target: string;
      region: string;
      tags: Record<string, string>;
      /**
       * The tag records that the other writes are done (`clonewarden:disks=done`): written after
       * them, so that a failure leaves it unwritten and a retry does the work again.
       */
      confirms?: boolean;
      done: boolean;
      error?: string;
    }
  | {
      type: 'quarantine';
      target: string;
      kind: CloneKind;
      region: string;
      done: boolean;
      error?: string;
      /** Steps the endpoint does not support; the rest was done. */
      skipped?: string[];
      /**
       * The shares removed (`u=<account>`, `g=all`, `o=<org ARN>`, `ou=<OU ARN>`); an image's
       * backing snapshots' as `snap-…:u=<account>`. Also recorded in tags, for `release`.
       */
      removedShares?: string[];
    }
  | {
      /** Removes the grants that broke a sharing rule, and keeps the others. */
      type: 'revert';
      target: string;
      kind: CloneKind;
      region: string;
      /** The grants to remove, as share tokens (`u=<account>`, `g=all`, `o=…`, `ou=…`). */
      shares: string[];
      /** The grants actually removed (those still granted when the action ran). */
      removedShares?: string[];
      /**
       * Grants to remove that were no longer granted when the action ran: removed by an earlier
       * attempt of the same event that failed before its alert (so that the one alert still names
       * them), or by someone else in between.
       */
      alreadyGone?: string[];
      done: boolean;
      error?: string;
    }
  | {
      /** StopInstances on instances restored from a refused clone; never a terminate. */
      type: 'stop';
      target: string;
      region: string;
      done: boolean;
      error?: string;
    }
  | {
      type: 'alert';
      target: string;
      severity: Severity;
      /** The `https` key carries an AWS Chatbot custom notification (`alerts.chatbot`). */
      chatbot?: boolean;
      done: boolean;
      error?: string;
    };

export type VerdictStatus = 'compliant' | 'violation' | 'quarantined' | 'exempt' | 'skipped' | 'rejected';

export interface Verdict {
  eventId: string;
  eventName: string;
  region: string;
  account: string;
  /** Organization mode: the account's name in the organization (Organizations DescribeAccount). */
  accountName?: string;
  resources: string[];
  status: VerdictStatus;
  reason?: string;
  violations: Violation[];
  unknowns: { rule: string; resource: string; message: string }[];
  actions: PlannedAction[];
  principal?: Principal;
  lineage?: Record<string, Lineage>;
  exemption?: string;
  /**
   * The source's labels that rules judged by (allowed-sources), as they were when the event was
   * judged: only the keys the policy names. Absent when no rule judged labels. Added in v1, optional.
   */
  sourceLabels?: Record<string, string>;
  /**
   * Sharing events only: the grants the call added and removed, those that broke a rule (as
   * share tokens, see `shareToken`), and notes such as the KMS key an encrypted clone needs shared.
   */
  sharing?: {
    added: string[];
    removed: string[];
    denied: string[];
    notes: string[];
  };
  /**
   * Work left for an image to become `available` (it was `pending`, or its disks were not
   * visible yet): the `EC2 AMI State Change` event, or else the daily reconcile, finishes it.
   */
  awaiting?: string[];
  /** `state-change` family: the image state the event reported (`available`, `failed`, …). */
  imageState?: string;
  /** Restoring family: the image or snapshot the event restored from (`resources` are what it created). */
  restoredFrom?: string;
  dryRun: boolean;
}
