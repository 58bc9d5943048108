import { compileArnGlob } from '../model/arn-glob.js';
import { highestSeverity, meetsMinSeverity } from '../model/severity.js';
import type { PlannedAction, Principal, VerdictStatus, Violation } from '../model/types.js';
import { hasLapsed } from '../policy/policy-warnings.js';
import type { Policy } from '../policy/schema.js';

/**
 * The decisions every family's engine makes the same way: who is exempt, what a status is, and
 * whether the one alert goes out. One copy, so that a creation and a share are judged alike.
 */

/** Whether any of the globs matches any of the names. */
export function matchesAny(globs: readonly string[], names: readonly (string | undefined)[]): boolean {
  const matchers = globs.map(compileArnGlob);
  return names.some((name) => name !== undefined && matchers.some((matches) => matches(name)));
}

/**
 * The reason of the policy exemption that covers this caller or this clone, if any. Exemptions
 * come only from the policy (principal globs or resource ids), never from a tag.
 */
export function exemptionFor(
  policy: Policy,
  principal: Principal,
  cloneId: string,
  now: Date,
): string | undefined {
  for (const exemption of policy.exemptions) {
    if (hasLapsed(exemption, now)) continue;
    const byPrincipal = 'principals' in exemption && matchesAny(exemption.principals, [principal.arn]);
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

/** Whether a violation asks for the clone to be quarantined. */
export const asksForQuarantine = (violation: Violation): boolean => violation.action === 'quarantine';

/** The one alert rule: when there is a topic and the worst violation meets `alerts.minSeverity`. */
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
