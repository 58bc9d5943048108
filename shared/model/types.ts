/**
 * The data that flows through clonewarden: event → facts → verdict → actions.
 * Everything here is plain data, so that the engine stays pure and easy to test.
 */

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

/**
 * A governed event, normalised by its family's reader (`shared/events/families/`). Each family
 * adds its member here, with a `family` tag that the pipeline dispatches on.
 */
export type GovernedEvent = CloneEvent;

/** The families of governed events: `creation` (a clone's birth) today. */
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
  /** Snapshots: the volume they were taken of. */
  volumeId?: string;
  sizeGiB?: number;
  /** Images: EC2's own record of where they came from, when the endpoint reports it. */
  sourceImageId?: string;
  sourceInstanceId?: string;
  deprecated?: boolean;
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

/** What a rule found for one clone. */
export interface RuleOutcome {
  /** Problems; empty means the rule passes. */
  violations: string[];
  /** Checks that could not be made because a fact was unknown; they are not violations. */
  unknowns?: string[];
  /** Tags to copy onto the clone from its source (required-tags with `inheritFromSource`). */
  inheritTags?: Record<string, string>;
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
  dryRun: boolean;
}
