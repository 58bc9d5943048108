import type { MessageAttributeValue, PublishCommandInput } from '@aws-sdk/client-sns';
import { cleanPlainText, sanitizeUserText } from '../actions/sanitize-text.js';
import { buildSnsPublish, fitSubject, stringAttribute } from '../actions/sns-publish.js';
import { UNBLOCKED } from '../aws/block-public-access.js';
import type { CloneKind } from '../model/types.js';
import type { PruneAction } from './plan-clone.js';
import type { PrunedClone, PruneReport, ReconcileFinding } from './prune-report.js';

const PRUNE_DIGEST_SCHEMA = 'clonewarden.prune-digest/v1';

/** A run with nothing new (only clones still waiting out their grace period) sends no digest. */
export function digestWorthSending(report: PruneReport): boolean {
  const kinds: CloneKind[] = ['image', 'snapshot'];
  const acted = kinds.some((kind) => {
    const c = report.counts[kind];
    return c.mark + c.delete + c.unmark + c.held > 0;
  });
  return (
    acted ||
    publicSharingOpen(report) ||
    report.failures.length > 0 ||
    report.reconcile.violationsTotal > 0 ||
    report.deferredDeletions > 0
  );
}

/** Image or snapshot block public access is off: anyone in the account can make a clone public. */
function publicSharingOpen(report: PruneReport): boolean {
  const state = report.blockPublicAccess;
  return state !== undefined && (state.image === UNBLOCKED || state.snapshot === UNBLOCKED);
}

/** How the digest names an action; dry-run never claims that something happened. */
const ACTION_WORDS: Record<PruneAction, [done: string, planned: string]> = {
  keep: ['kept', 'kept'],
  protected: ['protected (in use)', 'protected (in use)'],
  mark: ['marked', 'would mark'],
  wait: ['waiting', 'waiting'],
  held: ['held', 'held'],
  delete: ['deleted', 'would delete'],
  unmark: ['unmarked', 'would unmark'],
};

const words = (action: PruneAction, done: boolean) => ACTION_WORDS[action][done ? 0 : 1];

export interface DigestOptions {
  topicArn: string;
}

/**
 * The one SNS message of a prune run: readable text for e-mail and the report as JSON for
 * SQS, Lambda and HTTP(S) subscribers, built and kept within SNS's limit like enforce's alerts
 * (`buildSnsPublish`). Image names and reconcile messages are user text: cleaned in the e-mail,
 * sanitised in the JSON.
 */
export function buildPruneDigest(report: PruneReport, options: DigestOptions): PublishCommandInput {
  return buildSnsPublish({
    topicArn: options.topicArn,
    subject: digestSubject(report),
    attributes: digestAttributes(report),
    content: (level) => ({
      text: digestText(report, level.textItems),
      document: digestDocument(report, level.listItems),
    }),
  });
}

function totals(report: PruneReport, action: PruneAction): number {
  return report.counts.image[action] + report.counts.snapshot[action];
}

/**
 * `[DRY RUN] [SEVERITY] prune account/region: delete N, mark M[, K violations] (~$X/month)
 * [clonewarden]`: the counts come before their words' length matters, so that six-digit counts
 * fit with the longest account and region; the saving and the tag go when there is no room.
 */
function digestSubject(report: PruneReport): string {
  const dry = report.dryRun;
  const violations = report.reconcile.violationsTotal;
  const severity = violations > 0 ? report.reconcile.highestSeverity?.toUpperCase() : undefined;
  const counts = [
    `${dry ? 'delete' : 'deleted'} ${totals(report, 'delete')}`,
    `${dry ? 'mark' : 'marked'} ${totals(report, 'mark')}`,
    violations > 0 ? `${violations} violations` : '',
  ];
  return fitSubject(
    [
      dry ? 'DRY RUN' : '',
      severity ?? '',
      'prune',
      `${cleanPlainText(report.account ?? 'unknown', 20)}/${cleanPlainText(report.region, 24)}:`,
      counts.filter(Boolean).join(', '),
    ],
    [`(~$${report.savings.estimatedMonthlyUsd.toFixed(2)}/month)`],
  );
}

function digestAttributes(report: PruneReport): Record<string, MessageAttributeValue> {
  return {
    severity: { DataType: 'String', StringValue: report.reconcile.highestSeverity ?? 'none' },
    eventName: stringAttribute('PruneDigest'),
    account: stringAttribute(report.account),
    region: stringAttribute(report.region),
    dryRun: { DataType: 'String', StringValue: String(report.dryRun) },
  };
}

function cloneLine(clone: PrunedClone): string {
  const reasons = clone.reasons.length > 0 ? clone.reasons.join(', ') : 'not a candidate';
  const why = clone.protection ?? clone.hold;
  const parts = [
    `  ${words(clone.action, clone.done).toUpperCase()}`,
    `${clone.kind} ${clone.id}`,
    `(${reasons})`,
    `${clone.sizeGiB} GiB`,
    clone.pruneAfter ? `prune-after ${clone.pruneAfter}` : '',
    why ? `[${why}${clone.detail ? `: ${cleanPlainText(clone.detail, 160)}` : ''}]` : '',
    clone.name ? `name "${cleanPlainText(clone.name, 64)}"` : '',
    clone.error ? `FAILED ${cleanPlainText(clone.error, 160)}` : '',
  ];
  return parts.filter(Boolean).join(' ');
}

function findingLine(finding: ReconcileFinding): string {
  const label = finding.severity ? ` [${finding.severity}/${finding.action}]` : '';
  return `  ${cleanPlainText(finding.rule, 64)}${label} ${cleanPlainText(finding.resource, 64)}: ${cleanPlainText(finding.message, 300)}`;
}

/** Appends the first `limit` items' lines to `lines`, then "… and N more" for the rest of `total`. */
export function listWithMore<T>(
  lines: string[],
  items: readonly T[],
  total: number,
  limit: number,
  line: (item: T) => string,
) {
  for (const item of items.slice(0, limit)) lines.push(line(item));
  const more = total - Math.min(limit, items.length);
  if (more > 0) lines.push(`  … and ${more} more`);
}

function digestText(report: PruneReport, limit: number): string {
  return [
    ...headerLines(report),
    ...publicAccessLines(report),
    ...savingLines(report),
    ...cloneLines(report, limit),
    ...reconcileLines(report.reconcile, limit),
    ...failureLines(report, limit),
    '',
    'HOW TO KEEP A CLONE',
    '  Extend its expiry tag before its prune-after date: prune unmarks it on its next run. Clones in use by an',
    '  instance, a launch template, an AMI or AWS Backup/DLM are never deleted. See docs/prune.md.',
  ].join('\n');
}

function headerLines(report: PruneReport): string[] {
  const dry = report.dryRun;
  const lines = [
    `clonewarden prune in ${cleanPlainText(report.account ?? 'unknown', 20)}/${cleanPlainText(report.region, 24)}`,
  ];
  if (dry) lines.push('DRY RUN: nothing was changed. The actions below are what prune would have done.');
  lines.push('', 'SUMMARY');
  for (const kind of ['image', 'snapshot'] as const) {
    const c = report.counts[kind];
    const scanned = kind === 'image' ? report.scanned.images : report.scanned.snapshots;
    lines.push(
      `  ${kind === 'image' ? 'Images:   ' : 'Snapshots:'} ${scanned} scanned; ${c.mark} ${words('mark', !dry)}, ${c.wait} waiting, ${c.delete} ${words('delete', !dry)}, ${c.held} held, ${c.protected} protected, ${c.unmark} ${words('unmark', !dry)}`,
    );
  }
  const reasons = Object.entries(report.byReason)
    .map(
      ([reason, by]) => `${reason} ${by.image + by.snapshot} (${by.image} images, ${by.snapshot} snapshots)`,
    )
    .join('; ');
  lines.push(`  By reason: ${reasons}`);
  const protections = Object.entries(report.byProtection).map(([name, count]) => `${name} ${count}`);
  if (protections.length > 0) lines.push(`  Kept (in use or not provably unused): ${protections.join(', ')}`);
  return lines;
}

/** Named when either setting is off (or could not be read while the digest goes out anyway). */
function publicAccessLines(report: PruneReport): string[] {
  const state = report.blockPublicAccess;
  if (!state) return [];
  if (!publicSharingOpen(report) && state.image !== 'unknown' && state.snapshot !== 'unknown') return [];
  const lines = [
    '',
    'BLOCK PUBLIC ACCESS',
    `  Images:    ${cleanPlainText(state.image, 40)}${state.image === UNBLOCKED ? ' (OFF: any AMI here can be made public)' : ''}`,
    `  Snapshots: ${cleanPlainText(state.snapshot, 40)}${state.snapshot === UNBLOCKED ? ' (OFF: any snapshot here can be made public)' : ''}`,
  ];
  for (const gap of state.gaps.slice(0, 2)) lines.push(`  Not read: ${cleanPlainText(gap, 200)}`);
  if (publicSharingOpen(report)) {
    lines.push(
      '  Turn it on: aws ec2 enable-image-block-public-access --image-block-public-access-state block-new-sharing;',
      '  aws ec2 enable-snapshot-block-public-access --state block-all-sharing.',
    );
  }
  return lines;
}

function savingLines(report: PruneReport): string[] {
  const s = report.savings;
  const lines = [
    '',
    'SAVING',
    `  Estimated monthly saving: $${s.estimatedMonthlyUsd.toFixed(2)} (${s.candidateGiB} GiB at $${s.pricePerGbMonth}/GB-month)`,
    `  ${s.note}`,
  ];
  if (!report.dryRun)
    lines.push(`  Deleted this run: ${s.deletedGiB} GiB, $${s.deletedMonthlyUsd.toFixed(2)}/month`);
  return lines;
}

function cloneLines(report: PruneReport, limit: number): string[] {
  const lines = ['', `CLONES (${report.clonesTotal})`];
  listWithMore(lines, report.clones, report.clonesTotal, limit, cloneLine);
  if (report.deferredDeletions > 0) {
    lines.push(`  ${report.deferredDeletions} due deletion(s) left for the next run (out of time).`);
  }
  return lines;
}

function reconcileLines(r: PruneReport['reconcile'], limit: number): string[] {
  if (r.found === 0) return [];
  const lines = [
    '',
    'RECONCILED (clones that never got a verdict)',
    `  ${r.evaluated} evaluated of ${r.found} found${r.deferred > 0 ? `, ${r.deferred} left for later runs` : ''}: ${JSON.stringify(r.byStatus)}`,
  ];
  if (r.violationsTotal > 0) {
    lines.push('  Violations:');
    listWithMore(lines, r.violations, r.violationsTotal, limit, findingLine);
  }
  if (r.unknownsTotal > 0) {
    lines.push('  Not checked (unknown facts):');
    const grouped = new Map<string, number>();
    for (const u of r.unknowns) {
      const key = `${cleanPlainText(u.rule, 64)}: ${cleanPlainText(u.message.replace(/\b(ami|snap|i|vol)-[0-9a-f]+\b/g, '…'), 200)}`;
      grouped.set(key, (grouped.get(key) ?? 0) + 1);
    }
    for (const [key, count] of [...grouped].slice(0, 20)) lines.push(`    ${key} (×${count})`);
  }
  return lines;
}

function failureLines(report: PruneReport, limit: number): string[] {
  if (report.failures.length === 0) return [];
  const lines = ['', `FAILURES (${report.failures.length})`];
  listWithMore(
    lines,
    report.failures,
    report.failures.length,
    limit,
    (f) => `  ${cleanPlainText(f.step, 32)} ${cleanPlainText(f.id, 64)}: ${cleanPlainText(f.error, 300)}`,
  );
  return lines;
}

function digestDocument(report: PruneReport, listItems: number) {
  const cut = <T>(items: readonly T[]) => items.slice(0, listItems);
  return {
    schema: PRUNE_DIGEST_SCHEMA,
    dryRun: report.dryRun,
    report: {
      ...report,
      clones: cut(report.clones).map((clone) => ({
        ...clone,
        ...(clone.name ? { name: sanitizeUserText(clone.name, 128) } : {}),
        ...(clone.detail ? { detail: sanitizeUserText(clone.detail, 256) } : {}),
      })),
      notes: cut(report.notes),
      reconcile: {
        ...report.reconcile,
        violations: cut(report.reconcile.violations).map(safeFinding),
        unknowns: cut(report.reconcile.unknowns).map(safeFinding),
      },
      failures: cut(report.failures).map((f) => ({ ...f, error: sanitizeUserText(f.error, 300) })),
    },
    truncated: {
      clones: { total: report.clonesTotal, shown: Math.min(listItems, report.clones.length) },
      violations: {
        total: report.reconcile.violationsTotal,
        shown: Math.min(listItems, report.reconcile.violations.length),
      },
    },
  };
}

const safeFinding = (finding: ReconcileFinding): ReconcileFinding => ({
  ...finding,
  rule: sanitizeUserText(finding.rule, 64),
  message: sanitizeUserText(finding.message, 300),
});
