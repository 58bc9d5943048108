import type { OrganizationalUnitPaths } from '../aws/organizational-unit-paths.js';
import type { Policy, PolicyOverride, RuleConfig } from './schema.js';

/** Where an account sits: its id and its OUs, from the root's child down to its own parent. */
export interface PolicyScope {
  accountId: string;
  organizationalUnits: readonly string[];
}

/** The policy in force in one account, and the overrides that made it, in the order applied. */
export interface EffectivePolicy {
  policy: Policy;
  applied: string[];
}

/** Whether the policy has any override keyed by an OU id: only then is an account's OU path needed. */
export function hasOrganizationalUnitOverrides(policy: Policy): boolean {
  return Object.keys(policy.overrides).some((scope) => scope.startsWith('ou-'));
}

/**
 * Every rule any scope may put in force: the facts reader fetches what these need, so that an
 * override's encryption rule finds its facts.
 */
export function rulesOfEveryScope(policy: Policy): RuleConfig[] {
  return [...policy.rules, ...Object.values(policy.overrides).flatMap((override) => override.rules ?? [])];
}

/**
 * The policy in force in `scope`'s account (docs/policy.md, "Overrides per OU or account"). The
 * overrides apply from the outermost OU to the innermost, then the account's own, so that the
 * most specific scope has the last word. Each one: `removeRules` drops rules in force by id;
 * `rules` replaces the rule in force with the same id (in its place) or is appended; `exemptions`
 * are appended; `dryRun` and each `alerts` key given replace. The result has no overrides left.
 */
export function effectivePolicy(policy: Policy, scope: PolicyScope): EffectivePolicy {
  const chain = [...scope.organizationalUnits, scope.accountId].filter((id) =>
    Object.hasOwn(policy.overrides, id),
  );
  let effective: Policy = { ...policy, overrides: {} };
  for (const id of chain) effective = applyOverride(effective, policy.overrides[id] as PolicyOverride);
  return { policy: effective, applied: chain };
}

/**
 * The policy in force in one account of the organization: its OUs are read (Organizations
 * `ListParents`, cached by `paths`) only when some override is keyed by an OU. Enforce and the
 * organization prune both call this, so that a clone is judged by the same policy in both.
 */
export async function policyInAccount(
  policy: Policy,
  accountId: string,
  paths: OrganizationalUnitPaths,
): Promise<EffectivePolicy> {
  const organizationalUnits = hasOrganizationalUnitOverrides(policy)
    ? await paths.organizationalUnitsOf(accountId)
    : [];
  return effectivePolicy(policy, { accountId, organizationalUnits });
}

function applyOverride(policy: Policy, override: PolicyOverride): Policy {
  const removed = new Set(override.removeRules ?? []);
  const rules = policy.rules.filter((rule) => !removed.has(rule.id));
  for (const rule of override.rules ?? []) {
    const index = rules.findIndex((inForce) => inForce.id === rule.id);
    if (index === -1) rules.push(rule);
    else rules[index] = rule;
  }
  return {
    ...policy,
    ...(override.dryRun !== undefined ? { dryRun: override.dryRun } : {}),
    alerts: {
      ...policy.alerts,
      ...(override.alerts?.minSeverity ? { minSeverity: override.alerts.minSeverity } : {}),
      ...(override.alerts?.failedImages ? { failedImages: override.alerts.failedImages } : {}),
    },
    rules,
    exemptions: [...policy.exemptions, ...(override.exemptions ?? [])],
  };
}
