import { describe, expect, it } from 'vitest';
import {
  expiryInstant,
  type PruneSettings,
  pruneAfterDate,
  pruneAfterInstant,
  pruneCandidacy,
} from '../../shared/prune/prune-reasons.js';
import { anImage, aSnapshot, NOW } from './clone-records.js';

const SETTINGS: PruneSettings = {
  dryRun: true,
  graceDays: 7,
  expiryTag: 'Expiry',
  maxAgeDays: { image: 365, snapshot: 90 },
  maxQuarantineDays: 30,
  pricePerGbMonth: 0.05,
};

describe('Prune: expiry and mark dates', () => {
  it.each([
    { value: '2026-01-10', expected: '2026-01-11T00:00:00.000Z' },
    { value: ' 2026-06-15 ', expected: '2026-06-16T00:00:00.000Z' },
    { value: '2026-06-15T08:30:00Z', expected: '2026-06-15T08:30:00.000Z' },
    { value: '2026-06-15T10:30:00+02:00', expected: '2026-06-15T08:30:00.000Z' },
    { value: '2026-02-30', expected: undefined },
    { value: 'next week', expected: undefined },
    { value: '2026', expected: undefined },
    { value: '', expected: undefined },
  ])('reads expiry $value as $expected', ({ value, expected }) => {
    // Act
    const at = expiryInstant(value);

    // Assess
    expect(at?.toISOString()).toBe(expected);
  });

  it.each([
    { value: '2026-06-22', expected: '2026-06-22T00:00:00.000Z' },
    { value: '2026-06-22T06:00:00Z', expected: '2026-06-22T06:00:00.000Z' },
    { value: 'soon', expected: undefined },
    { value: undefined, expected: undefined },
  ])('reads prune-after $value as $expected', ({ value, expected }) => {
    // Act
    const at = pruneAfterInstant(value);

    // Assess
    expect(at?.toISOString()).toBe(expected);
  });

  it('writes a new mark as the date grace days from now', () => {
    // Act
    const date = pruneAfterDate(NOW, 7);

    // Assess
    expect(date).toBe('2026-06-22');
  });
});

describe('Prune: candidacy', () => {
  it.each([
    { case: 'a fresh, unlabelled snapshot', record: aSnapshot(), reasons: [] },
    { case: 'an expiry in the future', record: aSnapshot({ tags: { Expiry: '2026-07-01' } }), reasons: [] },
    {
      case: 'an expiry of today (the day is not over)',
      record: aSnapshot({ tags: { Expiry: '2026-06-15' } }),
      reasons: [],
    },
    {
      case: 'an expiry of yesterday',
      record: aSnapshot({ tags: { Expiry: '2026-06-14' } }),
      reasons: ['expired'],
    },
    {
      case: 'an ISO expiry an hour ago',
      record: anImage({ tags: { Expiry: '2026-06-15T11:00:00Z' } }),
      reasons: ['expired'],
    },
    {
      case: 'a snapshot older than 90 days',
      record: aSnapshot({ createdAt: '2026-03-01T00:00:00.000Z' }),
      reasons: ['max-age'],
    },
    {
      case: 'an image of the same age (its limit is 365 days)',
      record: anImage({ createdAt: '2026-03-01T00:00:00.000Z' }),
      reasons: [],
    },
    {
      case: 'expired and too old',
      record: aSnapshot({ createdAt: '2025-01-01T00:00:00.000Z', tags: { Expiry: '2025-02-01' } }),
      reasons: ['expired', 'max-age'],
    },
    {
      case: 'quarantined since creation 45 days ago',
      record: anImage({
        createdAt: '2026-05-01T00:00:00.000Z',
        tags: { 'clonewarden:status': 'quarantined' },
      }),
      reasons: ['quarantine-too-long'],
    },
    {
      case: 'quarantined, created long ago but verdict (created-at) recent',
      record: anImage({
        createdAt: '2026-01-01T00:00:00.000Z',
        tags: { 'clonewarden:status': 'quarantined', 'clonewarden:created-at': '2026-06-01T00:00:00Z' },
      }),
      reasons: [],
    },
    {
      case: 'quarantined for 10 days',
      record: anImage({
        createdAt: '2026-06-05T00:00:00.000Z',
        tags: { 'clonewarden:status': 'quarantined' },
      }),
      reasons: [],
    },
  ])('finds $reasons for $case', ({ record, reasons }) => {
    // Act
    const candidacy = pruneCandidacy(record, SETTINGS, NOW);

    // Assess
    expect(candidacy.reasons).toEqual(reasons);
  });

  it('ignores quarantine age when maxQuarantineDays is not set', () => {
    // Prepare
    const record = anImage({
      createdAt: '2026-01-01T00:00:00.000Z',
      tags: { 'clonewarden:status': 'quarantined' },
    });

    // Act
    const candidacy = pruneCandidacy(record, { ...SETTINGS, maxQuarantineDays: undefined }, NOW);

    // Assess
    expect(candidacy.reasons).toEqual([]);
  });

  it('ignores age when the policy sets no maximum for the kind', () => {
    // Prepare
    const record = aSnapshot({ createdAt: '2020-01-01T00:00:00.000Z' });

    // Act
    const candidacy = pruneCandidacy(record, { ...SETTINGS, maxAgeDays: {} }, NOW);

    // Assess
    expect(candidacy.reasons).toEqual([]);
  });

  it('reads the expiry tag the policy names, and notes one that is not a date', () => {
    // Prepare
    const settings = { ...SETTINGS, expiryTag: 'DeleteAfter' };

    // Act
    const named = pruneCandidacy(
      aSnapshot({ tags: { DeleteAfter: '2026-01-01', Expiry: '2099-01-01' } }),
      settings,
      NOW,
    );
    const garbage = pruneCandidacy(aSnapshot({ tags: { DeleteAfter: 'whenever' } }), settings, NOW);

    // Assess
    expect(named.reasons).toEqual(['expired']);
    expect(garbage).toEqual({
      reasons: [],
      notes: ['DeleteAfter tag is not a date (YYYY-MM-DD or ISO 8601)'],
    });
  });
});
