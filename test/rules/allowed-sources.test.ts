import { describe, expect, it } from 'vitest';
import type { SourceFact } from '../../shared/model/types.js';
import { allowedSourcesRule } from '../../shared/rules/allowed-sources.js';
import {
  imageSource,
  instanceSource,
  PLATFORM_ROLE,
  ruleInput,
  snapshotSource,
} from '../support/rule-input.js';

const opts = {
  sourceTags: { DataClass: ['public', 'internal'] },
  allowPrincipals: [] as string[],
};
const withSource = (source: SourceFact | undefined) => ruleInput({ facts: { source } });

describe('Rule: allowed-sources', () => {
  it('passes a source carrying an allowed label, and records it', () => {
    // Act
    const outcome = allowedSourcesRule.evaluate(
      opts,
      withSource(instanceSource({ tags: { DataClass: 'internal', Other: 'x' } })),
    );

    // Assess
    expect(outcome).toEqual({ violations: [], sourceLabels: { DataClass: 'internal' } });
  });

  it('refuses a source without the label: removing a label never opens the door', () => {
    // Act
    const outcome = allowedSourcesRule.evaluate(opts, withSource(instanceSource({ tags: {} })));

    // Assess
    expect(outcome).toEqual({
      violations: ['source i-0aaaaaaaaaaaaaaa1 has no DataClass label (allowed: public, internal)'],
      sourceLabels: {},
    });
  });

  it('refuses a source labelled with another value, and records the value as it was', () => {
    // Act
    const outcome = allowedSourcesRule.evaluate(
      opts,
      withSource(instanceSource({ tags: { DataClass: 'secret' } })),
    );

    // Assess
    expect(outcome).toEqual({
      violations: ['source i-0aaaaaaaaaaaaaaa1 is labelled DataClass=secret; allowed: public, internal'],
      sourceLabels: { DataClass: 'secret' },
    });
  });

  it('matches values exactly: a look-alike value is refused', () => {
    // Act
    const outcome = allowedSourcesRule.evaluate(
      opts,
      withSource(instanceSource({ tags: { DataClass: 'public ' } })),
    );

    // Assess
    expect(outcome.violations).toHaveLength(1);
  });

  it('needs every listed label', () => {
    // Prepare
    const both = { ...opts, sourceTags: { DataClass: ['public'], Team: ['web'] } };

    // Act
    const outcome = allowedSourcesRule.evaluate(
      both,
      withSource(instanceSource({ tags: { DataClass: 'public' } })),
    );

    // Assess
    expect(outcome.violations).toEqual(['source i-0aaaaaaaaaaaaaaa1 has no Team label (allowed: web)']);
  });

  it('refuses a source kind that is not listed', () => {
    // Prepare
    const onlyMachines = { ...opts, sourceKinds: ['instance' as const, 'volume' as const] };

    // Act
    const outcome = allowedSourcesRule.evaluate(
      onlyMachines,
      withSource(imageSource({ tags: { DataClass: 'public' } })),
    );

    // Assess
    expect(outcome).toEqual({
      violations: ['source image ami-0ccccccccccccccc1 may not be cloned: only instance, volume may be'],
    });
  });

  it('refuses a source that could not be read, and one the record does not name', () => {
    // Act
    const gone = allowedSourcesRule.evaluate(opts, withSource(snapshotSource({ found: false, tags: {} })));
    const unnamed = allowedSourcesRule.evaluate(opts, withSource(undefined));

    // Assess
    expect(gone.violations).toEqual([
      expect.stringContaining('could not be read (deleted, or in another account)'),
    ]);
    expect(unnamed.violations).toEqual([expect.stringContaining('the record does not name the source')]);
  });

  it('passes any source cloned by an allowed principal', () => {
    // Prepare
    const backup = { ...opts, allowPrincipals: [PLATFORM_ROLE.arn] };

    // Act
    const outcome = allowedSourcesRule.evaluate(backup, withSource(instanceSource({ tags: {} })));

    // Assess
    expect(outcome).toEqual({ violations: [] });
  });

  it('is not fooled by a label key that names an object property', () => {
    // Act
    const outcome = allowedSourcesRule.evaluate(
      { ...opts, sourceTags: { constructor: ['x'] } },
      withSource(instanceSource({ tags: {} })),
    );

    // Assess
    expect(outcome.violations).toEqual(['source i-0aaaaaaaaaaaaaaa1 has no constructor label (allowed: x)']);
  });
});
