import { visibleDiskIds } from '../model/clone-disks.js';
import { DISKS, fitTagValue, joinIdsForTag, TAG, TAG_LIMITS, TAG_PREFIX } from '../model/clonewarden-tags.js';
import type {
  CloneEvent,
  CloneFact,
  CloneFacts,
  Lineage,
  PlannedAction,
  Verdict,
  VerdictStatus,
  Violation,
} from '../model/types.js';
import type { Policy, RuleConfig } from '../policy/schema.js';
import { ruleTypeByName } from '../rules/registry.js';
import { resolveLineage } from './resolve-lineage.js';
import {
  asksForQuarantine,
  decideAlert,
  exemptionFor,
  forDisk,
  labelsOf,
  matchesAny,
  statusOf,
} from './verdict-rules.js';

export interface EvaluationOptions {
  now: Date;
  /** Effective dry-run: the policy's `dryRun`, or forced by the flag/env var. */
  dryRun: boolean;
  /** Effective alert topic: the flag/env var, else `alerts.topicArn`. */
  topicArn?: string;
}

/**
 * The heart of clonewarden, and pure: `(policy, event, facts) → verdict and planned actions`.
 * It never calls AWS and never reads the clock; the caller passes `now`. Exemptions come only
 * from the policy (principal globs or resource ids), never from a tag.
 */
export function evaluatePolicy(
  policy: Policy,
  event: CloneEvent,
  facts: CloneFacts,
  options: EvaluationOptions,
): Verdict {
  const lineage = resolveLineage(event, facts);
  const judged = judgeClones(policy, event, facts, lineage, options.now);
  const statuses = decideStatuses(facts, judged);
  const planned = planCloneActions(policy, event, facts, lineage, judged, statuses);
  const actions = [...planned.actions, ...decideAlert(judged.violations, policy, options.topicArn)];
  return {
    eventId: event.eventId,
    eventName: event.eventName,
    region: event.region,
    account: event.account,
    resources: facts.clones.map((clone) => clone.id),
    status: statuses.verdict,
    ...(judged.exemptions.size > 0 ? { exemption: [...new Set(judged.exemptions.values())].join('; ') } : {}),
    ...(judged.sourceLabels ? { sourceLabels: judged.sourceLabels } : {}),
    violations: judged.violations,
    unknowns: judged.unknowns,
    actions,
    principal: event.principal,
    lineage: Object.fromEntries(facts.clones.map((clone) => [clone.id, lineage])),
    ...(planned.awaiting.length > 0 ? { awaiting: planned.awaiting } : {}),
    dryRun: options.dryRun,
  };
}

/** What the rules found, clone by clone. */
interface Judgement {
  violations: Violation[];
  unknowns: Verdict['unknowns'];
  /** Clone id → tags a rule asked to copy from the source. */
  inherited: Map<string, Record<string, string>>;
  /** Clone id → the reason of the policy exemption that covers it. */
  exemptions: Map<string, string>;
  /** The source's labels that rules judged by, as they were (allowed-sources). */
  sourceLabels?: Record<string, string>;
}

/** Rules of the creation family judge a clone's birth; the other families have their own step. */
const judgesBirth = (rule: RuleConfig): boolean => ruleTypeByName(rule.type).family === 'creation';

/** Step 1: every rule that applies to a clone's kind judges that clone. */
function judgeClones(
  policy: Policy,
  event: CloneEvent,
  facts: CloneFacts,
  lineage: Lineage,
  now: Date,
): Judgement {
  const judged: Judgement = { violations: [], unknowns: [], inherited: new Map(), exemptions: new Map() };
  const callerIsTrustedService = matchesAny(policy.trustedServices, [
    event.principal.arn,
    event.principal.invokedBy,
  ]);
  for (const clone of facts.clones) {
    const exemption = exemptionFor(policy, event.principal, clone.id, now);
    if (exemption) judged.exemptions.set(clone.id, exemption);
    for (const rule of policy.rules) {
      if (!judgesBirth(rule) || !rule.resources.includes(clone.kind)) continue;
      const outcome = evaluateRule(rule, { event, facts, clone, lineage, callerIsTrustedService, now });
      for (const message of outcome.violations) {
        judged.violations.push({
          rule: rule.id,
          ruleType: rule.type,
          severity: rule.severity,
          action: rule.action,
          resource: clone.id,
          message,
        });
      }
      for (const message of outcome.unknowns ?? []) {
        judged.unknowns.push({ rule: rule.id, resource: clone.id, message });
      }
      if (outcome.sourceLabels) judged.sourceLabels = { ...judged.sourceLabels, ...outcome.sourceLabels };
      if (outcome.inheritTags) {
        judged.inherited.set(clone.id, { ...judged.inherited.get(clone.id), ...outcome.inheritTags });
      }
    }
  }
  return judged;
}

interface Statuses {
  verdict: VerdictStatus;
  /** Each clone's own status, the value of its `clonewarden:status` tag. */
  byClone: Map<string, VerdictStatus>;
  /** Each clone's violations that mark it (action `tag` or `quarantine`, not exempt). */
  marked: Map<string, Violation[]>;
}

/**
 * Step 2: each clone's status, from its own violations that mark it (not exempt, not
 * report-only), and the verdict's: exempt only when every clone is, and a violation of an
 * exempt clone or a report-only rule still makes the verdict a violation.
 */
function decideStatuses(facts: CloneFacts, judged: Judgement): Statuses {
  const { exemptions, violations } = judged;
  const enforced = violations.filter((violation) => !exemptions.has(violation.resource));
  const byClone = new Map<string, VerdictStatus>();
  const marked = new Map<string, Violation[]>();
  for (const clone of facts.clones) {
    const own = enforced.filter((v) => v.resource === clone.id && v.action !== 'report');
    marked.set(clone.id, own);
    byClone.set(clone.id, statusOf(exemptions.has(clone.id), own.some(asksForQuarantine), own.length > 0));
  }
  const allExempt = facts.clones.length > 0 && facts.clones.every((clone) => exemptions.has(clone.id));
  const verdict = statusOf(allExempt, enforced.some(asksForQuarantine), violations.length > 0);
  return { verdict, byClone, marked };
}

/** Step 3: tags for every clone and its disks, and quarantine where its status says so. */
function planCloneActions(
  policy: Policy,
  event: CloneEvent,
  facts: CloneFacts,
  lineage: Lineage,
  judged: Judgement,
  statuses: Statuses,
): { actions: PlannedAction[]; awaiting: string[] } {
  const actions: PlannedAction[] = [];
  const awaiting: string[] = [];
  for (const clone of facts.clones) {
    const status = statuses.byClone.get(clone.id) ?? 'compliant';
    const inherited = judged.inherited.get(clone.id) ?? {};
    const tags = {
      ...inherited,
      ...lineageTags(event, lineage, status, statuses.marked.get(clone.id) ?? []),
    };
    const quarantine = status === 'quarantined';
    const disks = planDisks(policy, event, clone, { ...inherited, ...tags }, quarantine);
    actions.push(...disks.actions);
    if (disks.awaiting) awaiting.push(disks.awaiting);
    if (quarantine) {
      actions.push({
        type: 'quarantine',
        target: clone.id,
        kind: clone.kind,
        region: clone.region,
        done: false,
      });
    }
    if (disks.confirm) actions.push(disks.confirm);
  }
  return { actions, awaiting };
}

/**
 * The clone's own tags and its disks' (an image's backing snapshots): the same lineage and
 * ownership tags, and the image's labels, in as few CreateTags calls as the tags allow (the
 * image is given its own labels back, unchanged, so that it shares its disks' call). A disk is
 * labelled once EC2 shows it; what a `pending` image leaves is marked `clonewarden:disks=pending`
 * and said in `awaiting`, for the `EC2 AMI State Change` event or the daily reconcile.
 */
function planDisks(
  policy: Policy,
  event: CloneEvent,
  clone: CloneFact,
  tags: Record<string, string>,
  quarantine: boolean,
): { actions: PlannedAction[]; awaiting?: string; confirm?: PlannedAction } {
  const tag = (
    target: string,
    set: Record<string, string>,
    has: Record<string, string> = clone.tags,
  ): PlannedAction => ({
    type: 'tag',
    target,
    region: clone.region,
    tags: fitTagBudget(set, has, Object.keys(clone.tags).length),
    done: false,
  });
  if (clone.kind !== 'image') return { actions: [tag(clone.id, tags)] };
  const requested = event.requestedTags;
  const labelled = { ...tags, ...labelsOf(policy, 'image', { ...requested.image, ...clone.tags, ...tags }) };
  const visible = visibleDiskIds(clone);
  const left = clone.state === 'pending' || visible.length < clone.backingSnapshotIds.length;
  const ownTags = left ? { ...labelled, [TAG.disks]: DISKS.pending } : labelled;
  const known = (id: string) => clone.diskTags?.[id] ?? requested.snapshot ?? {};
  const actions = [
    tag(clone.id, ownTags),
    ...visible.map((id) => tag(id, forDisk(labelled, known(id)), known(id))),
  ];
  if (!left) {
    // A previous attempt left the disks pending: this one finished them.
    const confirm = clone.tags[TAG.disks] === DISKS.pending ? confirmDisks(clone) : undefined;
    return { actions, ...(confirm ? { confirm } : {}) };
  }
  const work = quarantine ? 'labels and quarantine' : 'labels';
  const why =
    clone.state === 'pending'
      ? 'it is pending'
      : `${visible.length} of ${clone.backingSnapshotIds.length} disks were visible`;
  return { actions, awaiting: `${clone.id}: its disks get their ${work} once it is available (${why})` };
}

/** `clonewarden:disks=done`, written after the disks' other writes. */
function confirmDisks(clone: Pick<CloneFact, 'id' | 'region'>): PlannedAction {
  return {
    type: 'tag',
    target: clone.id,
    region: clone.region,
    tags: { [TAG.disks]: DISKS.done },
    confirms: true,
    done: false,
  };
}

function evaluateRule(rule: RuleConfig, input: Parameters<ReturnType<typeof ruleTypeByName>['evaluate']>[1]) {
  const ruleType = ruleTypeByName(rule.type);
  // biome-ignore lint/suspicious/noExplicitAny: the policy schema validated these options against this very rule type.
  return ruleType.evaluate(rule as any, input);
}

function lineageTags(
  event: CloneEvent,
  lineage: Lineage,
  status: string,
  marked: Violation[],
): Record<string, string> {
  const tags: Record<string, string> = {
    [TAG.createdBy]: fitTagValue(event.principal.callerArn ?? event.principal.arn),
    [TAG.createdAt]: event.eventTime,
    [TAG.eventId]: fitTagValue(event.eventId),
    [TAG.source]: lineage.source,
    [TAG.parent]: lineage.parent,
    [TAG.root]: lineage.root,
    [TAG.generation]: String(lineage.generation),
    [TAG.status]: status,
  };
  const ruleIds = [...new Set(marked.map((violation) => violation.rule))];
  if (ruleIds.length > 0) tags[TAG.violations] = joinIdsForTag(ruleIds);
  return tags;
}

/** Most important first: when a resource is near EC2's 50-tag limit, the tail is dropped. */
const TAG_PRIORITY = [
  TAG.status,
  TAG.violations,
  TAG.generation,
  TAG.parent,
  TAG.root,
  TAG.source,
  TAG.createdBy,
  TAG.createdAt,
  TAG.eventId,
];

/**
 * Keeps within 50 tags per resource. Keys the resource already has (`existing`) cost nothing
 * (they are overwritten); new keys are added in priority order, clonewarden's own first,
 * inherited and labels last. A disk's own tags may not be known: it is assumed to have at least
 * as many as its image (`atLeast`).
 */
function fitTagBudget(
  tags: Record<string, string>,
  existing: Record<string, string>,
  atLeast: number,
): Record<string, string> {
  const existingCount = Math.max(Object.keys(existing).length, atLeast);
  const ordered = Object.keys(tags).sort((a, b) => rank(a) - rank(b));
  const kept: Record<string, string> = {};
  let count = existingCount;
  for (const key of ordered) {
    if (key in existing) {
      kept[key] = tags[key]!;
    } else if (count < TAG_LIMITS.perResource) {
      kept[key] = tags[key]!;
      count++;
    }
  }
  return kept;
}

function rank(key: string): number {
  const index = TAG_PRIORITY.indexOf(key as (typeof TAG_PRIORITY)[number]);
  if (index >= 0) return index;
  return key.startsWith(TAG_PREFIX) ? TAG_PRIORITY.length : TAG_PRIORITY.length + 1;
}

export type { CloneFacts };
