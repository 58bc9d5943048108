import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { sanitizeSubject, sanitizeUserText } from '../actions/sanitize-text.js';
import type { ReleaseResult } from './release-result.js';

/**
 * The one alert of a release: who lifted the quarantine, why, and what was put back. The
 * reason and the caller are user text and are sanitised; the JSON variant carries the result.
 */
export function buildReleaseAlert(result: ReleaseResult, options: { topicArn: string }): PublishCommandInput {
  const who = sanitizeUserText(result.releasedBy, 256);
  const reason = sanitizeUserText(result.reason, 1000);
  const where = `${sanitizeUserText(result.account ?? 'unknown', 20)}/${sanitizeUserText(result.region, 24)}`;
  const shares = result.restoredShares.map((s) => `${s.kind} ${sanitizeUserText(s.value, 200)}`);
  const text = [
    `clonewarden: quarantine of ${result.kind} ${result.id} lifted by ${who}`,
    '',
    `  Resource:   ${result.kind} ${result.id} in ${where}`,
    `  Released by: ${who}`,
    `  Reason:     ${reason}`,
    `  Shares put back: ${shares.length > 0 ? shares.slice(0, 50).join(', ') : 'none were recorded'}`,
    ...(result.backingSnapshotIds.length > 0
      ? [`  Its snapshots: ${result.backingSnapshotIds.slice(0, 20).join(', ')} (status exempt too)`]
      : []),
    '',
    'STEPS',
    ...result.steps
      .filter((s) => s.step !== 'alert')
      .map((s) => `  ${s.step}: ${s.outcome}${s.detail ? ` (${sanitizeUserText(s.detail, 200)})` : ''}`),
    '',
    'The clone is now clonewarden:status=exempt: prune no longer counts its quarantine, and reconcile leaves it alone.',
  ].join('\n');
  const json = JSON.stringify({
    ...result,
    reason,
    restoredShares: result.restoredShares.map((s) => ({ ...s, value: sanitizeUserText(s.value, 256) })),
  });
  const subject = sanitizeSubject(`[clonewarden] released ${result.id} from quarantine in ${where}`);
  return {
    TopicArn: options.topicArn,
    MessageStructure: 'json',
    Message: JSON.stringify({ default: text, email: text, sqs: json, lambda: json, https: json, http: json }),
    ...(subject ? { Subject: subject } : {}),
    MessageAttributes: {
      severity: { DataType: 'String', StringValue: 'none' },
      eventName: { DataType: 'String', StringValue: 'Release' },
      account: { DataType: 'String', StringValue: sanitizeUserText(result.account, 64) || 'unknown' },
      region: { DataType: 'String', StringValue: sanitizeUserText(result.region, 64) || 'unknown' },
      status: { DataType: 'String', StringValue: 'exempt' },
      dryRun: { DataType: 'String', StringValue: String(result.dryRun) },
    },
  };
}
