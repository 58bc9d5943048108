import type { CloneRecord } from '../../shared/model/clone-record.js';
import type { InUseIndex } from '../../shared/prune/protection.js';

/** NOW for every prune test: 2026-06-15T12:00:00Z. */
export const NOW = new Date('2026-06-15T12:00:00.000Z');

export function anImage(overrides: Partial<CloneRecord> = {}): CloneRecord {
  return {
    kind: 'image',
    id: 'ami-0aaaaaaaaaaaaaaa1',
    region: 'eu-west-3',
    ownerId: '123456789012',
    createdAt: '2026-06-01T00:00:00.000Z',
    state: 'available',
    sizeGiB: 15,
    tags: {},
    backingSnapshotIds: ['snap-0bbbbbbbbbbbbbbb1'],
    ...overrides,
  };
}

export function aSnapshot(overrides: Partial<CloneRecord> = {}): CloneRecord {
  return {
    kind: 'snapshot',
    id: 'snap-0ccccccccccccccc1',
    region: 'eu-west-3',
    ownerId: '123456789012',
    createdAt: '2026-06-01T00:00:00.000Z',
    state: 'completed',
    sizeGiB: 8,
    tags: {},
    backingSnapshotIds: [],
    volumeId: 'vol-0ddddddddddddddd1',
    ...overrides,
  };
}

export function anIndex(overrides: Partial<InUseIndex> = {}): InUseIndex {
  return {
    imagesUsedByInstances: new Set(),
    registeredImages: new Set(),
    backingSnapshots: new Set(),
    unresolvedTemplateImages: 0,
    exemptIds: new Set(),
    ...overrides,
  };
}
