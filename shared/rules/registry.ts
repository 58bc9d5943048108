import { PolicyValidationError } from '../model/errors.js';
import { allowedPrincipalsRule } from './allowed-principals.js';
import { allowedSharingRule } from './allowed-sharing.js';
import { allowedSourcesRule } from './allowed-sources.js';
import { consistentCaptureRule } from './consistent-capture.js';
import { healthySourceRule } from './healthy-source.js';
import { maxGenerationRule } from './max-generation.js';
import { maxSourceAgeRule } from './max-source-age.js';
import { requiredEncryptionRule } from './required-encryption.js';
import { requiredTagsRule } from './required-tags.js';
import type { RuleType } from './rule-type.js';

/**
 * Every rule type a policy may use. The policy schema is generated from this list, so adding
 * a rule type is its own file plus one line here.
 */
export const RULE_TYPES = [
  requiredTagsRule,
  allowedPrincipalsRule,
  maxGenerationRule,
  healthySourceRule,
  consistentCaptureRule,
  maxSourceAgeRule,
  requiredEncryptionRule,
  allowedSourcesRule,
  allowedSharingRule,
] as const;

const byName: ReadonlyMap<string, RuleType> = new Map(
  RULE_TYPES.map((rule): [string, RuleType] => [rule.type, rule]),
);

/** The known `type:` values, in registry order. */
export const RULE_TYPE_NAMES: readonly string[] = RULE_TYPES.map((rule) => rule.type);

/** The rule type of that name, or `undefined`: for readers of a verdict, which may be old or hand-made. */
export function findRuleType(name: string | undefined): RuleType | undefined {
  return name === undefined ? undefined : byName.get(name);
}

/**
 * The rule type a policy entry's `type:` names. A validated policy only names known types, so
 * an unknown name is reported as a policy problem rather than skipped: skipping a rule is a silent pass.
 */
export function ruleTypeByName(name: string): RuleType {
  const rule = byName.get(name);
  if (!rule) {
    throw new PolicyValidationError(
      `unknown rule type "${name}"; known types: ${RULE_TYPE_NAMES.join(', ')}`,
    );
  }
  return rule;
}
