import { executeActions } from '../actions/execute-actions.js';
import { birthItems } from '../actions/ledger-record.js';
import type { CloneLedger } from '../aws/clone-ledger.js';
import type { CloneActions } from '../aws/ec2-clone-actions.js';
import type { CloneFactsReader } from '../aws/ec2-clone-facts.js';
import type { AlertPublisher } from '../aws/sns-alert-publisher.js';
import { evaluatePolicy } from '../engine/evaluate-policy.js';
import type { CloneRecord } from '../model/clone-record.js';
import { DISKS, TAG } from '../model/clonewarden-tags.js';
import type { EnforcerLog } from '../model/log.js';
import type { CloneEvent, Principal, SourceRef, Verdict } from '../model/types.js';
import { settleImageState } from '../pipeline/families/state-change.js';
import type { Policy } from '../policy/schema.js';

/** The event name reconciled verdicts carry, in reports and in the `clonewarden:event-id` tag. */
const RECONCILE_EVENT_NAME = 'Reconcile';

/**
 * Clones younger than this are left to enforce: EventBridge and Lambda keep retrying an event
 * for up to a day (see serverless.yml), so a missing verdict before then is not yet "missed".
 */
const RECONCILE_SETTLE_MS = 24 * 3600 * 1000;

const UNKNOWN_PRINCIPAL: Principal = {
  type: 'Unknown',
  arn: '',
  display: 'unknown (no CloudTrail event)',
};

/** Judges one clone that never got a verdict. */
export interface Reconciler {
  reconcile(record: CloneRecord): Promise<Verdict>;
}

/**
 * An image whose creation left its disks pending and that is available now: its
 * `EC2 AMI State Change` event (best-effort) did not finish it, so reconcile does.
 */
function disksAwaitReconcile(record: CloneRecord): boolean {
  return (
    record.kind === 'image' &&
    record.state === 'available' &&
    record.tags[TAG.status] !== undefined &&
    record.tags[TAG.disks] === DISKS.pending
  );
}

/**
 * Whether a clone is one reconcile should judge (no verdict, old enough, not AWS's own) or
 * finish (an available image whose disks still wait for their labels).
 */
export function needsReconcile(record: CloneRecord, now: Date): boolean {
  if (disksAwaitReconcile(record)) return true;
  if (record.tags['clonewarden:status'] !== undefined) return false;
  if (record.managedBy) return false;
  const created = record.createdAt ? Date.parse(record.createdAt) : Number.NaN;
  if (Number.isNaN(created)) return false;
  return now.getTime() - created >= RECONCILE_SETTLE_MS;
}

/** What EC2 records about a clone's origin stands in for the event's request parameters. */
function sourceOf(record: CloneRecord): SourceRef | undefined {
  if (record.kind === 'image') {
    if (record.sourceInstanceId)
      return { kind: 'instance', id: record.sourceInstanceId, region: record.region };
    if (record.sourceImageId) {
      return { kind: 'image', id: record.sourceImageId, region: record.sourceImageRegion ?? record.region };
    }
    return undefined;
  }
  return record.volumeId ? { kind: 'volume', id: record.volumeId, region: record.region } : undefined;
}

/**
 * The event enforce would have seen, rebuilt from the clone itself: the caller is unknown, so
 * rules that need it report an unknown rather than a violation; `noReboot` was not recorded.
 */
function reconcileEvent(record: CloneRecord): CloneEvent {
  const source = sourceOf(record);
  return {
    family: 'creation',
    eventId: `reconcile-${record.id}`,
    eventName: RECONCILE_EVENT_NAME,
    eventTime: record.createdAt ?? new Date(0).toISOString(),
    region: record.region,
    account: record.ownerId ?? '',
    principal: UNKNOWN_PRINCIPAL,
    clones: [{ kind: record.kind, id: record.id }],
    ...(source ? { source } : {}),
    requestedTags: {},
    ...(record.name ? { name: record.name } : {}),
  };
}

/** Per-clone alerts are not wanted here: the run's digest reports reconciled violations. */
const NO_ALERTS: AlertPublisher = {
  async publish() {
    throw new Error('reconcile sends no per-clone alerts; the prune digest carries them');
  },
};

export interface ReconcilerOptions {
  policy: Policy;
  facts: CloneFactsReader;
  actions: CloneActions;
  /** Where the reconciled verdict is recorded (origin `reconcile`). */
  ledger?: CloneLedger;
  log: EnforcerLog;
  now: () => Date;
  dryRun: boolean;
}

/**
 * The same engine and actions as enforce (`evaluatePolicy`, `executeActions`), with no alert
 * target, so that tags (and, outside dry-run, quarantine) are applied but nothing is published.
 */
export function createReconciler(options: ReconcilerOptions): Reconciler {
  return {
    async reconcile(record) {
      if (disksAwaitReconcile(record)) return finishImage(record, options);
      const event = reconcileEvent(record);
      const facts = await options.facts.collect(event);
      const planned = evaluatePolicy(options.policy, event, facts, {
        now: options.now(),
        dryRun: options.dryRun,
      });
      const births = options.ledger ? birthItems(event, planned, facts, 'reconcile') : [];
      return executeActions(
        planned,
        facts,
        {
          actions: options.actions,
          alerts: NO_ALERTS,
          log: options.log,
          ...(options.ledger ? { ledger: options.ledger } : {}),
        },
        births,
      );
    },
  };
}

/**
 * What an image's `available` event would have done, done by reconcile: the state-change
 * family's own step, with no alert target.
 */
function finishImage(record: CloneRecord, options: ReconcilerOptions): Promise<Verdict> {
  const event = {
    family: 'state-change',
    eventId: `reconcile-${record.id}`,
    eventName: RECONCILE_EVENT_NAME,
    eventTime: options.now().toISOString(),
    region: record.region,
    account: record.ownerId ?? '',
    imageId: record.id,
    state: 'available',
  } as const;
  return settleImageState(event, { ...options, alerts: NO_ALERTS });
}
