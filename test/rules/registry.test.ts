import { describe, expect, it } from 'vitest';
import { buildAlert } from '../../shared/actions/alert-message.js';
import { PolicyValidationError } from '../../shared/model/errors.js';
import { PolicySchema, policyJsonSchema, RULE_COMMON_FIELDS } from '../../shared/policy/schema.js';
import { findRuleType, RULE_TYPE_NAMES, RULE_TYPES, ruleTypeByName } from '../../shared/rules/registry.js';
import { aVerdict, aViolation, TOPIC_ARN } from '../support/verdict.js';

const policyWith = (rules: unknown[]) => ({ version: 1, rules });

describe('Registry: rule types', () => {
  it('has nine rule types with unique names', () => {
    // Act
    const names = RULE_TYPES.map((rule) => rule.type);

    // Assess
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([
      'required-tags',
      'allowed-principals',
      'max-generation',
      'healthy-source',
      'consistent-capture',
      'max-source-age',
      'required-encryption',
      'allowed-sources',
      'allowed-sharing',
    ]);
  });

  it.each(RULE_TYPES.map((rule) => ({ type: rule.type, rule })))(
    '$type: its example is a valid policy entry',
    ({ type, rule }) => {
      // Act
      const result = PolicySchema.safeParse(policyWith([rule.example]));

      // Assess
      expect(result.error?.issues ?? []).toEqual([]);
      expect(rule.example.type).toBe(type);
      expect(result.data?.rules[0]?.type).toBe(type);
    },
  );

  it.each(RULE_TYPES.map((rule) => ({ type: rule.type, rule })))(
    '$type: its options do not redefine the common fields',
    ({ rule }) => {
      // Act
      const clashes = Object.keys(rule.options).filter((key) => key in RULE_COMMON_FIELDS || key === 'type');

      // Assess
      expect(clashes).toEqual([]);
    },
  );

  it.each(RULE_TYPES.map((rule) => ({ type: rule.type, rule })))(
    '$type: has a one-line summary',
    ({ rule }) => {
      // Assess
      expect(rule.summary.length).toBeGreaterThan(20);
      expect(rule.summary).not.toContain('\n');
    },
  );

  it('accepts every registered type in one policy', () => {
    // Prepare
    const rules = RULE_TYPES.map((rule, index) => ({ ...rule.example, id: `rule-${index}` }));

    // Act
    const policy = PolicySchema.parse(policyWith(rules));

    // Assess
    expect(policy.rules.map((rule) => rule.type)).toEqual(RULE_TYPE_NAMES);
  });

  it('rejects an unknown option on each type', () => {
    // Prepare
    const rules = RULE_TYPES.map((rule, index) => ({ ...rule.example, id: `rule-${index}`, bogus: 1 }));

    // Act
    const result = PolicySchema.safeParse(policyWith(rules));

    // Assess
    const unknownKeys = (result.error?.issues ?? []).filter((issue) => issue.code === 'unrecognized_keys');
    expect(unknownKeys.map((issue) => issue.path)).toEqual(RULE_TYPES.map((_, index) => ['rules', index]));
  });

  it('looks rule types up by name', () => {
    // Act
    const rule = ruleTypeByName('max-generation');

    // Assess
    expect(rule.type).toBe('max-generation');
    expect(() => ruleTypeByName('max-generations')).toThrow(PolicyValidationError);
  });

  it.each(RULE_TYPES.map((rule) => ({ type: rule.type, rule })))(
    '$type: the registry line is all it takes: schema, fix hint and alert find it',
    ({ type, rule }) => {
      // Prepare
      const ids = 'ami-0abc1234def567890, snap-0123456789abcdef0';
      const verdict = aVerdict({ violations: [aViolation({ rule: 'my-rule', ruleType: type })] });

      // Act
      const hint = rule.fixHint(ids);
      const schemaText = JSON.stringify(policyJsonSchema());
      const alert = buildAlert(verdict, { topicArn: TOPIC_ARN, dryRun: false });
      const { email } = JSON.parse(alert.Message!) as { email: string };

      // Assess: the rule type's own file supplies everything an alert and a policy need.
      expect(findRuleType(type)).toBe(rule);
      expect(hint).toContain(ids);
      expect(hint).not.toContain('\n');
      expect(schemaText).toContain(JSON.stringify(type));
      expect(email).toContain(`my-rule: ${rule.fixHint('ami-0abc1234def567890')}`);
    },
  );

  it('finds no rule type for an unknown or missing name, without throwing', () => {
    // Act & Assess
    expect(findRuleType('max-generations')).toBeUndefined();
    expect(findRuleType(undefined)).toBeUndefined();
  });
});
