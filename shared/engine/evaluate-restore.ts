import { fitTagValue, joinIdsForTag, TAG } from '../model/clonewarden-tags.js';
import type {
  BirthRecord,
  PlannedAction,
  RestoredCloneFact,
  RestoreEvent,
  RestoreFacts,
  Verdict,
  Violation,
} from '../model/types.js';
import type { Policy, RuleConfig } from '../policy/schema.js';
import { ruleTypeByName } from '../rules/registry.js';
import { readBirthRecord } from './birth-record.js';
import type { EvaluationOptions } from './evaluate-policy.js';
import { decideAlert, exemptionFor, statusOf } from './verdict-rules.js';

/** Rules of the restoring family judge a restore. */
const judgesRestore = (rule: RuleConfig): boolean => ruleTypeByName(rule.type).family === 'restoring';

/**
 * The restore engine, pure: `(policy, event, facts) → verdict and planned actions`. A clone that
 * is not ours (another account's, an AWS or Marketplace image) or not visible is skipped. What a
 * restore of our clone created is labelled (`restored-from`, `root`, `generation`, `created-by`)
 * whatever the verdict; a broken rule adds `status`/`violations` labels (action `tag` or `stop`),
 * stops the new instances (`stop`; a volume is never deleted), and raises the one alert.
 */
export function evaluateRestore(
  policy: Policy,
  event: RestoreEvent,
  facts: RestoreFacts,
  options: EvaluationOptions,
): Verdict {
  const base = baseVerdict(event, options.dryRun);
  const { clone } = facts;
  if (!clone) {
    return { ...base, status: 'skipped', reason: `${event.clone.id} is not visible in ${event.region}` };
  }
  if (clone.ownerId !== event.account) {
    const owner = clone.ownerId ?? 'an unknown account';
    return { ...base, status: 'skipped', reason: `${clone.id} belongs to ${owner}, not to this account` };
  }
  const exemption = exemptionFor(policy, event.principal, clone.id, options.now);
  const birth = readBirthRecord(clone, policy);
  const judged = judgeRestore(policy, event, clone, birth, options.now);
  const marked = exemption ? [] : judged.violations.filter((violation) => violation.action !== 'report');
  return {
    ...base,
    status: statusOf(exemption !== undefined, false, judged.violations.length > 0),
    ...(exemption ? { exemption } : {}),
    violations: judged.violations,
    unknowns: judged.unknowns,
    actions: [
      ...planLabels(event, clone, birth, facts.labelTargets, marked),
      ...planStops(event, marked),
      ...decideAlert(judged.violations, policy, options.topicArn),
    ],
  };
}

function baseVerdict(event: RestoreEvent, dryRun: boolean): Verdict {
  return {
    eventId: event.eventId,
    eventName: event.eventName,
    region: event.region,
    account: event.account,
    resources: event.created.map((resource) => resource.id),
    restoredFrom: event.clone.id,
    status: 'compliant',
    violations: [],
    unknowns: [],
    actions: [],
    principal: event.principal,
    dryRun,
  };
}

/** Every restoring rule that applies to the clone's kind judges the restore. */
function judgeRestore(
  policy: Policy,
  event: RestoreEvent,
  clone: RestoredCloneFact,
  birth: BirthRecord,
  now: Date,
): Pick<Verdict, 'violations' | 'unknowns'> {
  const violations: Violation[] = [];
  const unknowns: Verdict['unknowns'] = [];
  for (const rule of policy.rules) {
    if (!judgesRestore(rule) || !rule.resources.includes(clone.kind)) continue;
    // biome-ignore lint/suspicious/noExplicitAny: the policy schema validated these options against this very rule type.
    const outcome = ruleTypeByName(rule.type).evaluate(rule as any, { event, clone, birth, now });
    const common = { rule: rule.id, ruleType: rule.type, severity: rule.severity, action: rule.action };
    for (const message of outcome.violations) violations.push({ ...common, resource: clone.id, message });
    for (const message of outcome.unknowns ?? [])
      unknowns.push({ rule: rule.id, resource: clone.id, message });
  }
  return { violations, unknowns };
}

/** One tag action per resource the restore created, all with the same tags (one CreateTags call). */
function planLabels(
  event: RestoreEvent,
  clone: RestoredCloneFact,
  birth: BirthRecord,
  targets: string[],
  marked: Violation[],
): PlannedAction[] {
  const tags: Record<string, string> = {
    [TAG.restoredFrom]: clone.id,
    ...(birth.root ? { [TAG.root]: birth.root } : {}),
    ...(birth.generation !== undefined ? { [TAG.generation]: String(birth.generation) } : {}),
    [TAG.createdBy]: fitTagValue(event.principal.callerArn ?? event.principal.arn),
  };
  if (marked.length > 0) {
    tags[TAG.status] = 'violation';
    tags[TAG.violations] = joinIdsForTag([...new Set(marked.map((violation) => violation.rule))]);
  }
  return targets.map((target) => ({
    type: 'tag',
    target,
    region: event.region,
    tags: { ...tags },
    done: false,
  }));
}

/** A `stop` rule that broke stops the new instances; a restored volume is only labelled. */
function planStops(event: RestoreEvent, marked: Violation[]): PlannedAction[] {
  if (!marked.some((violation) => violation.action === 'stop')) return [];
  return event.created
    .filter((resource) => resource.kind === 'instance')
    .map((resource) => ({ type: 'stop', target: resource.id, region: event.region, done: false }));
}
