import type { CallerIdentity } from '../aws/caller-identity.js';
import { type CloneLedger, changeLedgerItem } from '../aws/clone-ledger.js';
import type { CloneReleaser, ReleasableClone } from '../aws/clone-releaser.js';
import type { AlertPublisher } from '../aws/sns-alert-publisher.js';
import { recordedShares, type Share, shareTagKeysOn, TAG } from '../model/clonewarden-tags.js';
import { CloneNotFoundError, NotQuarantinedError, PublicShareRefusedError } from '../model/errors.js';
import {
  isQuarantinedInLedger,
  type LedgerItem,
  ledgerSharesOf,
  tokensToShares,
} from '../model/ledger-item.js';
import type { EnforcerLog } from '../model/log.js';
import { buildReleaseAlert } from './release-alert.js';
import {
  RELEASE_SCHEMA,
  type ReleaseRequest,
  type ReleaseResult,
  type ReleaseStep,
} from './release-result.js';

export interface ReleaseDependencies {
  releaser: CloneReleaser;
  identity: CallerIdentity;
  alerts: AlertPublisher;
  log: EnforcerLog;
  /** clonewarden's record: the only source of the shares to give back when it is there. */
  ledger?: CloneLedger;
  /** Told what will be given back, before anything changes (the CLI prints it). */
  announce?: (plan: ReleasePlan) => void;
}

/** What a release gives back: the clone's own shares and each disk's. */
export interface ReleasePlan {
  shares: Share[];
  diskShares: { snapshotId: string; shares: Share[] }[];
  /** Where the shares come from: the ledger, or (without one) the clone's tags, which can be forged. */
  source: 'ledger' | 'tags';
}

/**
 * Lifts a quarantine after review: puts back the shares quarantine recorded, re-enables the
 * image and cancels its deprecation (each skipped, and said so, where the endpoint lacks it),
 * then marks the clone and its disks `exempt`, drops the share tags, and sends one alert naming
 * who released it and why. The status changes last: a release that fails half-way leaves the
 * clone quarantined, and running it again finishes the job.
 */
export async function releaseClone(
  request: ReleaseRequest,
  deps: ReleaseDependencies,
): Promise<ReleaseResult> {
  const clone = await deps.releaser.describe(request.region, request.id);
  if (!clone) throw new CloneNotFoundError(request.id, request.region);
  const caller = await deps.identity.whoAmI();
  const account = clone.ownerId ?? caller.account;
  const item = deps.ledger && (await heldItem(deps.ledger, clone, account));
  if (!item && clone.tags[TAG.status] !== 'quarantined') throw new NotQuarantinedError(request.id);
  const plan = item ? planFromLedger(item) : await planFromTags(clone, deps.releaser);
  deps.announce?.(plan);
  refusePublic(plan, request);

  const result: ReleaseResult = {
    schema: RELEASE_SCHEMA,
    id: clone.id,
    kind: clone.kind,
    region: clone.region,
    ...(account ? { account } : {}),
    releasedBy: caller.arn,
    reason: request.reason,
    dryRun: request.dryRun,
    restoredShares: plan.shares,
    backingSnapshotIds: clone.backingSnapshotIds,
    steps: [],
  };
  const step = stepRunner(result, request.dryRun);
  await restoreShares(clone, plan, deps.releaser, step);
  if (clone.kind === 'image') await restoreImage(clone, deps.releaser, step);
  await step('set-status-exempt', async () => {
    // The record first: from here on the ledger says exempt, and who released it and why.
    if (deps.ledger && item) await recordRelease(deps.ledger, item, result);
    await deps.releaser.tag(clone.region, [clone.id, ...clone.backingSnapshotIds], {
      [TAG.status]: 'exempt',
    });
    await deps.releaser.untag(clone.region, [clone.id], shareTagKeysOn(clone.tags));
    return undefined;
  });
  await alertRelease(result, request, deps, step);
  deps.log.info('released', { id: result.id, releasedBy: result.releasedBy, dryRun: result.dryRun });
  return result;
}

/** Runs one step (or, in dry-run, plans it) and records its outcome; `run` returns why it was skipped. */
type StepRunner = (name: ReleaseStep['step'], run: () => Promise<string | undefined>) => Promise<void>;

function stepRunner(result: ReleaseResult, dryRun: boolean): StepRunner {
  return async (name, run) => {
    if (dryRun) {
      result.steps.push({ step: name, outcome: 'planned' });
      return;
    }
    const skipped = await run();
    result.steps.push(
      skipped ? { step: name, outcome: 'skipped', detail: skipped } : { step: name, outcome: 'done' },
    );
  };
}

/** The clone's item, when the ledger holds it as quarantined; else why there is nothing to release. */
async function heldItem(ledger: CloneLedger, clone: ReleasableClone, account: string | undefined) {
  const item = account ? await ledger.get({ account, region: clone.region, id: clone.id }) : undefined;
  if (!isQuarantinedInLedger(item)) {
    const ledgerStatus = item ? item.status : 'unknown (no item: the daily reconcile takes tagged clones in)';
    throw new NotQuarantinedError(clone.id, { ledgerStatus });
  }
  return item!;
}

/** Only what the ledger recorded: a share added to a tag by hand is never given out. */
function planFromLedger(item: LedgerItem): ReleasePlan {
  return {
    shares: tokensToShares(ledgerSharesOf(item, item.id)),
    diskShares: item.backingSnapshotIds
      .map((snapshotId) => ({ snapshotId, shares: tokensToShares(ledgerSharesOf(item, snapshotId)) }))
      .filter((disk) => disk.shares.length > 0),
    source: 'ledger',
  };
}

/** Without a ledger: the share tags of the clone and of each disk (quarantine wrote them). */
async function planFromTags(clone: ReleasableClone, releaser: CloneReleaser): Promise<ReleasePlan> {
  const diskShares: ReleasePlan['diskShares'] = [];
  for (const snapshotId of clone.kind === 'image' ? clone.backingSnapshotIds : []) {
    const disk = await releaser.describe(clone.region, snapshotId);
    const shares = disk ? recordedShares(disk.tags) : [];
    if (shares.length > 0) diskShares.push({ snapshotId, shares });
  }
  return { shares: recordedShares(clone.tags), diskShares, source: 'tags' };
}

/** A share with everyone is given back only when asked for by name. */
function refusePublic(plan: ReleasePlan, request: ReleaseRequest): void {
  const everyShare = [...plan.shares, ...plan.diskShares.flatMap((disk) => disk.shares)];
  const isPublic = everyShare.some((share) => share.kind === 'group' && share.value === 'all');
  if (isPublic && !request.allowPublic) throw new PublicShareRefusedError(request.id);
}

/** Marks the item exempt, with who released it and why; its recorded shares are spent. */
async function recordRelease(ledger: CloneLedger, item: LedgerItem, result: ReleaseResult): Promise<void> {
  const at = new Date().toISOString();
  await changeLedgerItem(ledger, item, (stored) =>
    stored.status === 'exempt'
      ? undefined
      : {
          status: 'exempt',
          eventId: `release-${at}`,
          at,
          by: result.releasedBy,
          note: `released: ${result.reason.slice(0, 900)}`,
          set: { quarantineShares: [], release: { by: result.releasedBy, reason: result.reason, at } },
        },
  );
}

async function restoreShares(
  clone: ReleasableClone,
  plan: ReleasePlan,
  releaser: CloneReleaser,
  step: StepRunner,
) {
  const { shares } = plan;
  await step('restore-shares', async () => {
    if (clone.kind === 'image') await releaser.restoreImageShares(clone.region, clone.id, shares);
    else await releaser.restoreSnapshotShares(clone.region, clone.id, shares);
    return shares.length === 0 ? 'no shares were recorded' : undefined;
  });
  if (clone.kind !== 'image' || clone.backingSnapshotIds.length === 0) return;
  // Quarantine also unshared the image's disks, each recording its own shares (execute-actions.ts).
  await step('restore-snapshot-shares', async () => {
    let restored = 0;
    for (const { snapshotId, shares: diskShares } of plan.diskShares) {
      const disk = await releaser.describe(clone.region, snapshotId);
      await releaser.restoreSnapshotShares(clone.region, snapshotId, diskShares);
      if (disk) await releaser.untag(clone.region, [snapshotId], shareTagKeysOn(disk.tags));
      restored += diskShares.length;
    }
    return restored === 0 ? 'no disk shares were recorded' : undefined;
  });
}

async function restoreImage(clone: ReleasableClone, releaser: CloneReleaser, step: StepRunner) {
  await step('enable-image', async () => {
    if (clone.state !== 'disabled') return `the image is ${clone.state ?? 'not disabled'}`;
    const outcome = await releaser.enableImage(clone.region, clone.id);
    return outcome === 'unsupported' ? 'EnableImage is not supported by this endpoint' : undefined;
  });
  await step('cancel-deprecation', async () => {
    const outcome = await releaser.cancelDeprecation(clone.region, clone.id);
    return outcome === 'unsupported'
      ? 'DisableImageDeprecation is not supported by this endpoint'
      : undefined;
  });
}

async function alertRelease(
  result: ReleaseResult,
  request: ReleaseRequest,
  deps: ReleaseDependencies,
  step: StepRunner,
) {
  const topicArn = request.topicArn;
  if (request.dryRun || !topicArn) {
    const detail = request.dryRun ? 'dry run' : 'no alert topic configured';
    result.steps.push({ step: 'alert', outcome: 'skipped', detail });
    // A lifted quarantine is a security decision; its alert is the record others read.
    if (!request.dryRun) {
      deps.log.warn(
        'the release alert is not sent: no alert topic (--topic-arn, CLONEWARDEN_ALERT_TOPIC_ARN or alerts.topicArn)',
      );
    }
    return;
  }
  await step('alert', async () => {
    await deps.alerts.publish(buildReleaseAlert(result, { topicArn }));
    return undefined;
  });
}
