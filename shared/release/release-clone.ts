import type { CallerIdentity } from '../aws/caller-identity.js';
import type { CloneReleaser, ReleasableClone } from '../aws/clone-releaser.js';
import type { AlertPublisher } from '../aws/sns-alert-publisher.js';
import { recordedShares, shareTagKeysOn, TAG } from '../model/clonewarden-tags.js';
import { CloneNotFoundError, NotQuarantinedError } from '../model/errors.js';
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
  if (clone.tags[TAG.status] !== 'quarantined') throw new NotQuarantinedError(request.id);

  const caller = await deps.identity.whoAmI();
  const account = clone.ownerId ?? caller.account;
  const result: ReleaseResult = {
    schema: RELEASE_SCHEMA,
    id: clone.id,
    kind: clone.kind,
    region: clone.region,
    ...(account ? { account } : {}),
    releasedBy: caller.arn,
    reason: request.reason,
    dryRun: request.dryRun,
    restoredShares: recordedShares(clone.tags),
    backingSnapshotIds: clone.backingSnapshotIds,
    steps: [],
  };
  const step = stepRunner(result, request.dryRun);
  await restoreShares(clone, deps.releaser, step);
  if (clone.kind === 'image') await restoreImage(clone, deps.releaser, step);
  await step('set-status-exempt', async () => {
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

async function restoreShares(clone: ReleasableClone, releaser: CloneReleaser, step: StepRunner) {
  const shares = recordedShares(clone.tags);
  await step('restore-shares', async () => {
    if (clone.kind === 'image') await releaser.restoreImageShares(clone.region, clone.id, shares);
    else await releaser.restoreSnapshotShares(clone.region, clone.id, shares);
    return shares.length === 0 ? 'no shares were recorded' : undefined;
  });
  if (clone.kind !== 'image' || clone.backingSnapshotIds.length === 0) return;
  // Quarantine also unshared the image's disks, each recording its own shares (execute-actions.ts).
  await step('restore-snapshot-shares', async () => {
    let restored = 0;
    for (const snapshotId of clone.backingSnapshotIds) {
      const disk = await releaser.describe(clone.region, snapshotId);
      const diskShares = disk ? recordedShares(disk.tags) : [];
      if (!disk || diskShares.length === 0) continue;
      await releaser.restoreSnapshotShares(clone.region, snapshotId, diskShares);
      await releaser.untag(clone.region, [snapshotId], shareTagKeysOn(disk.tags));
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
