import { describeError } from '../aws/aws-error.js';
import type { CloneLedger } from '../aws/clone-ledger.js';
import type { CloneActions, RecordShares } from '../aws/ec2-clone-actions.js';
import type { RestoreActions } from '../aws/ec2-restore-actions.js';
import type { AlertPublisher } from '../aws/sns-alert-publisher.js';
import { visibleDiskIds } from '../model/clone-disks.js';
import { decodeShares, shareToken } from '../model/clonewarden-tags.js';
import { ActionFailedError } from '../model/errors.js';
import { type LedgerItem, mirrorTags } from '../model/ledger-item.js';
import type { EnforcerLog } from '../model/log.js';
import type { CloneFacts, PlannedAction, Verdict } from '../model/types.js';
import { recordBirths, recordQuarantine, sharesRecorder } from './ledger-record.js';

export interface ActionDependencies {
  actions: CloneActions;
  /** Stops restored instances; absent where no verdict plans a `stop` (prune). */
  restoreActions?: RestoreActions;
  alerts: AlertPublisher;
  log: EnforcerLog;
  /** clonewarden's record; absent only in the CLI without CLONEWARDEN_LEDGER_TABLE. */
  ledger?: CloneLedger;
  /** Organization mode: the name of the account acted in, for the verdict and its alert. */
  accountName?: string;
}

type TagAction = Extract<PlannedAction, { type: 'tag' }>;
type QuarantineAction = Extract<PlannedAction, { type: 'quarantine' }>;
type RevertAction = Extract<PlannedAction, { type: 'revert' }>;
type StopAction = Extract<PlannedAction, { type: 'stop' }>;

/**
 * Carries out a verdict's planned actions, in the order that keeps a retry safe: the ledger
 * items first (`births`: the record the tags mirror, one conditional write per clone; an
 * existing clone's item moved to `quarantined` before its quarantine), then tags
 * (they also mark `status=quarantined`, which the deny policy acts on at once), then
 * quarantine, the revert of a share's grants or the stop of restored instances, then the tags
 * that confirm the work done (`confirms`), then the one alert, last, so that a failure before it
 * leads to a retry that alerts once. Every step is idempotent. In dry-run nothing in the account changes: only the
 * alert (marked DRY RUN) is sent.
 *
 * Returns the verdict with each action's `done`; throws `ActionFailedError` (with the verdict
 * as it stood) when a step failed, so that the event is retried and nothing is left half-done.
 */
export async function executeActions(
  verdict: Verdict,
  facts: CloneFacts,
  deps: ActionDependencies,
  births: readonly LedgerItem[] = [],
): Promise<Verdict> {
  const result: Verdict = {
    ...verdict,
    ...(deps.accountName ? { accountName: deps.accountName } : {}),
    actions: verdict.actions.map((action) => ({ ...action })),
  };
  try {
    if (!verdict.dryRun) {
      if (deps.ledger && births.length > 0) {
        const notes = await recordBirths(deps.ledger, births);
        if (notes.length > 0) deps.log.warn('ledger items kept', { eventId: verdict.eventId, notes });
      }
      if (deps.ledger) await recordQuarantines(result, facts, deps.ledger, births);
      await tagInBatches(result.actions, (action) => action.confirms !== true, deps.actions);
      for (const action of result.actions) {
        if (action.type === 'quarantine') await quarantine(action, facts, deps, verdict);
        if (action.type === 'revert') await revert(action, deps.actions);
      }
      await stopInstances(result.actions, deps.restoreActions);
      await tagInBatches(result.actions, (action) => action.confirms === true, deps.actions);
    }
    for (const action of result.actions) {
      if (action.type !== 'alert') continue;
      // The alert reports what was done, so it is built after the other actions ran.
      const chatbot = action.chatbot === true;
      // Loaded on the first alert, like the SNS client: most events raise none.
      const { buildAlert } = await import('./alert-message.js');
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

/**
 * Quarantines one clone, and an image's disks with it, recording on `action` what was removed.
 * With a ledger, the shares go on the clone's item before they are removed.
 */
async function quarantine(
  action: QuarantineAction,
  facts: CloneFacts,
  deps: ActionDependencies,
  verdict: Verdict,
) {
  const { actions, ledger } = deps;
  const clone = facts.clones.find((candidate) => candidate.id === action.target);
  const knownTags = clone?.tags ?? {};
  const key = { account: verdict.account, region: action.region, id: action.target };
  const cause = { eventId: verdict.eventId, at: new Date().toISOString() };
  // Passed only with a ledger, so that a call without one reads exactly as before.
  const recorder = (diskId?: string): [RecordShares] | [] =>
    ledger ? [sharesRecorder(ledger, key, cause, diskId)] : [];
  const outcome =
    action.kind === 'image'
      ? await actions.quarantineImage(action.region, action.target, knownTags, ...recorder())
      : await actions.quarantineSnapshot(action.region, action.target, knownTags, ...recorder());
  const removed = encodeShareTokens(outcome.removedShares);
  if (action.kind === 'image') {
    // An image's disks can be shared on their own (createVolumePermission): a quarantined
    // AMI whose snapshots stay public still leaks its data. Each snapshot records its own
    // shares in its own tag (and on the image's ledger item), for `release`.
    for (const snapshotId of clone ? visibleDiskIds(clone) : []) {
      const disk = await actions.quarantineSnapshot(action.region, snapshotId, {}, ...recorder(snapshotId));
      removed.push(...encodeShareTokens(disk.removedShares).map((token) => `${snapshotId}:${token}`));
    }
  }
  action.done = true;
  if (outcome.skipped.length > 0) action.skipped = outcome.skipped;
  // Also in the alert's JSON: the tags hold at most eight values' worth of shares.
  if (removed.length > 0) action.removedShares = removed;
}

/**
 * A quarantine that did not come with the clone's birth (a share that broke a rule) moves the
 * clone's item to `quarantined` first; the tags planned for the clone and its disks are then the
 * item's mirror, so that they never say more or less than the ledger (its rule ids included).
 */
async function recordQuarantines(
  result: Verdict,
  facts: CloneFacts,
  ledger: CloneLedger,
  births: readonly LedgerItem[],
): Promise<void> {
  for (const action of result.actions) {
    if (action.type !== 'quarantine' || births.some((item) => item.id === action.target)) continue;
    const clone = facts.clones.find((candidate) => candidate.id === action.target);
    if (!clone) continue;
    const item = await recordQuarantine(ledger, result, clone);
    const mirrored = new Set([item.id, ...item.backingSnapshotIds, ...clone.backingSnapshotIds]);
    for (const tag of result.actions) {
      if (tag.type === 'tag' && tag.region === item.region && mirrored.has(tag.target)) {
        // The ledger's values win for what it records; labels and other planned keys stay.
        tag.tags = { ...tag.tags, ...mirrorTags(item, tag.target) };
      }
    }
  }
}

/**
 * Removes exactly the grants that broke a rule, recording on `action` those it removed and those
 * already gone (a retry after a crash part-way removes nothing, yet its alert must name them).
 */
async function revert(action: RevertAction, actions: CloneActions) {
  const shares = decodeShares(action.shares);
  const removed = await actions.revokeShares(action.region, action.kind, action.target, shares);
  action.removedShares = removed.map(shareToken);
  const gone = shares.map(shareToken).filter((token) => !action.removedShares!.includes(token));
  if (gone.length > 0) action.alreadyGone = gone;
  action.done = true;
}

/** One StopInstances call per region for the instances a restore verdict stops. */
async function stopInstances(actions: PlannedAction[], restoreActions: RestoreActions | undefined) {
  const stops = actions.filter((action): action is StopAction => action.type === 'stop');
  if (stops.length === 0) return;
  if (!restoreActions) throw new Error('a stop was planned, but nothing can stop instances here');
  for (const region of new Set(stops.map((action) => action.region))) {
    const inRegion = stops.filter((action) => action.region === region);
    await restoreActions.stopInstances(
      region,
      inRegion.map((action) => action.target),
    );
    for (const action of inRegion) action.done = true;
  }
}

const encodeShareTokens = (shares: Parameters<typeof shareToken>[0][]) => shares.map(shareToken);

/** Writes the tag actions `which` selects, batched, marking each done. */
async function tagInBatches(
  actions: PlannedAction[],
  which: (action: TagAction) => boolean,
  writer: CloneActions,
): Promise<void> {
  for (const batch of batchTagActions(actions.filter((a): a is TagAction => a.type === 'tag' && which(a)))) {
    await writer.tag(
      batch.region,
      batch.actions.map((a) => a.target),
      batch.actions[0]!.tags,
    );
    for (const action of batch.actions) action.done = true;
  }
}

/** Tag actions with identical tags in one region become one CreateTags call (it takes many ids). */
function batchTagActions(actions: TagAction[]): { region: string; actions: TagAction[] }[] {
  const batches = new Map<string, { region: string; actions: TagAction[] }>();
  for (const action of actions) {
    const key = `${action.region}\n${JSON.stringify(Object.entries(action.tags).sort())}`;
    const batch = batches.get(key) ?? { region: action.region, actions: [] };
    batch.actions.push(action);
    batches.set(key, batch);
  }
  // CreateTags accepts up to 1,000 resource ids per call; a clone has far fewer.
  return [...batches.values()];
}
