import { describe, expect, it } from 'vitest';
import {
  governingOf,
  isQuarantinedInLedger,
  LEDGER_HISTORY_LIMIT,
  type LedgerItem,
  mirrorTags,
  parseLedgerItem,
  quarantinedSince,
  tagsDisagreeing,
  trustOnFirstUse,
  withChange,
} from '../../shared/model/ledger-item.js';

const ITEM: LedgerItem = {
  pk: '123456789012#eu-west-1',
  id: 'ami-0123456789abcdef0',
  account: '123456789012',
  region: 'eu-west-1',
  kind: 'image',
  version: 1,
  status: 'quarantined',
  lineage: {
    source: 'i-0123456789abcdef0',
    parent: 'i-0123456789abcdef0',
    root: 'i-0123456789abcdef0',
    generation: 1,
  },
  createdBy: 'arn:aws:sts::123456789012:assumed-role/Dev/eve',
  createdAt: '2026-01-01T00:00:00Z',
  eventId: 'event-1',
  origin: 'event',
  ruleIds: ['who-may-clone'],
  quarantineShares: ['u=444455556666', 'snap-0123456789abcdef0:g=all'],
  backingSnapshotIds: ['snap-0123456789abcdef0'],
  history: [{ at: '2026-01-01T00:00:00Z', status: 'quarantined', eventId: 'event-1' }],
};

describe('Model: the ledger item', () => {
  it('fits its own schema', () => {
    expect(parseLedgerItem(ITEM)).toEqual(ITEM);
  });

  it('raises the version on every change and keeps only the latest history entries', () => {
    // Act
    let item = ITEM;
    for (let i = 0; i < LEDGER_HISTORY_LIMIT + 5; i++) {
      item = withChange(item, { eventId: `e${i}`, at: '2026-01-02T00:00:00Z', note: `change ${i}` });
    }

    // Assess
    expect(item.version).toBe(ITEM.version + LEDGER_HISTORY_LIMIT + 5);
    expect(item.history).toHaveLength(LEDGER_HISTORY_LIMIT);
    expect(item.history.at(-1)!.note).toBe(`change ${LEDGER_HISTORY_LIMIT + 4}`);
  });

  it('adds no history line for a change that moves nothing and says nothing', () => {
    expect(withChange(ITEM, { eventId: 'e', at: 'x', set: { pruneAfter: '2026-02-01' } }).history).toEqual(
      ITEM.history,
    );
  });

  it('dates a quarantine from the start of its latest run in the history', () => {
    const item = withChange(
      withChange(ITEM, { status: 'exempt', eventId: 'r', at: '2026-01-05T00:00:00Z' }),
      {
        status: 'quarantined',
        eventId: 'q',
        at: '2026-01-09T00:00:00Z',
      },
    );
    expect(quarantinedSince(item)).toBe('2026-01-09T00:00:00Z');
    expect(quarantinedSince({ ...item, status: 'exempt' })).toBeUndefined();
  });

  it('mirrors the item into tags: the image its own shares, a disk its own, no prune mark on a disk', () => {
    // Act
    const image = mirrorTags({ ...ITEM, pruneAfter: '2026-03-01' });
    const disk = mirrorTags({ ...ITEM, pruneAfter: '2026-03-01' }, 'snap-0123456789abcdef0');

    // Assess
    expect(image).toMatchObject({
      'clonewarden:status': 'quarantined',
      'clonewarden:violations': 'who-may-clone',
      'clonewarden:quarantine-shares': 'u=444455556666',
      'clonewarden:prune-after': '2026-03-01',
    });
    expect(disk['clonewarden:quarantine-shares']).toBe('g=all');
    expect(disk['clonewarden:prune-after']).toBeUndefined();
  });

  it('names every guarded tag that disagrees: changed, added by a forger, or removed', () => {
    // Prepare
    const tags = {
      ...mirrorTags(ITEM),
      'clonewarden:status': 'exempt',
      'clonewarden:quarantine-shares': 'u=444455556666 u=999988887777',
      'clonewarden:prune-after': '2026-01-01',
      Owner: 'eve@example.com',
    };
    delete (tags as Record<string, string>)['clonewarden:generation'];

    // Act
    const keys = tagsDisagreeing(ITEM, tags).map((d) => d.key);

    // Assess
    expect(keys).toEqual([
      'clonewarden:generation',
      'clonewarden:prune-after',
      'clonewarden:quarantine-shares',
      'clonewarden:status',
    ]);
    expect(tagsDisagreeing(ITEM, mirrorTags(ITEM))).toEqual([]);
  });

  it('takes a tagged clone in on trust, saying so in its history', () => {
    // Act
    const item = trustOnFirstUse(
      {
        account: '123456789012',
        region: 'eu-west-1',
        id: 'snap-0aaaaaaaaaaaaaaa1',
        kind: 'snapshot',
        tags: {
          'clonewarden:status': 'quarantined',
          'clonewarden:generation': '2',
          'clonewarden:quarantine-shares': 'u=444455556666',
          'clonewarden:violations': 'a,b,+3',
        },
        backingSnapshotIds: [],
      },
      '2026-02-01T00:00:00Z',
    );

    // Assess
    expect(parseLedgerItem(item)).toEqual(item);
    expect(item).toMatchObject({
      origin: 'trust-on-first-use',
      status: 'quarantined',
      lineage: { generation: 2 },
      ruleIds: ['a', 'b'],
      quarantineShares: ['u=444455556666'],
    });
    expect(item.history[0]!.note).toMatch(/trusted on first use/);
    expect(isQuarantinedInLedger(item)).toBe(true);
    expect(isQuarantinedInLedger(undefined)).toBe(false);
  });

  it("decides a clone by its own quarantine first, then an image's quarantine, then its own item", () => {
    const disk = { ...ITEM, id: 'snap-0123456789abcdef0', kind: 'snapshot' as const };
    const ownOpen = { ...disk, status: 'compliant' as const };
    const image = { ...ITEM, status: 'compliant' as const };
    const quarantinedImage = { ...ITEM, id: 'ami-0fedcba9876543210' };
    const closedImage = { ...quarantinedImage, status: 'closed' as const };
    expect(governingOf(disk, [quarantinedImage])).toBe(disk);
    expect(governingOf(ownOpen, [image, quarantinedImage])).toBe(quarantinedImage);
    expect(governingOf(ownOpen, [image])).toBe(ownOpen);
    expect(governingOf(undefined, [image, quarantinedImage])).toBe(quarantinedImage);
    expect(governingOf(undefined, [image])).toBe(image);
    // A closed image no longer speaks for its disks.
    expect(governingOf(ownOpen, [closedImage])).toBe(ownOpen);
    expect(governingOf(undefined, [closedImage])).toBeUndefined();
  });
});
