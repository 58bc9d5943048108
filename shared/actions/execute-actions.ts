import { describeError } from '../aws/aws-error.js';
import type { CloneActions } from '../aws/ec2-clone-actions.js';
import type { AlertPublisher } from '../aws/sns-alert-publisher.js';
import { decodeShares, shareToken } from '../model/clonewarden-tags.js';
import { ActionFailedError } from '../model/errors.js';
import type { EnforcerLog } from '../model/log.js';
import type { CloneFacts, PlannedAction, Verdict } from '../model/types.js';
import { buildAlert } from './alert-message.js';

export interface ActionDependencies {
  actions: CloneActions;
  alerts: AlertPublisher;
  log: EnforcerLog;
}

type TagAction = Extract<PlannedAction, { type: 'tag' }>;
type QuarantineAction = Extract<PlannedAction, { type: 'quarantine' }>;
type RevertAction = Extract<PlannedAction, { type: 'revert' }>;

/**
 * Carries out a verdict's planned actions, in the order that keeps a retry safe: tags first
 * (they also mark `status=quarantined`, which the deny policy acts on at once), then
 * quarantine or the revert of a share's grants, then the one alert, last, so that a failure before it leads to a retry that
 * alerts once. Every step is idempotent. In dry-run nothing in the account changes: only the
 * alert (marked DRY RUN) is sent.
 *
 * Returns the verdict with each action's `done`; throws `ActionFailedError` (with the verdict
 * as it stood) when a step failed, so that the event is retried and nothing is left half-done.
 */
export async function executeActions(
  verdict: Verdict,
  facts: CloneFacts,
  deps: ActionDependencies,
): Promise<Verdict> {
  const result: Verdict = { ...verdict, actions: verdict.actions.map((action) => ({ ...action })) };
  try {
    if (!verdict.dryRun) {
      for (const batch of batchTagActions(result.actions)) {
        await deps.actions.tag(
          batch.region,
          batch.actions.map((a) => a.target),
          batch.actions[0]!.tags,
        );
        for (const action of batch.actions) action.done = true;
      }
      for (const action of result.actions) {
        if (action.type === 'quarantine') await quarantine(action, facts, deps.actions);
        if (action.type === 'revert') await revert(action, deps.actions);
      }
    }
    for (const action of result.actions) {
      if (action.type !== 'alert') continue;
      // The alert reports what was done, so it is built after the other actions ran.
      const chatbot = action.chatbot === true;
      await deps.alerts.publish(
        buildAlert(result, { topicArn: action.target, dryRun: verdict.dryRun, chatbot }),
      );
      action.done = true;
    }
  } catch (error) {
    const failed = result.actions.find(
      (action) => !action.done && !(verdict.dryRun && action.type !== 'alert'),
    );
    if (failed) failed.error = describeError(error);
    deps.log.error('an action failed; the event will be retried', {
      eventId: verdict.eventId,
      error: describeError(error),
    });
    throw new ActionFailedError(`event ${verdict.eventId}: ${describeError(error)}`, {
      cause: error,
    }).withVerdict(result);
  }
  return result;
}

/** Quarantines one clone, and an image's disks with it, recording on `action` what was removed. */
async function quarantine(action: QuarantineAction, facts: CloneFacts, actions: CloneActions) {
  const clone = facts.clones.find((candidate) => candidate.id === action.target);
  const knownTags = clone?.tags ?? {};
  const outcome =
    action.kind === 'image'
      ? await actions.quarantineImage(action.region, action.target, knownTags)
      : await actions.quarantineSnapshot(action.region, action.target, knownTags);
  const removed = encodeShareTokens(outcome.removedShares);
  if (action.kind === 'image') {
    // An image's disks can be shared on their own (createVolumePermission): a quarantined
    // AMI whose snapshots stay public still leaks its data. Each snapshot records its own
    // shares in its own tag, for `release`.
    for (const snapshotId of clone?.backingSnapshotIds ?? []) {
      const disk = await actions.quarantineSnapshot(action.region, snapshotId, {});
      removed.push(...encodeShareTokens(disk.removedShares).map((token) => `${snapshotId}:${token}`));
    }
  }
  action.done = true;
  if (outcome.skipped.length > 0) action.skipped = outcome.skipped;
  // Also in the alert's JSON: the tags hold at most eight values' worth of shares.
  if (removed.length > 0) action.removedShares = removed;
}

/** Removes exactly the grants that broke a rule, recording on `action` those still granted. */
async function revert(action: RevertAction, actions: CloneActions) {
  const shares = decodeShares(action.shares);
  const removed = await actions.revokeShares(action.region, action.kind, action.target, shares);
  action.removedShares = removed.map(shareToken);
  action.done = true;
}

const encodeShareTokens = (shares: Parameters<typeof shareToken>[0][]) => shares.map(shareToken);

/** Tag actions with identical tags in one region become one CreateTags call (it takes many ids). */
function batchTagActions(actions: PlannedAction[]): { region: string; actions: TagAction[] }[] {
  const batches = new Map<string, { region: string; actions: TagAction[] }>();
  for (const action of actions) {
    if (action.type !== 'tag') continue;
    const key = `${action.region}\n${JSON.stringify(Object.entries(action.tags).sort())}`;
    const batch = batches.get(key) ?? { region: action.region, actions: [] };
    batch.actions.push(action);
    batches.set(key, batch);
  }
  // CreateTags accepts up to 1,000 resource ids per call; a clone has far fewer.
  return [...batches.values()];
}
