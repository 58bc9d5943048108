import { describe, expect, it } from 'vitest';
import { requiredTagsRule } from '../../shared/rules/required-tags.js';
import { instanceSource, ruleInput } from '../support/rule-input.js';

// NOW is 2026-06-15T12:00:00Z.
const SPEC = {
  inheritFromSource: false,
  tags: {
    Owner: { pattern: '^[a-z0-9._-]+@example\\.com$' },
    CostCenter: { enum: ['cc-100', 'cc-200'] },
    Expiry: { date: true, maxDaysAhead: 90 },
  },
};
type Tags = Record<string, string>;
const GOOD_TAGS: Tags = { Owner: 'jane@example.com', CostCenter: 'cc-100', Expiry: '2026-07-01' };

describe('Rule: required-tags', () => {
  it.each<{ case: string; tags: Tags; requested: Tags }>([
    { case: 'all tags valid on the clone', tags: GOOD_TAGS, requested: {} },
    { case: 'tags requested at creation', tags: {}, requested: GOOD_TAGS },
    {
      case: 'tags split between the clone and the request',
      tags: { Owner: 'jane@example.com' },
      requested: { CostCenter: 'cc-200', Expiry: '2026-09-13' },
    },
    { case: 'an Expiry of today', tags: { ...GOOD_TAGS, Expiry: '2026-06-15' }, requested: {} },
    {
      case: 'an Expiry as a full ISO timestamp',
      tags: { ...GOOD_TAGS, Expiry: '2026-08-01T00:00:00Z' },
      requested: {},
    },
  ])('passes with $case', ({ tags, requested }) => {
    // Prepare
    const input = ruleInput({ clone: { tags }, event: { requestedTags: { image: requested } } });

    // Act
    const outcome = requiredTagsRule.evaluate(SPEC, input);

    // Assess
    expect(outcome).toEqual({ violations: [] });
  });

  it.each<{ case: string; tags: Tags; expected: string[] }>([
    {
      case: 'a missing tag',
      tags: { Owner: 'jane@example.com', CostCenter: 'cc-100' },
      expected: ['missing required tag Expiry'],
    },
    {
      case: 'a value outside the enum',
      tags: { ...GOOD_TAGS, CostCenter: 'cc-999' },
      expected: ['tag CostCenter=cc-999 is not one of cc-100, cc-200'],
    },
    {
      case: 'a value not matching the pattern',
      tags: { ...GOOD_TAGS, Owner: 'jane@evil.com' },
      expected: ['tag Owner=jane@evil.com does not match ^[a-z0-9._-]+@example\\.com$'],
    },
    {
      case: 'a padded value that is otherwise valid',
      tags: { ...GOOD_TAGS, CostCenter: '  cc-100' },
      expected: ['tag CostCenter has leading/trailing whitespace'],
    },
    {
      case: 'a padded value that is also invalid',
      tags: { ...GOOD_TAGS, CostCenter: ' Quuz ' },
      expected: [
        'tag CostCenter has leading/trailing whitespace',
        'tag CostCenter=Quuz is not one of cc-100, cc-200',
      ],
    },
    { case: 'an empty value', tags: { ...GOOD_TAGS, Owner: '' }, expected: ['tag Owner is empty'] },
    { case: 'a blank value', tags: { ...GOOD_TAGS, Owner: '   ' }, expected: ['tag Owner is empty'] },
    {
      case: 'an Expiry in the past',
      tags: { ...GOOD_TAGS, Expiry: '2020-01-01' },
      expected: ['tag Expiry=2020-01-01 is in the past'],
    },
    {
      case: 'an Expiry of yesterday',
      tags: { ...GOOD_TAGS, Expiry: '2026-06-14' },
      expected: ['tag Expiry=2026-06-14 is in the past'],
    },
    {
      case: 'an Expiry too far ahead',
      tags: { ...GOOD_TAGS, Expiry: '2027-01-01' },
      expected: ['tag Expiry=2027-01-01 is 200 days ahead, more than the maximum of 90'],
    },
    {
      case: 'an Expiry that is not a date',
      tags: { ...GOOD_TAGS, Expiry: 'next week' },
      expected: ['tag Expiry=next week is not a date (use YYYY-MM-DD)'],
    },
    {
      case: 'an impossible calendar date',
      tags: { ...GOOD_TAGS, Expiry: '2026-02-31' },
      expected: ['tag Expiry=2026-02-31 is not a date (use YYYY-MM-DD)'],
    },
  ])('reports $case', ({ tags, expected }) => {
    // Prepare
    const input = ruleInput({ clone: { tags } });

    // Act
    const outcome = requiredTagsRule.evaluate(SPEC, input);

    // Assess
    expect(outcome.violations).toEqual(expected);
    expect(outcome.inheritTags).toBeUndefined();
  });

  it('treats an empty spec as "present with any non-empty value"', () => {
    // Prepare
    const options = { inheritFromSource: false, tags: { Project: {} } };

    // Act
    const present = requiredTagsRule.evaluate(options, ruleInput({ clone: { tags: { Project: 'x' } } }));
    const absent = requiredTagsRule.evaluate(options, ruleInput({ clone: { tags: { project: 'x' } } }));

    // Assess
    expect(present.violations).toEqual([]);
    expect(absent.violations).toEqual(['missing required tag Project']);
  });

  it('uses the tags requested for the clone kind only', () => {
    // Prepare
    const input = ruleInput({
      clone: { kind: 'snapshot', id: 'snap-0fffffffffffffff1' },
      event: { requestedTags: { image: { Project: 'x' } } },
    });

    // Act
    const outcome = requiredTagsRule.evaluate({ inheritFromSource: false, tags: { Project: {} } }, input);

    // Assess
    expect(outcome.violations).toEqual(['missing required tag Project']);
  });

  it('checks the clone value, not the requested one, when both exist', () => {
    // Prepare
    const input = ruleInput({
      clone: { tags: { ...GOOD_TAGS, CostCenter: 'cc-999' } },
      event: { requestedTags: { image: { CostCenter: 'cc-100' } } },
    });

    // Act
    const outcome = requiredTagsRule.evaluate(SPEC, input);

    // Assess
    expect(outcome.violations).toEqual(['tag CostCenter=cc-999 is not one of cc-100, cc-200']);
  });

  describe('with inheritFromSource', () => {
    const inheriting = { ...SPEC, inheritFromSource: true };

    it('inherits valid values from the source instead of reporting them', () => {
      // Prepare
      const source = instanceSource({
        tags: { Owner: 'ops@example.com', CostCenter: 'cc-200', Name: 'web' },
      });
      const input = ruleInput({ clone: { tags: { Expiry: '2026-07-01' } }, facts: { source } });

      // Act
      const outcome = requiredTagsRule.evaluate(inheriting, input);

      // Assess
      expect(outcome).toEqual({
        violations: [],
        inheritTags: { Owner: 'ops@example.com', CostCenter: 'cc-200' },
      });
    });

    it('does not inherit an invalid source value, and says why', () => {
      // Prepare
      const source = instanceSource({
        id: 'i-0123456789abcdef0',
        tags: { Owner: 'ops@example.com', CostCenter: 'cc-999' },
      });
      const input = ruleInput({ clone: { tags: { Expiry: '2026-07-01' } }, facts: { source } });

      // Act
      const outcome = requiredTagsRule.evaluate(inheriting, input);

      // Assess
      expect(outcome.violations).toEqual([
        'missing required tag CostCenter (not inherited from source i-0123456789abcdef0: tag CostCenter=cc-999 is not one of cc-100, cc-200)',
      ]);
      expect(outcome.inheritTags).toEqual({ Owner: 'ops@example.com' });
    });

    it('reports a tag the source lacks too', () => {
      // Prepare
      const source = instanceSource({ id: 'i-0123456789abcdef0', tags: {} });
      const input = ruleInput({
        clone: { tags: { Owner: 'ops@example.com', CostCenter: 'cc-100' } },
        facts: { source },
      });

      // Act
      const outcome = requiredTagsRule.evaluate(inheriting, input);

      // Assess
      expect(outcome.violations).toEqual([
        'missing required tag Expiry (source i-0123456789abcdef0 does not have it either)',
      ]);
    });

    it.each([
      {
        case: 'the source was not found',
        source: instanceSource({ id: 'i-0123456789abcdef0', found: false, tags: { Expiry: '2026-07-01' } }),
      },
      { case: 'the source facts are absent', source: undefined },
    ])('still reports the missing tag when $case: the clone lacks it either way', ({ source }) => {
      // Prepare
      const input = ruleInput({
        clone: { tags: { Owner: 'ops@example.com', CostCenter: 'cc-100' } },
        event: { source: { kind: 'instance', id: 'i-0123456789abcdef0', region: 'us-east-1' } },
        facts: { source },
      });

      // Act
      const outcome = requiredTagsRule.evaluate(inheriting, input);

      // Assess
      expect(outcome.violations).toEqual([
        'missing required tag Expiry (could not inherit it: source i-0123456789abcdef0 could not be read)',
      ]);
      expect(outcome.inheritTags).toBeUndefined();
    });
  });
});
