import { describe, expect, it, vi } from 'vitest';
import type { CloneActions } from '../../shared/aws/ec2-clone-actions.js';
import type { CloneFactsReader } from '../../shared/aws/ec2-clone-facts.js';
import type { CloneRecord } from '../../shared/model/clone-record.js';
import { parsePolicy } from '../../shared/policy/load-policy.js';
import { createReconciler, needsReconcile } from '../../shared/prune/reconcile-clone.js';

const IMAGE = 'ami-0fffffffffffffff1';
const DISK = 'snap-0fffffffffffffff1';
const NOW = new Date('2026-06-15T12:00:00Z');

const pendingDisks = (overrides: Partial<CloneRecord> = {}): CloneRecord => ({
  kind: 'image',
  id: IMAGE,
  region: 'us-east-1',
  createdAt: NOW.toISOString(),
  state: 'available',
  sizeGiB: 8,
  tags: { 'clonewarden:status': 'compliant', 'clonewarden:disks': 'pending' },
  backingSnapshotIds: [DISK],
  ...overrides,
});

describe('Prune: reconcile finishes images whose disks wait', () => {
  it('selects an available image marked clonewarden:disks=pending at once, not a pending or finished one', () => {
    // Assess
    expect(needsReconcile(pendingDisks(), NOW)).toBe(true);
    expect(needsReconcile(pendingDisks({ state: 'pending' }), NOW)).toBe(false);
    expect(
      needsReconcile(
        pendingDisks({ tags: { 'clonewarden:status': 'compliant', 'clonewarden:disks': 'done' } }),
        NOW,
      ),
    ).toBe(false);
  });

  it('labels the disks with the state-change step and confirms done, sending no alert', async () => {
    // Prepare
    const image = { ...pendingDisks(), tags: { ...pendingDisks().tags, Owner: 'jane' }, diskTags: {} };
    const facts: CloneFactsReader = {
      collect: vi.fn(),
      readImage: vi.fn(async () => ({ ...image, diskTags: undefined })),
      readDisks: vi.fn(async () => ({ ...image, diskTags: { [DISK]: {} } })),
    };
    const tag = vi.fn<CloneActions['tag']>(async () => {});
    const actions: CloneActions = {
      tag,
      quarantineImage: vi.fn(),
      quarantineSnapshot: vi.fn(),
      revokeShares: vi.fn(async () => []),
    };
    const policy = parsePolicy(
      'version: 1\nrules:\n  - { id: labels, type: required-tags, severity: low, action: tag, tags: { Owner: {} } }\n',
    );
    const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const reconciler = createReconciler({ policy, facts, actions, log, now: () => NOW, dryRun: false });

    // Act
    const verdict = await reconciler.reconcile(pendingDisks());

    // Assess
    expect(verdict).toMatchObject({ status: 'compliant', eventName: 'Reconcile', resources: [IMAGE, DISK] });
    expect(tag.mock.calls).toEqual([
      ['us-east-1', [DISK], { 'clonewarden:status': 'compliant', Owner: 'jane' }],
      ['us-east-1', [IMAGE], { 'clonewarden:disks': 'done' }],
    ]);
    expect(facts.collect).not.toHaveBeenCalled();
  });
});
