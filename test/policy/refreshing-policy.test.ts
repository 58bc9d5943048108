import { describe, expect, it, vi } from 'vitest';
import type { PolicyDocument } from '../../shared/aws/policy-documents.js';
import { PolicyValidationError } from '../../shared/model/errors.js';
import { type PolicyRejection, RefreshingPolicy } from '../../shared/policy/refreshing-policy.js';

const VALID = (max: number) =>
  `version: 1\nrules:\n  - { id: depth, type: max-generation, severity: high, action: quarantine, max: ${max} }\n`;
const INVALID =
  'version: 1\nrules:\n  - { id: depth, type: max-generation, severity: high, action: quarantine, max: -1 }\n';
const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };

/** A store whose document the test replaces, and a clock the test moves. */
function setup() {
  const store: { document: PolicyDocument | Error } = { document: { text: VALID(2), version: '"e1"' } };
  let now = 0;
  const rejections: PolicyRejection[] = [];
  const reader = {
    origin: 's3://policies/clonewarden.yml',
    read: vi.fn(async () => {
      if (store.document instanceof Error) throw store.document;
      return store.document;
    }),
  };
  const policy = new RefreshingPolicy(reader, {
    refreshMs: 60_000,
    log,
    now: () => now,
    onRejected: async (rejection) => {
      rejections.push(rejection);
    },
  });
  return { store, reader, policy, rejections, advance: (ms: number) => (now += ms) };
}

const maxOf = (policy: { rules: unknown[] }) => (policy.rules[0] as { max: number }).max;

describe('Policy: RefreshingPolicy', () => {
  it('reads once per refresh period and takes a valid update', async () => {
    // Prepare
    const { store, reader, policy, advance } = setup();

    // Act
    const first = await policy.current();
    store.document = { text: VALID(5), version: '"e2"' };
    const cached = await policy.current();
    advance(60_000);
    const updated = await policy.current();

    // Assess
    expect([maxOf(first), maxOf(cached), maxOf(updated)]).toEqual([2, 2, 5]);
    expect(reader.read).toHaveBeenCalledTimes(2);
  });

  it('keeps the last good policy on an invalid update and reports each bad version once', async () => {
    // Prepare
    const { store, policy, rejections, advance } = setup();
    await policy.current();

    // Act: the same bad version seen three times, then another bad version.
    store.document = { text: INVALID, version: '"bad1"' };
    const kept = [];
    for (let look = 0; look < 3; look++) {
      advance(60_000);
      kept.push(maxOf(await policy.current()));
    }
    store.document = { text: `${INVALID}# again\n`, version: '"bad2"' };
    advance(60_000);
    kept.push(maxOf(await policy.current()));

    // Assess
    expect(kept).toEqual([2, 2, 2, 2]);
    expect(rejections.map((r) => [r.version, r.keptVersion])).toEqual([
      ['"bad1"', '"e1"'],
      ['"bad2"', '"e1"'],
    ]);
    expect(rejections[0]?.problems).toEqual(['rules[0].max: expected a positive integer (line 3)']);
  });

  it('fails loudly when the first read is invalid, and keeps the good policy when a later read fails', async () => {
    // Prepare
    const bad = setup();
    bad.store.document = { text: INVALID, version: '"bad"' };
    const flaky = setup();
    await flaky.policy.current();
    flaky.store.document = new Error('SlowDown');
    flaky.advance(60_000);

    // Act / Assess
    await expect(bad.policy.current()).rejects.toBeInstanceOf(PolicyValidationError);
    expect(maxOf(await flaky.policy.current())).toBe(2);
  });
});
