import { describe, expect, it } from 'vitest';
import type { SourceFact } from '../../shared/model/types.js';
import { maxSourceAgeRule } from '../../shared/rules/max-source-age.js';
import {
  imageSource,
  instanceSource,
  ruleInput,
  snapshotSource,
  volumeSource,
} from '../support/rule-input.js';

// NOW is 2026-06-15T12:00:00Z.
describe('Rule: max-source-age', () => {
  it.each([
    {
      case: 'a recent source image',
      eventName: 'CopyImage',
      source: imageSource({ createdAt: '2026-06-01T00:00:00.000Z' }),
    },
    {
      case: 'an image exactly at the limit',
      eventName: 'CopyImage',
      source: imageSource({ createdAt: '2026-05-16T12:00:00.000Z' }),
    },
    {
      case: 'a recent snapshot',
      eventName: 'CopySnapshot',
      source: snapshotSource({ createdAt: '2026-05-20T00:00:00Z' }),
    },
    {
      case: 'an instance source (its origin age says nothing of its disks)',
      eventName: 'CreateImage',
      source: instanceSource(),
    },
    { case: 'a volume source', eventName: 'CreateSnapshot', source: volumeSource() },
  ])('passes $case', ({ eventName, source }) => {
    // Prepare
    const input = ruleInput({ event: { eventName }, facts: { source: source as SourceFact } });

    // Act
    const outcome = maxSourceAgeRule.evaluate({ days: 30 }, input);

    // Assess
    expect(outcome).toEqual({ violations: [] });
  });

  it.each([
    {
      case: 'an old image being copied',
      eventName: 'CopyImage',
      source: imageSource({ id: 'ami-0123456789abcdef0', createdAt: '2025-01-01T00:00:00.000Z' }),
      expected:
        'source ami-0123456789abcdef0 is 530 days old (created 2025-01-01T00:00:00.000Z), more than the maximum of 30',
    },
    {
      case: 'an old snapshot registered as an image',
      eventName: 'RegisterImage',
      source: snapshotSource({ id: 'snap-0123456789abcdef0', createdAt: '2026-05-16T11:59:59.000Z' }),
      expected:
        'source snap-0123456789abcdef0 is 30 days old (created 2026-05-16T11:59:59.000Z), more than the maximum of 30',
    },
  ])('reports $case', ({ eventName, source, expected }) => {
    // Prepare
    const input = ruleInput({ event: { eventName }, facts: { source } });

    // Act
    const outcome = maxSourceAgeRule.evaluate({ days: 30 }, input);

    // Assess
    expect(outcome.violations).toEqual([expected]);
  });

  it.each([
    {
      case: 'the creation date is unknown',
      source: imageSource({ id: 'ami-0123456789abcdef0', createdAt: undefined }),
      expected: 'creation date of source ami-0123456789abcdef0 is unknown: its age was not checked',
    },
    {
      case: 'the source is in another account',
      source: imageSource({ id: 'ami-0123456789abcdef0', found: false }),
      expected: 'source ami-0123456789abcdef0 could not be read: its age was not checked',
    },
  ])('reports an unknown when $case', ({ source, expected }) => {
    // Prepare
    const input = ruleInput({ event: { eventName: 'CopyImage' }, facts: { source } });

    // Act
    const outcome = maxSourceAgeRule.evaluate({ days: 30 }, input);

    // Assess
    expect(outcome).toEqual({ violations: [], unknowns: [expected] });
  });

  it('reports an unknown when the facts lack the source of a copy', () => {
    // Prepare
    const input = ruleInput({
      event: {
        eventName: 'CopySnapshot',
        source: { kind: 'snapshot', id: 'snap-0123456789abcdef0', region: 'eu-west-1' },
      },
      facts: { source: undefined },
    });

    // Act
    const outcome = maxSourceAgeRule.evaluate({ days: 30 }, input);

    // Assess
    expect(outcome).toEqual({
      violations: [],
      unknowns: ['source snap-0123456789abcdef0 could not be read: its age was not checked'],
    });
  });
});
