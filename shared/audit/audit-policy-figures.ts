import type { Policy } from '../policy/schema.js';
import type { AuditPolicyFigures } from './report/index.js';

/**
 * The figures the report measures the estate against, read from the policy: the prune ages
 * and price, the smallest `max-generation` limit, the tag keys `required-tags` rules ask for,
 * the organisation's accounts (the audited accounts are always among them) and its id.
 */
export function auditPolicyFigures(
  policy: Policy,
  auditedAccounts: readonly string[],
  organisationId?: string,
): AuditPolicyFigures {
  const depthLimits: number[] = [];
  const requiredTags = new Set<string>();
  for (const rule of policy.rules) {
    // The discriminant is typed `string`, so the options are read by shape once the type matches.
    if (rule.type === 'max-generation' && 'max' in rule) depthLimits.push(rule.max);
    if (rule.type === 'required-tags' && 'tags' in rule)
      for (const key of Object.keys(rule.tags)) requiredTags.add(key);
  }
  return {
    maxAgeDays: { ...policy.prune.maxAgeDays },
    ...(depthLimits.length > 0 ? { maxGeneration: Math.min(...depthLimits) } : {}),
    requiredTags: [...requiredTags].sort(),
    pricePerGbMonth: policy.prune.pricePerGbMonth,
    organisationAccounts: [...new Set([...policy.audit.organizationAccounts, ...auditedAccounts])],
    ...(organisationId !== undefined ? { organisationId } : {}),
  };
}

/** The regions an audit reads: the home region, then the policy's `audit.regions` (or the flags'). */
export function auditRegions(homeRegion: string, listed: readonly string[]): string[] {
  return [...new Set([homeRegion, ...listed])];
}
