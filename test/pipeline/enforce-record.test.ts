import { describe, expect, it, vi } from 'vitest';
import type { CloneActions } from '../../shared/aws/ec2-clone-actions.js';
import type { CloneFactsReader } from '../../shared/aws/ec2-clone-facts.js';
import type { ShareFactsReader } from '../../shared/aws/ec2-share-facts.js';
import type { AlertPublisher } from '../../shared/aws/sns-alert-publisher.js';
import { CloneNotVisibleError } from '../../shared/model/errors.js';
import type { EnforcerLog } from '../../shared/model/log.js';
import type { CloneFacts } from '../../shared/model/types.js';
import type { EnforceContext } from '../../shared/pipeline/enforce-context.js';
import { enforceRecord } from '../../shared/pipeline/enforce-record.js';
import { parsePolicy } from '../../shared/policy/load-policy.js';
import { inEnvelope, loadFixture } from '../events/fixtures.js';
import { instanceSource, NOW } from '../support/rule-input.js';

/** The fixture `create-image-assumed-role`: PlatformEngineer images i-0a4f2c9e81b3d5e67. */
const FIXTURE_IMAGE = 'ami-0c2b4d6f8a1e3c5b7';
const FIXTURE_INSTANCE = 'i-0a4f2c9e81b3d5e67';
const FIXTURE_EVENT_ID = '7d1e5a3c-2b4f-4e6a-9c8d-1f2e3a4b5c6d';
const ENFORCER_ROLE = 'arn:aws:iam::*:role/clonewarden-enforcer-*';

const POLICY_YAML = `
version: 1
rules:
  - id: clone-depth
    type: max-generation
    severity: high
    action: quarantine
    max: 2
`;

function compliantFacts(): CloneFacts {
  return {
    clones: [{ kind: 'image', id: FIXTURE_IMAGE, region: 'us-east-1', tags: {}, backingSnapshotIds: [] }],
    source: instanceSource({ id: FIXTURE_INSTANCE }),
    gaps: [],
  };
}

/** A context whose adapters are hand-written fakes that record every call. */
function aContext(overrides: { facts?: CloneFactsReader['collect']; enforcerPrincipals?: string[] } = {}) {
  const facts = { collect: vi.fn(overrides.facts ?? (async () => compliantFacts())) };
  const actions = {
    tag: vi.fn<CloneActions['tag']>(async () => {}),
    quarantineImage: vi.fn<CloneActions['quarantineImage']>(async () => ({ removedShares: [], skipped: [] })),
    quarantineSnapshot: vi.fn<CloneActions['quarantineSnapshot']>(async () => ({
      removedShares: [],
      skipped: [],
    })),
    revokeShares: vi.fn<CloneActions['revokeShares']>(async () => []),
  };
  const shareFacts = { collect: vi.fn<ShareFactsReader['collect']>() };
  const alerts = { publish: vi.fn<AlertPublisher['publish']>(async () => 'message-1') };
  const log: EnforcerLog = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const counts: Record<string, number> = {};
  const metrics = {
    count: vi.fn((name: string, value = 1) => {
      counts[name] = (counts[name] ?? 0) + value;
    }),
  };
  const context: EnforceContext = {
    policy: parsePolicy(POLICY_YAML),
    dryRun: false,
    topicArn: 'arn:aws:sns:us-east-1:210987654321:clonewarden-alerts',
    enforcerPrincipals: overrides.enforcerPrincipals ?? [ENFORCER_ROLE],
    facts,
    shareFacts,
    actions,
    alerts,
    log,
    metrics,
    now: () => NOW,
  };
  const adapterCalls = () =>
    facts.collect.mock.calls.length +
    actions.tag.mock.calls.length +
    actions.quarantineImage.mock.calls.length +
    actions.quarantineSnapshot.mock.calls.length +
    actions.revokeShares.mock.calls.length +
    shareFacts.collect.mock.calls.length +
    alerts.publish.mock.calls.length;
  return { context, facts, actions, alerts, counts, adapterCalls };
}

describe('Pipeline: enforceRecord', () => {
  it('parses, collects facts, evaluates and tags a compliant CreateImage', async () => {
    // Prepare
    const { context, facts, actions, alerts, counts } = aContext();
    const record = loadFixture('create-image-assumed-role');

    // Act
    const verdict = await enforceRecord(record, context);

    // Assess
    expect(verdict).toMatchObject({
      eventId: FIXTURE_EVENT_ID,
      status: 'compliant',
      resources: [FIXTURE_IMAGE],
    });
    expect(facts.collect).toHaveBeenCalledWith(
      expect.objectContaining({ eventId: FIXTURE_EVENT_ID, clones: [{ kind: 'image', id: FIXTURE_IMAGE }] }),
    );
    expect(actions.tag).toHaveBeenCalledWith(
      'us-east-1',
      [FIXTURE_IMAGE],
      expect.objectContaining({ 'clonewarden:status': 'compliant' }),
    );
    expect(alerts.publish).not.toHaveBeenCalled();
    expect(counts).toEqual({ EventsEnforced: 1, Verdict_compliant: 1 });
  });

  it.each([
    { case: 'a string', input: 'garbage' },
    { case: 'a number', input: 42 },
    { case: 'null', input: null },
    { case: 'an array', input: [] },
    { case: 'an empty object', input: {} },
    { case: 'a broken envelope', input: { detail: 'x', 'detail-type': 7 } },
  ])('rejects $case with a reason, calls no adapter and counts EventsRejected', async ({ input }) => {
    // Prepare
    const { context, counts, adapterCalls } = aContext();

    // Act
    const verdict = await enforceRecord(structuredClone(input), context);

    // Assess
    expect(verdict.status).toBe('rejected');
    expect(verdict.reason).toEqual(expect.any(String));
    expect(verdict.reason!.length).toBeGreaterThan(0);
    expect(verdict.actions).toEqual([]);
    expect(adapterCalls()).toBe(0);
    expect(counts).toEqual({ EventsRejected: 1 });
  });

  it.each([
    {
      case: 'a call that failed (errorCode)',
      input: () => ({
        ...loadFixture('create-image-assumed-role'),
        errorCode: 'Client.UnauthorizedOperation',
      }),
      reason: /errorCode Client\.UnauthorizedOperation/,
    },
    {
      case: 'a dry-run call',
      input: () => ({ ...loadFixture('create-image-assumed-role'), errorCode: 'Client.DryRunOperation' }),
      reason: /dry-run call/,
    },
    {
      case: "the enforcer's own call",
      input: () => {
        const record = loadFixture('create-image-assumed-role');
        record.userIdentity.sessionContext.sessionIssuer.arn =
          'arn:aws:iam::210987654321:role/clonewarden-enforcer-us-east-1';
        return record;
      },
      reason: /enforcer itself/,
    },
    {
      case: "the enforcer's own call in an EventBridge envelope",
      input: () => {
        const record = loadFixture('create-image-assumed-role');
        record.userIdentity.sessionContext.sessionIssuer.arn =
          'arn:aws:iam::210987654321:role/clonewarden-enforcer-us-east-1';
        return inEnvelope(record);
      },
      reason: /enforcer itself/,
    },
  ])('skips $case without calling any adapter', async ({ input, reason }) => {
    // Prepare
    const { context, counts, adapterCalls } = aContext();

    // Act
    const verdict = await enforceRecord(input(), context);

    // Assess
    expect(verdict).toMatchObject({ status: 'skipped', eventId: FIXTURE_EVENT_ID, eventName: 'CreateImage' });
    expect(verdict.reason).toMatch(reason);
    expect(adapterCalls()).toBe(0);
    expect(counts).toEqual({ EventsSkipped: 1 });
  });

  it('lets CloneNotVisibleError from the facts propagate, so that Lambda retries the event', async () => {
    // Prepare
    const notVisible = new CloneNotVisibleError(FIXTURE_IMAGE, 6, {
      region: 'us-east-1',
      account: '123456789012',
    });
    const { context, actions, alerts, counts } = aContext({
      facts: async () => {
        throw notVisible;
      },
    });

    // Act
    const enforcing = enforceRecord(loadFixture('create-image-assumed-role'), context);

    // Assess
    await expect(enforcing).rejects.toBe(notVisible);
    expect(actions.tag).not.toHaveBeenCalled();
    expect(alerts.publish).not.toHaveBeenCalled();
    expect(counts).toEqual({});
  });
});
