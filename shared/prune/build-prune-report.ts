import { highestSeverity } from '../model/severity.js';
import type { CloneKind } from '../model/types.js';
import type { AppliedPlan, CloneOutcome } from './apply-plan.js';
import type { PruneAction } from './plan-clone.js';
import type { PlannedClone, PrunePlan } from './plan-prune.js';
import type { Protection } from './protection.js';
import type { PruneContext } from './prune-context.js';
import {
  type ActionCounts,
  emptyCounts,
  PRUNE_REPORT_SCHEMA,
  type PrunedClone,
  type PruneFailure,
  type PruneReport,
  REPORT_CLONE_LIMIT,
  REPORT_FINDING_LIMIT,
  type ReconcileFinding,
  type ReconcileSummary,
  SAVINGS_NOTE,
} from './prune-report.js';
import type { ReconcileOutcome } from './reconcile-missed.js';

/** Actions whose clone is an unprotected candidate: they count towards the saving. */
const SAVING_ACTIONS: ReadonlySet<PruneAction> = new Set(['mark', 'wait', 'held', 'delete']);

/** The report step: one report from the plan and what applying it did (nothing, in dry-run). */
export function buildPruneReport(
  context: Pick<PruneContext, 'region' | 'dryRun' | 'policy'>,
  plan: PrunePlan,
  applied: AppliedPlan,
  finishedAt: Date,
): PruneReport {
  const tally = tallyClones(plan, applied);
  const price = context.policy.prune.pricePerGbMonth;
  return {
    schema: PRUNE_REPORT_SCHEMA,
    region: context.region,
    dryRun: context.dryRun,
    startedAt: plan.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    scanned: plan.scanned,
    inUse: plan.inUse,
    counts: tally.counts,
    byReason: tally.byReason,
    byProtection: tally.byProtection,
    savings: {
      pricePerGbMonth: price,
      candidateGiB: tally.candidateGiB,
      estimatedMonthlyUsd: money(tally.candidateGiB * price),
      deletedGiB: tally.deletedGiB,
      deletedMonthlyUsd: money(tally.deletedGiB * price),
      note: SAVINGS_NOTE,
    },
    clones: plan.clones
      .slice(0, REPORT_CLONE_LIMIT)
      .map((planned) => reportedClone(planned, applied.outcomes.get(planned))),
    clonesTotal: plan.clones.length,
    notes: plan.notes,
    reconcile: reconcileSummary(plan.reconcile),
    deleted: tally.deleted,
    deferredDeletions: applied.deferredDeletions,
    failures: [...plan.reconcile.failures, ...applied.failures],
    ...(plan.account !== undefined ? { account: plan.account } : {}),
    ...(plan.blockPublicAccess ? { blockPublicAccess: plan.blockPublicAccess } : {}),
  };
}

/** The same report with the digest's failure added: the digest is built from the report. */
export function withDigestFailure(report: PruneReport, failure: PruneFailure): PruneReport {
  return { ...report, failures: [...report.failures, failure] };
}

const money = (usd: number) => Math.round(usd * 100) / 100;

/** The action a clone ended with: a deletion found in use at the last moment became an unmark. */
function finalAction(planned: PlannedClone, outcome: CloneOutcome | undefined): PruneAction {
  return outcome?.foundInUse ? 'unmark' : planned.decision.action;
}

/** Counts over every clone, including those the report does not list. */
function tallyClones(plan: PrunePlan, applied: AppliedPlan) {
  const byKind = () => ({ image: 0, snapshot: 0 });
  const counts: Record<CloneKind, ActionCounts> = { image: emptyCounts(), snapshot: emptyCounts() };
  counts.image.keep = plan.kept.image;
  counts.snapshot.keep = plan.kept.snapshot;
  const tally = {
    counts,
    byReason: { expired: byKind(), 'max-age': byKind(), 'quarantine-too-long': byKind() },
    byProtection: {} as PruneReport['byProtection'],
    candidateGiB: 0,
    deletedGiB: 0,
    deleted: byKind(),
  };
  // Protections found right before deletion come after the plan's in byProtection, as they always have.
  const foundInUse: Protection[] = [];
  for (const planned of plan.clones) {
    const { kind, sizeGiB } = planned.record;
    const outcome = applied.outcomes.get(planned);
    const action = finalAction(planned, outcome);
    counts[kind][action]++;
    for (const reason of planned.reasons) tally.byReason[reason][kind]++;
    const protectedBy = protectionOf(planned);
    if (protectedBy) tally.byProtection[protectedBy] = (tally.byProtection[protectedBy] ?? 0) + 1;
    if (outcome?.foundInUse) foundInUse.push(outcome.foundInUse.protection);
    if (SAVING_ACTIONS.has(action)) tally.candidateGiB += sizeGiB;
    if (action === 'delete' && outcome?.done) {
      tally.deleted[kind]++;
      tally.deletedGiB += sizeGiB;
    }
  }
  for (const protection of foundInUse) {
    tally.byProtection[protection] = (tally.byProtection[protection] ?? 0) + 1;
  }
  return tally;
}

/** What the plan found keeps a clone: a protection, else (for a candidate) what holds its deletion. */
function protectionOf(planned: PlannedClone) {
  const { protection, hold } = planned.protection;
  return protection ?? (planned.reasons.length > 0 ? hold : undefined);
}

function reportedClone(planned: PlannedClone, outcome: CloneOutcome | undefined): PrunedClone {
  const { record, reasons, protection, decision } = planned;
  const clone: PrunedClone = {
    kind: record.kind,
    id: record.id,
    action: decision.action,
    reasons: [...reasons],
    ...(protection.protection ? { protection: protection.protection } : {}),
    ...(protection.hold && reasons.length > 0 ? { hold: protection.hold } : {}),
    ...(protection.detail ? { detail: protection.detail } : {}),
    ...(decision.pruneAfter ? { pruneAfter: decision.pruneAfter } : {}),
    sizeGiB: record.sizeGiB,
    ...(record.name ? { name: record.name } : {}),
    done: false,
  };
  if (!outcome) return clone;
  return {
    ...clone,
    ...(outcome.foundInUse ? { action: 'unmark' as const, ...outcome.foundInUse } : {}),
    done: outcome.done,
    ...(outcome.keptSnapshots ? { keptSnapshots: outcome.keptSnapshots } : {}),
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
  };
}

function reconcileSummary(outcome: ReconcileOutcome): ReconcileSummary {
  const byStatus: Record<string, number> = {};
  const violations: ReconcileFinding[] = [];
  const unknowns: ReconcileFinding[] = [];
  for (const verdict of outcome.verdicts) {
    byStatus[verdict.status] = (byStatus[verdict.status] ?? 0) + 1;
    for (const { resource, rule, message, severity, action } of verdict.violations) {
      if (violations.length < REPORT_FINDING_LIMIT)
        violations.push({ resource, rule, message, severity, action });
    }
    for (const unknown of verdict.unknowns) {
      if (unknowns.length < REPORT_FINDING_LIMIT) unknowns.push(unknown);
    }
  }
  const all = outcome.verdicts.flatMap((verdict) => verdict.violations);
  const top = highestSeverity(all);
  return {
    found: outcome.found,
    evaluated: outcome.verdicts.length,
    deferred: outcome.deferred,
    byStatus,
    violations,
    violationsTotal: all.length,
    unknowns,
    unknownsTotal: outcome.verdicts.reduce((sum, verdict) => sum + verdict.unknowns.length, 0),
    ...(top ? { highestSeverity: top } : {}),
  };
}
