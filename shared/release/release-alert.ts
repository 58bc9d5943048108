import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { cleanPlainText, sanitizeUserText } from '../actions/sanitize-text.js';
import { buildSnsPublish, fitSubject, stringAttribute } from '../actions/sns-publish.js';
import type { ReleaseResult } from './release-result.js';

/**
 * The one alert of a release: who lifted the quarantine, why, and what was put back. The
 * reason and the caller are user text: cleaned (exact, but one line and bounded) in the e-mail,
 * sanitised in the JSON variant, which carries the result. Built and kept within SNS's limit
 * like every alert (`buildSnsPublish`).
 */
export function buildReleaseAlert(result: ReleaseResult, options: { topicArn: string }): PublishCommandInput {
  const where = `${cleanPlainText(result.account ?? 'unknown', 20)}/${cleanPlainText(result.region, 24)}`;
  return buildSnsPublish({
    topicArn: options.topicArn,
    // `[DRY RUN] released <id> from quarantine <account>/<region> [clonewarden]`
    subject: fitSubject([
      result.dryRun ? 'DRY RUN' : '',
      'released',
      cleanPlainText(result.id, 32),
      'from quarantine',
      where,
    ]),
    attributes: {
      severity: { DataType: 'String', StringValue: 'none' },
      eventName: stringAttribute('Release'),
      account: stringAttribute(result.account),
      region: stringAttribute(result.region),
      status: stringAttribute('exempt'),
      dryRun: { DataType: 'String', StringValue: String(result.dryRun) },
    },
    content: (level) => ({
      text: releaseText(result, where, level.textItems),
      document: {
        ...result,
        reason: sanitizeUserText(result.reason, 1000),
        restoredShares: result.restoredShares
          .slice(0, level.listItems)
          .map((s) => ({ ...s, value: sanitizeUserText(s.value, 256) })),
      },
    }),
  });
}

function releaseText(result: ReleaseResult, where: string, listLimit: number): string {
  const who = cleanPlainText(result.releasedBy, 256);
  const shares = result.restoredShares.map((s) => `${s.kind} ${cleanPlainText(s.value, 200)}`);
  const snapshots = result.backingSnapshotIds
    .slice(0, Math.min(20, listLimit))
    .map((id) => cleanPlainText(id, 64));
  return [
    `clonewarden: quarantine of ${result.kind} ${cleanPlainText(result.id, 64)} lifted by ${who}`,
    '',
    `  Resource:   ${result.kind} ${cleanPlainText(result.id, 64)} in ${where}`,
    `  Released by: ${who}`,
    `  Reason:     ${cleanPlainText(result.reason, 1000)}`,
    `  Shares put back: ${shares.length > 0 ? shares.slice(0, listLimit).join(', ') : 'none were recorded'}`,
    ...(snapshots.length > 0 ? [`  Its snapshots: ${snapshots.join(', ')} (status exempt too)`] : []),
    '',
    'STEPS',
    ...result.steps
      .filter((s) => s.step !== 'alert')
      .map((s) => `  ${s.step}: ${s.outcome}${s.detail ? ` (${cleanPlainText(s.detail, 200)})` : ''}`),
    '',
    'The clone is now clonewarden:status=exempt: prune no longer counts its quarantine, and reconcile leaves it alone.',
  ].join('\n');
}
