import { joinIdsForTag, type Share, shareToken, TAG } from '../model/clonewarden-tags.js';
import type {
  PlannedAction,
  SharedCloneFact,
  ShareEvent,
  ShareFacts,
  Verdict,
  VerdictStatus,
  Violation,
} from '../model/types.js';
import type { Policy, RuleConfig } from '../policy/schema.js';
import { ruleTypeByName } from '../rules/registry.js';
import type { EvaluationOptions } from './evaluate-policy.js';
import { asksForQuarantine, decideAlert, exemptionFor, statusOf } from './verdict-rules.js';

/** The rule id a share of a quarantined clone breaks, whatever the policy's rules say. */
const QUARANTINED_CLONE_RULE = 'quarantined-clone';

/** Rules of the sharing family judge each grant a call added. */
const judgesShares = (rule: RuleConfig): boolean => ruleTypeByName(rule.type).family === 'sharing';

/**
 * Whether judging this share needs our AWS Organization read: a sharing rule allows the
 * organization, and the call granted something that is not public.
 */
export function needsOrganization(policy: Policy, event: ShareEvent): boolean {
  const asksOrganization = policy.rules.some(
    (rule) =>
      judgesShares(rule) &&
      rule.resources.includes(event.clone.kind) &&
      'organization' in rule &&
      rule.organization === true,
  );
  return asksOrganization && event.added.some((grant) => grant.kind !== 'group');
}

/**
 * The sharing engine, pure like the creation engine: `(policy, share, facts) → verdict`. Each
 * grant the call added is judged by every sharing rule that applies to the clone's kind; a
 * quarantined clone may not be shared at all. `revert` removes exactly the grants that broke a
 * rule; `quarantine` isolates the clone. Removals and resets are never violations.
 */
export function evaluateSharing(
  policy: Policy,
  event: ShareEvent,
  facts: ShareFacts,
  options: EvaluationOptions,
): Verdict {
  const { clone } = facts;
  const skip = whyNotJudged(event, clone);
  const base = verdictBase(event, options.dryRun);
  if (skip) return { ...base, status: 'skipped', reason: skip };

  const judged = judgeGrants(policy, event, facts, options.now);
  const exemption = exemptionFor(policy, event.principal, clone.id, options.now);
  const enforced = exemption ? [] : judged.violations;
  const status: VerdictStatus = statusOf(
    exemption !== undefined,
    enforced.some(asksForQuarantine),
    judged.violations.length > 0,
  );
  return {
    ...base,
    status,
    ...(exemption ? { exemption } : {}),
    violations: judged.violations,
    unknowns: judged.unknowns,
    actions: [
      ...planShareActions(clone, status, enforced, judged.denied),
      ...decideAlert(judged.violations, policy, options.topicArn),
    ],
    sharing: {
      added: event.added.map(shareToken),
      removed: event.removed.map(shareToken),
      denied: uniqueTokens([...judged.denied.values()].flat()),
      notes: kmsNotes(event, clone),
    },
  };
}

/** A share the enforcer has no say over: nothing granted, or a clone that is gone or not ours. */
function whyNotJudged(event: ShareEvent, clone: SharedCloneFact): string | undefined {
  if (event.added.length === 0) {
    return `${event.eventName} only removed grants from ${clone.id}: never a violation`;
  }
  if (!clone.found) return `${clone.id} no longer exists in ${clone.region}: nothing is shared`;
  if (clone.ownerId !== undefined && clone.ownerId !== event.account) {
    return `${clone.id} is owned by ${clone.ownerId}, not by ${event.account}`;
  }
  return undefined;
}

function verdictBase(event: ShareEvent, dryRun: boolean): Verdict {
  return {
    eventId: event.eventId,
    eventName: event.eventName,
    region: event.region,
    account: event.account,
    resources: [event.clone.id],
    status: 'compliant',
    violations: [],
    unknowns: [],
    actions: [],
    principal: event.principal,
    dryRun,
  };
}

interface ShareJudgement {
  violations: Violation[];
  unknowns: Verdict['unknowns'];
  /** The action a violation asked for → the grants that broke a rule asking for it. */
  denied: Map<Violation['action'], Share[]>;
}

/** Every added grant against every sharing rule, and against the clone's quarantine. */
function judgeGrants(policy: Policy, event: ShareEvent, facts: ShareFacts, now: Date): ShareJudgement {
  const judged: ShareJudgement = { violations: [], unknowns: [], denied: new Map() };
  const { clone, organization } = facts;
  const deny = (grant: Share, violation: Violation) => {
    judged.violations.push(violation);
    judged.denied.set(violation.action, [...(judged.denied.get(violation.action) ?? []), grant]);
  };
  for (const grant of event.added) {
    if (clone.status === 'quarantined') {
      deny(grant, {
        rule: QUARANTINED_CLONE_RULE,
        ruleType: 'allowed-sharing',
        severity: 'critical',
        action: 'revert',
        resource: clone.id,
        message: `${shareToken(grant)}: ${clone.id} is quarantined and may not be shared at all`,
      });
    }
    for (const rule of policy.rules) {
      if (!judgesShares(rule) || !rule.resources.includes(clone.kind)) continue;
      // biome-ignore lint/suspicious/noExplicitAny: the policy schema validated these options against this very rule type.
      const outcome = ruleTypeByName(rule.type).evaluate(rule as any, {
        event,
        clone,
        grant,
        organization,
        now,
      });
      for (const message of outcome.violations) {
        const { id, type, severity, action } = rule;
        deny(grant, { rule: id, ruleType: type, severity, action, resource: clone.id, message });
      }
      for (const message of outcome.unknowns ?? []) {
        judged.unknowns.push({ rule: rule.id, resource: clone.id, message });
      }
    }
  }
  return judged;
}

/**
 * Quarantine isolates the clone (every grant removed and recorded, images disabled) and marks
 * it; otherwise `revert` removes exactly the grants that broke a rule asking for it, and the
 * grants that were already there or are allowed stay. `report` changes nothing. An exempt
 * share (no enforced violations) changes nothing either.
 */
function planShareActions(
  clone: SharedCloneFact,
  status: VerdictStatus,
  enforced: readonly Violation[],
  denied: ReadonlyMap<Violation['action'], Share[]>,
): PlannedAction[] {
  if (enforced.length === 0) return [];
  const { id, kind, region } = clone;
  if (status === 'quarantined') {
    const rules = [...new Set(enforced.filter((v) => v.action !== 'report').map((v) => v.rule))];
    const tags = { [TAG.status]: 'quarantined', [TAG.violations]: joinIdsForTag(rules) };
    return [
      ...[id, ...clone.backingSnapshotIds].map(
        (target): PlannedAction => ({ type: 'tag', target, region, tags, done: false }),
      ),
      { type: 'quarantine', target: id, kind, region, done: false },
    ];
  }
  const shares = uniqueTokens(denied.get('revert') ?? []);
  if (shares.length === 0) return [];
  return [{ type: 'revert', target: id, kind, region, shares, done: false }];
}

/** An encrypted clone is usable only by accounts its KMS key is shared with too. */
function kmsNotes(event: ShareEvent, clone: SharedCloneFact): string[] {
  if (!clone.encrypted) return [];
  const keys =
    clone.kmsKeyIds.length > 0
      ? clone.kmsKeyIds.join(', ')
      : "its disks' KMS key, see the snapshots' KmsKeyId";
  return [
    `${clone.id} is encrypted (${keys}): ${event.added.map(shareToken).join(', ')} can use it only if the key is shared with them too (key policy or grant); the AWS managed key aws/ebs cannot be shared. The share is judged all the same.`,
  ];
}

function uniqueTokens(grants: readonly Share[]): string[] {
  return [...new Set(grants.map(shareToken))];
}
