import type { MessageAttributeValue, PublishCommandInput } from '@aws-sdk/client-sns';
import { ALERT_MAX_BYTES } from '../actions/alert-message.js';
import { sanitizeSubject, sanitizeUserText } from '../actions/sanitize-text.js';
import type { CloneKind } from '../model/types.js';
import type { PruneAction } from './plan-clone.js';
import type { PrunedClone, PruneReport, ReconcileFinding } from './prune-report.js';

export const PRUNE_DIGEST_SCHEMA = 'clonewarden.prune-digest/v1';

/** Clones and findings the e-mail text lists before "and N more". */
export const DIGEST_LIST_LIMIT = 50;

/** A run with nothing new (only clones still waiting out their grace period) sends no digest. */
export function digestWorthSending(report: PruneReport): boolean {
  const kinds: CloneKind[] = ['image', 'snapshot'];
  const acted = kinds.some((kind) => {
    const c = report.counts[kind];
    return c.mark + c.delete + c.unmark + c.held > 0;
  });
  return (
    acted ||
    report.failures.length > 0 ||
    report.reconcile.violationsTotal > 0 ||
    report.deferredDeletions > 0
  );
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
 * SQS, Lambda and HTTP(S) subscribers, in the same per-protocol form as enforce's alerts.
 * Image names and reconcile messages are user text and are sanitised.
 */
export function buildPruneDigest(report: PruneReport, options: DigestOptions): PublishCommandInput {
  const subject = digestSubject(report);
  const attributes = digestAttributes(report);
  let input: PublishCommandInput | undefined;
  for (const level of [200, 100, 50, 20, 0]) {
    const text = digestText(report, level === 0 ? 10 : DIGEST_LIST_LIMIT);
    const json = JSON.stringify(digestDocument(report, level));
    input = {
      TopicArn: options.topicArn,
      MessageStructure: 'json',
      Message: JSON.stringify({
        default: text,
        email: text,
        sqs: json,
        lambda: json,
        https: json,
        http: json,
      }),
      MessageAttributes: attributes,
      ...(subject ? { Subject: subject } : {}),
    };
    if (Buffer.byteLength(input.Message!) + 2048 <= ALERT_MAX_BYTES) return input;
  }
  return input!;
}

function totals(report: PruneReport, action: PruneAction): number {
  return report.counts.image[action] + report.counts.snapshot[action];
}

function digestSubject(report: PruneReport): string {
  const dry = report.dryRun;
  const parts = [
    dry ? '[DRY RUN]' : '',
    '[clonewarden] prune:',
    `${totals(report, 'delete')} ${dry ? 'to delete' : 'deleted'},`,
    `${totals(report, 'mark')} ${dry ? 'to mark' : 'marked'},`,
    `~$${report.savings.estimatedMonthlyUsd.toFixed(2)}/month`,
    report.reconcile.violationsTotal > 0 ? `, ${report.reconcile.violationsTotal} reconciled violations` : '',
    `in ${sanitizeUserText(report.account ?? 'unknown', 20)}/${sanitizeUserText(report.region, 24)}`,
  ];
  return sanitizeSubject(parts.filter(Boolean).join(' ').replace(' ,', ','));
}

function digestAttributes(report: PruneReport): Record<string, MessageAttributeValue> {
  const text = (value: unknown): MessageAttributeValue => ({
    DataType: 'String',
    StringValue: sanitizeUserText(value, 64) || 'unknown',
  });
  return {
    severity: { DataType: 'String', StringValue: report.reconcile.highestSeverity ?? 'none' },
    eventName: text('PruneDigest'),
    account: text(report.account),
    region: text(report.region),
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
    why ? `[${why}${clone.detail ? `: ${sanitizeUserText(clone.detail, 160)}` : ''}]` : '',
    clone.name ? `name "${sanitizeUserText(clone.name, 64)}"` : '',
    clone.error ? `FAILED ${sanitizeUserText(clone.error, 160)}` : '',
  ];
  return parts.filter(Boolean).join(' ');
}

function findingLine(finding: ReconcileFinding): string {
  const label = finding.severity ? ` [${finding.severity}/${finding.action}]` : '';
  return `  ${sanitizeUserText(finding.rule, 64)}${label} ${sanitizeUserText(finding.resource, 64)}: ${sanitizeUserText(finding.message, 300)}`;
}

function listWithMore<T>(
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
    `clonewarden prune in ${sanitizeUserText(report.account ?? 'unknown', 20)}/${sanitizeUserText(report.region, 24)}`,
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
      const key = `${sanitizeUserText(u.rule, 64)}: ${sanitizeUserText(u.message.replace(/\b(ami|snap|i|vol)-[0-9a-f]+\b/g, '…'), 200)}`;
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
    (f) =>
      `  ${sanitizeUserText(f.step, 32)} ${sanitizeUserText(f.id, 64)}: ${sanitizeUserText(f.error, 300)}`,
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
