import { visibleDiskIds } from '../model/clone-disks.js';
import { DISKS, TAG, TAG_PREFIX } from '../model/clonewarden-tags.js';
import type {
  CloneFact,
  ImageStateEvent,
  PlannedAction,
  Verdict,
  VerdictStatus,
  Violation,
} from '../model/types.js';
import type { Policy } from '../policy/schema.js';
import type { EvaluationOptions } from './evaluate-policy.js';
import { decideAlert, forDisk, labelsOf, statusOf } from './verdict-rules.js';

/** The rule id a failed image is reported under (it is not a policy rule: `alerts.failedImages`). */
export const FAILED_IMAGE_RULE = 'image-failed';

/**
 * The image as EC2 shows it when its state changed; for `available` with disks left
 * pending, with `diskTags` read. Absent: EC2 does not know the image (any more).
 */
export interface ImageStateFacts {
  image?: CloneFact;
}

/**
 * Whether the image's disks must be read to finish it: it has a verdict and its creation left
 * its disks `pending`. Otherwise the `available` event is answered from the image alone.
 */
export function disksLeftPending(image: CloneFact | undefined): boolean {
  return image?.tags[TAG.status] !== undefined && image.tags[TAG.disks] === DISKS.pending;
}

/**
 * Pure: `(policy, state-change event, facts) → verdict`. `available` finishes what the creation
 * event left for it: the disks' labels and, for a quarantined image, the disks' quarantine; then
 * `clonewarden:disks=done`. `failed` is recorded on the image and alerted when the policy asks
 * (`alerts.failedImages`). Nothing here grants anything: the status it copies is the enforcer's.
 */
export function evaluateStateChange(
  policy: Policy,
  event: ImageStateEvent,
  facts: ImageStateFacts,
  options: EvaluationOptions,
): Verdict {
  const base = {
    eventId: event.eventId,
    eventName: event.eventName,
    region: event.region,
    account: event.account,
    imageState: event.state,
    unknowns: [],
    dryRun: options.dryRun,
  };
  if (event.state === 'failed') return { ...base, ...judgeFailure(policy, event, facts, options) };
  const { image } = facts;
  const recorded = recordedStatus(image);
  if (!image || !recorded) {
    const why = image
      ? `${event.imageId} has no verdict yet: its creation event (retried for a day) or the daily reconcile gives it`
      : `${event.imageId} is not known to EC2 any more`;
    return {
      ...base,
      resources: [event.imageId],
      status: 'skipped',
      reason: why,
      violations: [],
      actions: [],
    };
  }
  if (!disksLeftPending(image)) {
    const reason = `nothing left: ${image.id}'s disks were labelled${recorded === 'quarantined' ? ' and quarantined' : ''} when it was created`;
    return { ...base, resources: [image.id], status: recorded, reason, violations: [], actions: [] };
  }
  return { ...base, ...finishDisks(policy, image, recorded) };
}

type Judged = Pick<Verdict, 'resources' | 'status' | 'violations' | 'actions'> & Partial<Verdict>;

/** The disks' labels and quarantine, then the confirmation; what is still not visible stays pending. */
function finishDisks(policy: Policy, image: CloneFact, recorded: VerdictStatus): Judged {
  const lineage = Object.fromEntries(Object.entries(image.tags).filter(([key]) => isVerdictTag(key)));
  const labelled = { ...lineage, ...labelsOf(policy, 'image', image.tags) };
  const disks = visibleDiskIds(image);
  const actions: PlannedAction[] = disks.map((id) => ({
    type: 'tag',
    target: id,
    region: image.region,
    tags: forDisk(labelled, image.diskTags?.[id] ?? {}),
    done: false,
  }));
  if (recorded === 'quarantined') {
    // The image itself was quarantined at creation; its disks are, now that EC2 shows them.
    actions.push(
      ...disks.map(
        (id): PlannedAction => ({
          type: 'quarantine',
          target: id,
          kind: 'snapshot',
          region: image.region,
          done: false,
        }),
      ),
    );
  }
  const missing = image.backingSnapshotIds.length - disks.length;
  if (missing > 0) {
    const awaiting = [
      `${image.id}: ${missing} of its disks are not visible yet; the daily reconcile finishes them`,
    ];
    return { resources: [image.id, ...disks], status: recorded, violations: [], actions, awaiting };
  }
  actions.push({
    type: 'tag',
    target: image.id,
    region: image.region,
    tags: { [TAG.disks]: DISKS.done },
    confirms: true,
    done: false,
  });
  return { resources: [image.id, ...disks], status: recorded, violations: [], actions };
}

/** A failed image: recorded on the image, and one alert when the policy asks for it. */
function judgeFailure(
  policy: Policy,
  event: ImageStateEvent,
  facts: ImageStateFacts,
  options: EvaluationOptions,
): Judged {
  const severity = policy.alerts.failedImages;
  const message = `image ${event.imageId} failed to become available${event.errorMessage ? `: ${event.errorMessage}` : ''}`;
  const violations: Violation[] = severity
    ? [{ rule: FAILED_IMAGE_RULE, severity, action: 'report', resource: event.imageId, message }]
    : [];
  const record = facts.image ? [recordFailure(event)] : [];
  return {
    resources: [event.imageId],
    status: statusOf(false, false, violations.length > 0),
    reason: facts.image ? message : `${message} (EC2 no longer shows it: nothing to record it on)`,
    violations,
    actions: [...record, ...decideAlert(violations, policy, options.topicArn)],
  };
}

/**
 * How a failed image is recorded on its verdict: today a tag on the image. The one place to
 * change when the ledger keeps verdicts.
 */
function recordFailure(event: ImageStateEvent): PlannedAction {
  return {
    type: 'tag',
    target: event.imageId,
    region: event.region,
    tags: { [TAG.imageState]: 'failed' },
    done: false,
  };
}

const VERDICT_STATUSES: readonly string[] = ['compliant', 'violation', 'quarantined', 'exempt'];

/** The status the creation event recorded, when it is one a verdict gives a clone. */
function recordedStatus(image: CloneFact | undefined): VerdictStatus | undefined {
  const status = image?.tags[TAG.status];
  return status !== undefined && VERDICT_STATUSES.includes(status) ? (status as VerdictStatus) : undefined;
}

/** The `clonewarden:` tags a verdict gives a clone and its disks alike (not the image's own bookkeeping). */
function isVerdictTag(key: string): boolean {
  return (
    key.startsWith(TAG_PREFIX) &&
    key !== TAG.disks &&
    key !== TAG.imageState &&
    !key.startsWith(TAG.quarantineShares) &&
    key !== TAG.pruneAfter
  );
}
