import { CREATION_EVENTS, type CreationEventName } from '../events/families/creation.js';
import { compileArnGlob } from '../model/arn-glob.js';
import { meetsMinSeverity, SEVERITIES } from '../model/severity.js';
import type { CloneKind } from '../model/types.js';
import type { Exemption, Policy, RuleConfig } from './schema.js';

/** A part of a valid policy that can never take effect: where it is, and why. */
interface PolicyWarning {
  path: readonly (string | number)[];
  message: string;
}

/**
 * True once an exemption's `expires` has passed. A date without a time is midnight UTC, so
 * `expires: 2026-10-01` lapses as that day begins. The engine and `validate` both ask here.
 */
export function hasLapsed(exemption: Exemption, now: Date): boolean {
  return exemption.expires !== undefined && new Date(exemption.expires).getTime() < now.getTime();
}

/**
 * Principals unlike each other (two accounts, a role, a user, a root): a glob that matches all
 * of them matches any caller, e.g. `*` or `arn:aws:iam::*`.
 */
const UNLIKE_PRINCIPALS = [
  'arn:aws:iam::111122223333:role/Developer',
  'arn:aws:iam::444455556666:user/jane',
  'arn:aws:iam::777788889999:root',
];

function matchesEveryone(glob: string): boolean {
  const matches = compileArnGlob(glob);
  return UNLIKE_PRINCIPALS.every((arn) => matches(arn));
}

type PolicyCheck = (policy: Policy, now: Date) => PolicyWarning[];

const noRules: PolicyCheck = (policy) =>
  policy.rules.length > 0
    ? []
    : [{ path: ['rules'], message: 'no rules: every clone is compliant, and no alert is ever sent' }];

const lapsedExemptions: PolicyCheck = (policy, now) =>
  policy.exemptions.flatMap((exemption, index) =>
    hasLapsed(exemption, now)
      ? [
          {
            path: ['exemptions', index, 'expires'],
            message: `expired ${exemption.expires}: it exempts nothing any more; remove it, or renew it with a new date`,
          },
        ]
      : [],
  );

const exemptEveryone: PolicyCheck = (policy) =>
  policy.exemptions.flatMap((exemption, index) =>
    'principals' in exemption
      ? exemption.principals.flatMap((glob, at) =>
          matchesEveryone(glob)
            ? [
                {
                  path: ['exemptions', index, 'principals', at],
                  message: `"${glob}" matches every caller: no rule fires on any event while it stands`,
                },
              ]
            : [],
        )
      : [],
  );

const trustEveryone: PolicyCheck = (policy) =>
  policy.trustedServices.flatMap((glob, index) =>
    matchesEveryone(glob)
      ? [
          {
            path: ['trustedServices', index],
            message: `"${glob}" matches every caller: all are trusted like a backup service, so the rules that spare those never fire`,
          },
        ]
      : [],
  );

/** The rule's `events` whose clones its `resources` leave out: it never judges those. */
function eventsOutsideResources(rule: RuleConfig): { name: string; kind: CloneKind }[] {
  const events = (rule as { events?: readonly string[] }).events ?? [];
  return events
    .map((name) => ({
      name,
      kind: CREATION_EVENTS[name as CreationEventName].cloneKind,
    }))
    .filter(({ kind }) => !rule.resources.includes(kind));
}

const rulesBlindToTheirEvents: PolicyCheck = (policy) =>
  policy.rules.flatMap((rule, index) => {
    const outside = eventsOutsideResources(rule);
    if (outside.length === 0) return [];
    const events = (rule as { events?: readonly string[] }).events ?? [];
    const which = outside.map(({ name, kind }) => `${name} makes ${kind}s`).join(', ');
    return [
      {
        path: ['rules', index, 'resources'],
        message:
          outside.length === events.length
            ? `[${rule.resources.join(', ')}] leaves out every kind its events make (${which}): the rule can never fire`
            : `[${rule.resources.join(', ')}] leaves out what some of its events make (${which}): it never judges those`,
      },
    ];
  });

const rulesAllowingEveryone: PolicyCheck = (policy) =>
  policy.rules.flatMap((rule, index) => {
    const principals = (rule as { principals?: readonly string[] }).principals ?? [];
    const at = principals.findIndex(matchesEveryone);
    if (at < 0) return [];
    return [
      {
        path: ['rules', index, 'principals', at],
        message: `"${principals[at]}" matches every caller: the rule can never fire`,
      },
    ];
  });

const alertsAboveEveryRule: PolicyCheck = (policy) => {
  const { minSeverity } = policy.alerts;
  if (policy.rules.length === 0 || policy.rules.some((rule) => meetsMinSeverity(rule.severity, minSeverity)))
    return [];
  const highest = SEVERITIES.filter((s) => policy.rules.some((rule) => rule.severity === s)).at(-1);
  return [
    {
      path: ['alerts', 'minSeverity'],
      message: `${minSeverity} is above every rule's severity (${highest} at most): no alert is ever sent`,
    },
  ];
};

/** Every check, in the order its findings are listed. Adding one is one function and one entry. */
const POLICY_CHECKS: readonly PolicyCheck[] = [
  noRules,
  rulesBlindToTheirEvents,
  rulesAllowingEveryone,
  alertsAboveEveryRule,
  lapsedExemptions,
  exemptEveryone,
  trustEveryone,
];

/**
 * The parts of a valid policy that can never take effect: no rules, a lapsed exemption, a rule
 * that can not fire, alerts that are never sent. A policy that says nothing passes quietly
 * otherwise, which is the one failure a security team does not hear about.
 */
export function policyWarnings(policy: Policy, now: Date): PolicyWarning[] {
  return POLICY_CHECKS.flatMap((check) => check(policy, now));
}
