import { compileArnGlob } from '../model/arn-glob.js';
import { highestSeverity, meetsMinSeverity } from '../model/severity.js';
import type { PlannedAction, VerdictStatus, Violation } from '../model/types.js';
import type { Policy } from '../policy/schema.js';

// The decisions every family's engine shares, so that there is one exemption rule, one status
// rule and one alert rule whatever the event.

/** Whether any of the globs matches any of the names. */
export function matchesAny(globs: readonly string[], names: readonly (string | undefined)[]): boolean {
  const matchers = globs.map(compileArnGlob);
  return names.some((name) => name !== undefined && matchers.some((matches) => matches(name)));
}

/**
 * The reason of the first policy exemption that covers the caller or the clone, if any. Only the
 * policy exempts: by principal ARN glob or by clone id, never by a tag.
 */
export function exemptionFor(
  policy: Policy,
  principalArn: string,
  cloneId: string,
  now: Date,
): string | undefined {
  for (const exemption of policy.exemptions) {
    if (exemption.expires && new Date(exemption.expires).getTime() < now.getTime()) continue;
    const byPrincipal = 'principals' in exemption && matchesAny(exemption.principals, [principalArn]);
    const byResource = 'resources' in exemption && exemption.resources.includes(cloneId);
    if (byPrincipal || byResource) return exemption.reason;
  }
  return undefined;
}

/**
 * The one status rule, for a clone and for the verdict alike: exempt when the policy exempts
 * it, else quarantined when a violation that counts asks for quarantine, else violation when
 * there is one, else compliant.
 */
export function statusOf(exempt: boolean, quarantine: boolean, violated: boolean): VerdictStatus {
  if (exempt) return 'exempt';
  if (quarantine) return 'quarantined';
  return violated ? 'violation' : 'compliant';
}

/** The one alert rule: one alert, when there is a topic and the worst violation meets `alerts.minSeverity`. */
export function decideAlert(
  violations: readonly Violation[],
  policy: Policy,
  topicArn?: string,
): PlannedAction[] {
  const top = highestSeverity(violations);
  if (!top || !topicArn || !meetsMinSeverity(top, policy.alerts.minSeverity)) return [];
  const chatbot = policy.alerts.chatbot ? { chatbot: true } : {};
  return [{ type: 'alert', target: topicArn, severity: top, ...chatbot, done: false }];
}
