import { describe, expect, it } from 'vitest';
import { planClone } from '../../shared/prune/plan-clone.js';
import type { ProtectionOutcome } from '../../shared/prune/protection.js';
import type { PruneReason } from '../../shared/prune/prune-reasons.js';
import { aSnapshot, NOW } from './clone-records.js';

const marked = (date: string) => aSnapshot({ tags: { 'clonewarden:prune-after': date } });

describe('Prune: plan per clone', () => {
  it.each<{
    case: string;
    record: ReturnType<typeof aSnapshot>;
    reasons: PruneReason[];
    outcome: ProtectionOutcome;
    expected: object;
  }>([
    { case: 'not a candidate', record: aSnapshot(), reasons: [], outcome: {}, expected: { action: 'keep' } },
    {
      case: 'a new candidate',
      record: aSnapshot(),
      reasons: ['expired'],
      outcome: {},
      expected: { action: 'mark', pruneAfter: '2026-06-22' },
    },
    {
      case: 'marked, grace not over',
      record: marked('2026-06-20'),
      reasons: ['expired'],
      outcome: {},
      expected: { action: 'wait', pruneAfter: '2026-06-20' },
    },
    {
      case: 'marked, due today',
      record: marked('2026-06-15'),
      reasons: ['max-age'],
      outcome: {},
      expected: { action: 'delete', pruneAfter: '2026-06-15' },
    },
    {
      case: 'marked, due, but not provably unused',
      record: marked('2026-06-01'),
      reasons: ['expired'],
      outcome: { hold: 'unresolved-launch-templates' },
      expected: { action: 'held', pruneAfter: '2026-06-01' },
    },
    {
      case: 'marked, expiry extended since',
      record: marked('2026-06-01'),
      reasons: [],
      outcome: {},
      expected: { action: 'unmark' },
    },
    {
      case: 'marked, came into use since',
      record: marked('2026-06-01'),
      reasons: ['expired'],
      outcome: { protection: 'backs-image' },
      expected: { action: 'unmark' },
    },
    {
      case: 'a candidate in use, never marked',
      record: aSnapshot(),
      reasons: ['expired'],
      outcome: { protection: 'aws-backup' },
      expected: { action: 'protected' },
    },
    {
      case: 'a mark that is not a date (never read as "now")',
      record: marked('yesterday'),
      reasons: ['expired'],
      outcome: {},
      expected: { action: 'mark', pruneAfter: '2026-06-22' },
    },
  ])('plans $expected.action for $case', ({ record, reasons, outcome, expected }) => {
    // Act
    const plan = planClone(record, reasons, outcome, NOW, 7);

    // Assess
    expect(plan).toEqual(expected);
  });
});
