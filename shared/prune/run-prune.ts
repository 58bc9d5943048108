import { describeError } from '../aws/aws-error.js';
import type { CloneDeleter } from '../aws/clone-deleter.js';
import type { CloneInventory, LaunchTemplateImages } from '../aws/clone-inventory.js';
import type { AlertPublisher } from '../aws/sns-alert-publisher.js';
import { type CloneRecord, isPruneTag } from '../model/clone-record.js';
import { TAG } from '../model/clonewarden-tags.js';
import type { EnforcerLog, EnforcerMetrics } from '../model/log.js';
import { highestSeverity } from '../model/severity.js';
import type { CloneKind } from '../model/types.js';
import type { Policy } from '../policy/schema.js';
import { forEachConcurrently } from './for-each-concurrently.js';
import { type ClonePlan, planClone } from './plan-clone.js';
import { type InUseIndex, type ProtectionOutcome, protectionOf } from './protection.js';
import { buildPruneDigest, digestWorthSending } from './prune-digest.js';
import { pruneCandidacy } from './prune-reasons.js';
import {
  emptyCounts,
  PRUNE_REPORT_SCHEMA,
  type PrunedClone,
  type PruneReport,
  REPORT_CLONE_LIMIT,
  REPORT_FINDING_LIMIT,
  SAVINGS_NOTE,
} from './prune-report.js';
import { needsReconcile, type Reconciler } from './reconcile-clone.js';

export interface PruneContext {
  policy: Policy;
  region: string;
  /** Effective dry-run: the policy's `prune.dryRun`, or forced by `--dry-run` / CLONEWARDEN_DRY_RUN. */
  dryRun: boolean;
  topicArn?: string;
  inventory: CloneInventory;
  deleter: CloneDeleter;
  reconciler: Reconciler;
  alerts: AlertPublisher;
  log: EnforcerLog;
  metrics: EnforcerMetrics;
  now: () => Date;
  /** Epoch ms after which no new deletion or reconcile starts (Lambda's 15 minutes). */
  deadline?: number;
  /** Clones reconciled per run at most; the rest wait for the next run. */
  reconcileLimit: number;
  /** Deletions and reconciles in flight at once; adaptive retries absorb EC2 throttling. */
  concurrency: number;
}

export const DEFAULT_RECONCILE_LIMIT = 500;
export const DEFAULT_CONCURRENCY = 4;

interface Planned {
  record: CloneRecord;
  plan: ClonePlan;
  entry: PrunedClone;
}

/**
 * One prune run, shared by the scheduled Lambda and `clonewarden prune`: scan what is in use,
 * stream the account's images and snapshots through the pure decisions, then mark, unmark,
 * reconcile and delete, and send one digest. Dry-run reads and decides but changes nothing.
 */
export async function runPrune(context: PruneContext): Promise<PruneReport> {
  const { policy, region, inventory, log } = context;
  const settings = policy.prune;
  const now = context.now();
  const report = newReport(context, now);
  const keepTag = (key: string) => isPruneTag(key, settings.expiryTag);
  const outOfTime = () => context.deadline !== undefined && Date.now() >= context.deadline;

  // 1. What is in use: instances, then every self-owned image (its snapshots are in use too).
  const imagesUsedByInstances = await inventory.imagesUsedByInstances(region);
  report.inUse.imagesUsedByInstances = imagesUsedByInstances.size;
  const images: CloneRecord[] = [];
  for await (const page of inventory.images(region, keepTag)) images.push(...page);
  report.scanned.images = images.length;
  const index: InUseIndex = {
    imagesUsedByInstances,
    registeredImages: new Set(images.map((image) => image.id)),
    backingSnapshots: new Set(images.flatMap((image) => image.backingSnapshotIds)),
    unresolvedTemplateImages: 0,
    exemptIds: exemptCloneIds(policy, now),
  };
  report.account ??= images[0]?.ownerId;

  // 2. Launch templates (and SSM parameters, recipes) only matter for images prune might touch.
  const imageCandidacy = new Map(images.map((image) => [image.id, pruneCandidacy(image, settings, now)]));
  const imagesToCheck = images
    .filter((image) => imageCandidacy.get(image.id)!.reasons.length > 0 || image.tags[TAG.pruneAfter])
    .map((image) => image.id);
  if (imagesToCheck.length > 0) {
    const references = await inventory.imageReferences(region, imagesToCheck);
    if (references) {
      index.references = references;
      report.inUse.referenceSource = 'DescribeImageReferences';
    } else {
      const templates = await inventory.launchTemplateImages(region);
      index.launchTemplateImages = templates.imageIds;
      index.unresolvedTemplateImages = templates.unresolved.length;
      report.inUse.referenceSource = 'launch-template-scan';
      report.inUse.launchTemplates = templateSummary(templates);
    }
  }

  // 3. Decide, image by image and then snapshot page by snapshot page; keep only the work.
  const work: Planned[] = [];
  const toReconcile: CloneRecord[] = [];
  const consider = (record: CloneRecord, candidacy = pruneCandidacy(record, settings, now)) => {
    for (const note of candidacy.notes)
      pushCapped(report.notes, { id: record.id, note }, REPORT_FINDING_LIMIT);
    const outcome = protectionOf(record, index);
    const plan = planClone(record, candidacy.reasons, outcome, now, settings.graceDays);
    const planned = account(report, record, candidacy.reasons, outcome, plan);
    if (planned) work.push(planned);
    if (plan.action !== 'delete' && needsReconcile(record, now) && !isImageDisk(record, index)) {
      report.reconcile.found++;
      if (toReconcile.length < context.reconcileLimit) toReconcile.push(record);
    }
  };
  for (const image of images) consider(image, imageCandidacy.get(image.id));
  images.length = 0;
  for await (const page of inventory.snapshots(region, keepTag)) {
    report.scanned.snapshots += page.length;
    report.account ??= page[0]?.ownerId;
    for (const snapshot of page) consider(snapshot);
  }

  // 4. Act. Dry-run stops here: the plan is the report.
  if (!context.dryRun) {
    await applyMarks(context, work, report);
  }
  await reconcileAll(context, toReconcile, report, outOfTime);
  if (!context.dryRun) {
    await deleteDue(context, work, report, outOfTime);
  }

  report.clonesTotal = work.length;
  report.clones = work.slice(0, REPORT_CLONE_LIMIT).map((planned) => planned.entry);
  report.savings.estimatedMonthlyUsd = money(report.savings.candidateGiB * settings.pricePerGbMonth);
  report.savings.deletedMonthlyUsd = money(report.savings.deletedGiB * settings.pricePerGbMonth);
  report.finishedAt = context.now().toISOString();

  // 5. One digest for the whole run.
  if (context.topicArn && digestWorthSending(report)) {
    try {
      await context.alerts.publish(buildPruneDigest(report, { topicArn: context.topicArn }));
    } catch (error) {
      report.failures.push({ id: '-', step: 'digest', error: describeError(error) });
      log.error('the prune digest could not be sent', { error: describeError(error) });
    }
  }
  countMetrics(context, report);
  return report;
}

function newReport(context: PruneContext, now: Date): PruneReport {
  const byKind = () => ({ image: 0, snapshot: 0 });
  return {
    schema: PRUNE_REPORT_SCHEMA,
    region: context.region,
    dryRun: context.dryRun,
    startedAt: now.toISOString(),
    finishedAt: now.toISOString(),
    scanned: { images: 0, snapshots: 0 },
    inUse: { referenceSource: 'not-needed', imagesUsedByInstances: 0 },
    counts: { image: emptyCounts(), snapshot: emptyCounts() },
    byReason: { expired: byKind(), 'max-age': byKind(), 'quarantine-too-long': byKind() },
    byProtection: {},
    savings: {
      pricePerGbMonth: context.policy.prune.pricePerGbMonth,
      candidateGiB: 0,
      estimatedMonthlyUsd: 0,
      deletedGiB: 0,
      deletedMonthlyUsd: 0,
      note: SAVINGS_NOTE,
    },
    clones: [],
    clonesTotal: 0,
    notes: [],
    reconcile: {
      found: 0,
      evaluated: 0,
      deferred: 0,
      byStatus: {},
      violations: [],
      violationsTotal: 0,
      unknowns: [],
      unknownsTotal: 0,
    },
    deleted: { image: 0, snapshot: 0 },
    deferredDeletions: 0,
    failures: [],
  };
}

/** Clone ids the policy exempts and whose exemption has not lapsed: kept, like golden images. */
function exemptCloneIds(policy: Policy, now: Date): Set<string> {
  const ids = new Set<string>();
  for (const exemption of policy.exemptions) {
    if (exemption.expires && new Date(exemption.expires).getTime() < now.getTime()) continue;
    if ('resources' in exemption) for (const id of exemption.resources) ids.add(id);
  }
  return ids;
}

/** An image's disks get their verdict with the image, never on their own. */
function isImageDisk(record: CloneRecord, index: InUseIndex): boolean {
  if (record.kind !== 'snapshot') return false;
  return (
    index.backingSnapshots.has(record.id) ||
    (record.describedImageId !== undefined && index.registeredImages.has(record.describedImageId))
  );
}

function templateSummary(
  templates: LaunchTemplateImages,
): NonNullable<PruneReport['inUse']['launchTemplates']> {
  return {
    templates: templates.templates,
    versions: templates.versions,
    unresolved: templates.unresolved.length,
    examples: templates.unresolved
      .slice(0, 5)
      .map((u) => `${u.launchTemplateId} v${u.version}: ${u.imageId.slice(0, 100)}`),
  };
}

/** Counts the decision; returns the clone's work item unless there is nothing to say about it. */
function account(
  report: PruneReport,
  record: CloneRecord,
  reasons: PrunedClone['reasons'],
  outcome: ProtectionOutcome,
  plan: ClonePlan,
): Planned | undefined {
  report.counts[record.kind][plan.action]++;
  if (plan.action === 'keep') return undefined;
  for (const reason of reasons) report.byReason[reason][record.kind]++;
  const protectedBy = outcome.protection ?? (reasons.length > 0 ? outcome.hold : undefined);
  if (protectedBy) report.byProtection[protectedBy] = (report.byProtection[protectedBy] ?? 0) + 1;
  if (['mark', 'wait', 'held', 'delete'].includes(plan.action)) report.savings.candidateGiB += record.sizeGiB;
  const entry: PrunedClone = {
    kind: record.kind,
    id: record.id,
    action: plan.action,
    reasons: [...reasons],
    ...(outcome.protection ? { protection: outcome.protection } : {}),
    ...(outcome.hold && reasons.length > 0 ? { hold: outcome.hold } : {}),
    ...(outcome.detail ? { detail: outcome.detail } : {}),
    ...(plan.pruneAfter ? { pruneAfter: plan.pruneAfter } : {}),
    sizeGiB: record.sizeGiB,
    ...(record.name ? { name: record.name } : {}),
    done: false,
  };
  // Only what deletion needs is kept of the record.
  const kept: CloneRecord = {
    kind: record.kind,
    id: record.id,
    region: record.region,
    sizeGiB: record.sizeGiB,
    tags: {},
    backingSnapshotIds: record.backingSnapshotIds,
  };
  return { record: kept, plan, entry };
}

/** Marks and unmarks in as few calls as possible: one CreateTags per date, one DeleteTags. */
async function applyMarks(context: PruneContext, work: Planned[], report: PruneReport): Promise<void> {
  const byDate = new Map<string, Planned[]>();
  const unmark: Planned[] = [];
  for (const planned of work) {
    if (planned.plan.action === 'mark') {
      const list = byDate.get(planned.plan.pruneAfter!) ?? [];
      list.push(planned);
      byDate.set(planned.plan.pruneAfter!, list);
    } else if (planned.plan.action === 'unmark') {
      unmark.push(planned);
    }
  }
  for (const [date, list] of byDate) {
    await settle(report, list, 'mark', () =>
      context.deleter.tag(
        context.region,
        list.map((p) => p.record.id),
        { [TAG.pruneAfter]: date },
      ),
    );
  }
  if (unmark.length > 0) {
    await settle(report, unmark, 'unmark', () =>
      context.deleter.untag(
        context.region,
        unmark.map((p) => p.record.id),
        [TAG.pruneAfter],
      ),
    );
  }
}

async function settle(report: PruneReport, list: Planned[], step: string, run: () => Promise<void>) {
  try {
    await run();
    for (const planned of list) planned.entry.done = true;
  } catch (error) {
    const message = describeError(error);
    for (const planned of list) planned.entry.error = message;
    report.failures.push({ id: `${list.length} clone(s)`, step, error: message });
  }
}

async function reconcileAll(
  context: PruneContext,
  records: CloneRecord[],
  report: PruneReport,
  outOfTime: () => boolean,
): Promise<void> {
  const summary = report.reconcile;
  const { started } = await forEachConcurrently(
    records,
    context.concurrency,
    async (record) => {
      try {
        const verdict = await context.reconciler.reconcile(record);
        summary.evaluated++;
        summary.byStatus[verdict.status] = (summary.byStatus[verdict.status] ?? 0) + 1;
        for (const violation of verdict.violations) {
          summary.violationsTotal++;
          pushCapped(
            summary.violations,
            {
              resource: violation.resource,
              rule: violation.rule,
              message: violation.message,
              severity: violation.severity,
              action: violation.action,
            },
            REPORT_FINDING_LIMIT,
          );
        }
        for (const unknown of verdict.unknowns) {
          summary.unknownsTotal++;
          pushCapped(summary.unknowns, unknown, REPORT_FINDING_LIMIT);
        }
        const top = highestSeverity([
          ...verdict.violations,
          ...(summary.highestSeverity ? [{ severity: summary.highestSeverity }] : []),
        ]);
        if (top) summary.highestSeverity = top;
      } catch (error) {
        report.failures.push({ id: record.id, step: 'reconcile', error: describeError(error) });
        context.log.warn('reconcile failed', { id: record.id, error: describeError(error) });
      }
    },
    outOfTime,
  );
  summary.deferred = summary.found - started;
}

async function deleteDue(
  context: PruneContext,
  work: Planned[],
  report: PruneReport,
  outOfTime: () => boolean,
): Promise<void> {
  const due = work.filter((planned) => planned.plan.action === 'delete');
  const { started } = await forEachConcurrently(
    due,
    context.concurrency,
    async (planned) => {
      const { record, entry } = planned;
      try {
        if (record.kind === 'image') {
          // The instance scan is minutes old by now: ask again for this image alone.
          const users = await context.inventory.instancesUsingImage(context.region, record.id);
          if (users.length > 0) {
            await protectAtLastMoment(context, planned, report, `in use by ${users.slice(0, 3).join(', ')}`);
            return;
          }
          const result = await context.deleter.deleteImage(
            context.region,
            record.id,
            record.backingSnapshotIds,
          );
          if (result.keptSnapshots.length > 0) entry.keptSnapshots = result.keptSnapshots;
        } else {
          const outcome = await context.deleter.deleteSnapshot(context.region, record.id);
          if (outcome === 'in-use') {
            await protectAtLastMoment(context, planned, report, 'a registered image uses it');
            return;
          }
        }
        entry.done = true;
        report.deleted[record.kind]++;
        report.savings.deletedGiB += record.sizeGiB;
      } catch (error) {
        entry.error = describeError(error);
        report.failures.push({ id: record.id, step: 'delete', error: entry.error });
        context.log.error('deletion failed', { id: record.id, error: entry.error });
      }
    },
    outOfTime,
  );
  report.deferredDeletions = due.length - started;
}

/** Found in use right before deletion: kept and unmarked, and counted as protected. */
async function protectAtLastMoment(
  context: PruneContext,
  planned: Planned,
  report: PruneReport,
  detail: string,
) {
  const { record, entry } = planned;
  report.counts[record.kind].delete--;
  report.counts[record.kind].unmark++;
  report.savings.candidateGiB -= record.sizeGiB;
  const protection = record.kind === 'image' ? 'in-use-by-instance' : 'backs-image';
  report.byProtection[protection] = (report.byProtection[protection] ?? 0) + 1;
  Object.assign(entry, { action: 'unmark', protection, detail });
  planned.plan = { action: 'unmark' };
  await settle(report, [planned], 'unmark', () =>
    context.deleter.untag(context.region, [record.id], [TAG.pruneAfter]),
  );
}

function pushCapped<T>(list: T[], item: T, limit: number): void {
  if (list.length < limit) list.push(item);
}

const money = (usd: number) => Math.round(usd * 100) / 100;

function countMetrics(context: PruneContext, report: PruneReport): void {
  const kinds: CloneKind[] = ['image', 'snapshot'];
  for (const kind of kinds) {
    const counts = report.counts[kind];
    const label = kind === 'image' ? 'Images' : 'Snapshots';
    context.metrics.count(`Prune${label}Scanned`, report.scanned[kind === 'image' ? 'images' : 'snapshots']);
    context.metrics.count(`Prune${label}Marked`, counts.mark);
    context.metrics.count(`Prune${label}Deleted`, report.deleted[kind]);
  }
  context.metrics.count('PruneReconciled', report.reconcile.evaluated);
  context.metrics.count('PruneFailures', report.failures.length);
}
