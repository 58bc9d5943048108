import { describe, expect, it } from 'vitest';
import { maxGenerationRule } from '../../shared/rules/max-generation.js';
import { ruleInput } from '../support/rule-input.js';

describe('Rule: max-generation', () => {
  it.each([
    { generation: 1, max: 1 },
    { generation: 2, max: 2 },
    { generation: 1, max: 3 },
  ])('passes generation $generation with a maximum of $max', ({ generation, max }) => {
    // Prepare
    const input = ruleInput({ lineage: { generation } });

    // Act
    const outcome = maxGenerationRule.evaluate({ max }, input);

    // Assess
    expect(outcome).toEqual({ violations: [] });
  });

  it.each([
    {
      case: 'a copy of a copy of a copy',
      lineage: { generation: 3, parent: 'ami-0000000000000002b', root: 'i-0000000000000000r' },
      max: 2,
      expected:
        'generation 3 exceeds the maximum of 2 (i-0000000000000000r → … → ami-0000000000000002b → ami-0fffffffffffffff1)',
    },
    {
      case: 'a copy of a first-generation clone',
      lineage: { generation: 2, parent: 'ami-0000000000000001a', root: 'i-0000000000000000r' },
      max: 1,
      expected:
        'generation 2 exceeds the maximum of 1 (i-0000000000000000r → ami-0000000000000001a → ami-0fffffffffffffff1)',
    },
  ])('reports $case, naming the generation, the maximum and the family', ({ lineage, max, expected }) => {
    // Prepare
    const input = ruleInput({ lineage });

    // Act
    const outcome = maxGenerationRule.evaluate({ max }, input);

    // Assess
    expect(outcome.violations).toEqual([expected]);
  });

  it('reports an unknown generation as unknown, not as a pass', () => {
    // Prepare
    const input = ruleInput({ lineage: { generation: Number.NaN } });

    // Act
    const outcome = maxGenerationRule.evaluate({ max: 2 }, input);

    // Assess
    expect(outcome.violations).toEqual([]);
    expect(outcome.unknowns).toEqual(['generation of ami-0fffffffffffffff1 is unknown: depth not checked']);
  });
});
