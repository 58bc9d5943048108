import { describeError } from '../aws/aws-error.js';
import type { CloneKind } from '../model/types.js';
import { type AppliedPlan, applyPlan, NOTHING_APPLIED } from './apply-plan.js';
import { buildPruneReport, withDigestFailure } from './build-prune-report.js';
import { planPrune } from './plan-prune.js';
import type { PruneContext } from './prune-context.js';
import { buildPruneDigest, digestWorthSending } from './prune-digest.js';
import type { PruneFailure, PruneReport } from './prune-report.js';

/**
 * One prune run, shared by the scheduled Lambda and `clonewarden prune`, in three steps:
 * plan (read the estate, decide each clone, reconcile the clones with no verdict), apply (the
 * marks, unmarks and deletions; nothing in dry-run) and report (built once from the plan and the
 * outcomes, then sent as one digest).
 */
export async function runPrune(context: PruneContext): Promise<PruneReport> {
  const plan = await planPrune(context);
  const applied: AppliedPlan = context.dryRun ? NOTHING_APPLIED : await applyPlan(context, plan);
  const report = buildPruneReport(context, plan, applied, context.now());
  const digestFailure = context.digestSentByCaller ? undefined : await sendDigest(context, report);
  const final = digestFailure ? withDigestFailure(report, digestFailure) : report;
  countMetrics(context, final);
  return final;
}

/** One digest for the whole run, when there is news; a failure to send it is reported, not thrown. */
async function sendDigest(context: PruneContext, report: PruneReport): Promise<PruneFailure | undefined> {
  if (!digestWorthSending(report)) return undefined;
  if (!context.topicArn) {
    // News that reaches no one is a quiet success: say so where the run is read.
    context.log.warn(
      'the prune digest is not sent: no alert topic (--topic-arn, CLONEWARDEN_ALERT_TOPIC_ARN or alerts.topicArn)',
    );
    return undefined;
  }
  try {
    await context.alerts.publish(buildPruneDigest(report, { topicArn: context.topicArn }));
    return undefined;
  } catch (error) {
    context.log.error('the prune digest could not be sent', { error: describeError(error) });
    return { id: '-', step: 'digest', error: describeError(error) };
  }
}

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
