import { describe, expect, it, vi } from 'vitest';
import { records } from '../../scripts/lib/cloudtrail-records.js';
import type { CloneActions } from '../../shared/aws/ec2-clone-actions.js';
import type { CloneFactsReader } from '../../shared/aws/ec2-clone-facts.js';
import type { RestoreActions } from '../../shared/aws/ec2-restore-actions.js';
import type { RestoreFactsReader } from '../../shared/aws/ec2-restore-facts.js';
import type { ShareFactsReader } from '../../shared/aws/ec2-share-facts.js';
import type { AlertPublisher } from '../../shared/aws/sns-alert-publisher.js';
import { AccountOutsideOrganizationError, CloneNotVisibleError } from '../../shared/model/errors.js';
import type { EnforcerLog } from '../../shared/model/log.js';
import type { CloneFacts } from '../../shared/model/types.js';
import type { EnforceContext } from '../../shared/pipeline/enforce-context.js';
import { enforceRecord, screenRecord } from '../../shared/pipeline/enforce-record.js';
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
  const facts = {
    collect: vi.fn(overrides.facts ?? (async () => compliantFacts())),
    readImage: vi.fn<CloneFactsReader['readImage']>(async () => undefined),
    readDisks: vi.fn<CloneFactsReader['readDisks']>(async (image) => image),
  };
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
  const restoreFacts = {
    cloneOf: vi.fn<RestoreFactsReader['cloneOf']>(async () => undefined),
    collect: vi.fn<RestoreFactsReader['collect']>(async () => ({ labelTargets: [], gaps: [] })),
  };
  const restoreActions = { stopInstances: vi.fn<RestoreActions['stopInstances']>(async () => {}) };
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
    restoreFacts,
    actions,
    restoreActions,
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
    restoreFacts.cloneOf.mock.calls.length +
    restoreFacts.collect.mock.calls.length +
    restoreActions.stopInstances.mock.calls.length +
    alerts.publish.mock.calls.length;
  return { context, facts, actions, alerts, counts, adapterCalls, restoreFacts, log };
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

  it("organization mode: reads and acts with the event's account's adapters, and names the account", async () => {
    // Prepare: the hub's own adapters must not be used for another account's event.
    const hub = aContext();
    const member = aContext();
    const open = vi.fn(async () => ({
      accountName: 'payments-prod',
      facts: member.context.facts,
      shareFacts: member.context.shareFacts,
      restoreFacts: member.context.restoreFacts,
      actions: member.context.actions,
      restoreActions: member.context.restoreActions,
    }));
    const context: EnforceContext = { ...hub.context, accounts: { open } };

    // Act
    const verdict = await enforceRecord(loadFixture('create-image-assumed-role'), context);

    // Assess
    expect(open).toHaveBeenCalledWith(verdict.account);
    expect(verdict).toMatchObject({ status: 'compliant', accountName: 'payments-prod' });
    expect(member.facts.collect).toHaveBeenCalledTimes(1);
    expect(member.actions.tag).toHaveBeenCalledTimes(1);
    expect(hub.adapterCalls()).toBe(0);
  });

  it('organization mode: rejects an event from outside the organization with the reason, touching nothing', async () => {
    // Prepare
    const { context, adapterCalls, counts } = aContext();
    const reason = "account 123456789012 is not a member of the hub's organization";
    const accounts = {
      open: vi.fn(async (accountId: string): Promise<never> => {
        throw new AccountOutsideOrganizationError(accountId, reason);
      }),
    };

    // Act
    const verdict = await enforceRecord(loadFixture('create-image-assumed-role'), { ...context, accounts });

    // Assess
    expect(verdict).toMatchObject({ status: 'rejected', reason, eventId: FIXTURE_EVENT_ID, actions: [] });
    expect(adapterCalls()).toBe(0);
    expect(counts).toEqual({ EventsRejected: 1 });
  });

  it('organization mode: an AWS failure while opening the account is thrown, so that the event is retried', async () => {
    // Prepare
    const { context } = aContext();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    const accounts = { open: vi.fn(async (): Promise<never> => Promise.reject(throttled)) };

    // Act & Assess
    await expect(
      enforceRecord(loadFixture('create-image-assumed-role'), { ...context, accounts }),
    ).rejects.toBe(throttled);
  });
});

/** A launch by an Auto Scaling group in the fixture's account, from `imageId`. */
function launchFrom(imageId: string) {
  return records.runInstances({
    caller: { type: 'AWSService', account: '210987654321', service: 'autoscaling.amazonaws.com' },
    region: 'us-east-1',
    imageId,
    instances: [{ instanceId: 'i-0123456789abcdef0' }],
  });
}
const AMAZON_IMAGE = {
  kind: 'image',
  id: 'ami-0aaaaaaaaaaaaaaaa',
  region: 'us-east-1',
  ownerId: '137112412989',
  tags: {},
  deprecated: false,
} as const;
const OUR_CLONE = { ...AMAZON_IMAGE, id: 'ami-0bbbbbbbbbbbbbbbb', ownerId: '210987654321' } as const;

describe('Pipeline: screenRecord (decided before the idempotency store)', () => {
  it('skips a launch from an image of another account after reading only that image', async () => {
    // Prepare
    const { context, counts, adapterCalls, restoreFacts } = aContext();
    restoreFacts.cloneOf.mockResolvedValue(AMAZON_IMAGE);

    // Act
    const verdict = await screenRecord(launchFrom(AMAZON_IMAGE.id), context);

    // Assess
    expect(verdict).toMatchObject({
      status: 'skipped',
      eventName: 'RunInstances',
      reason: `${AMAZON_IMAGE.id} belongs to 137112412989, not to this account`,
      actions: [],
    });
    expect(restoreFacts.cloneOf).toHaveBeenCalledTimes(1);
    expect(adapterCalls()).toBe(1);
    expect(counts).toEqual({ EventsSkipped: 1 });
  });

  it('skips a launch from an image EC2 does not show, naming the gap in the log', async () => {
    // Prepare
    const { context, counts, log, restoreFacts } = aContext();

    // Act
    const verdict = await screenRecord(launchFrom('ami-0cccccccccccccccc'), context);

    // Assess
    expect(verdict).toMatchObject({
      status: 'skipped',
      reason: 'ami-0cccccccccccccccc is not visible in us-east-1',
    });
    expect(log.info).toHaveBeenCalledWith(
      'event skipped',
      expect.objectContaining({ gaps: ['ami-0cccccccccccccccc was not found in us-east-1'] }),
    );
    expect(counts).toEqual({ EventsSkipped: 1 });
    expect(restoreFacts.collect).not.toHaveBeenCalled();
  });

  it('leaves a launch from our own clone to enforceRecord, counting nothing', async () => {
    // Prepare
    const { context, counts, restoreFacts } = aContext();
    restoreFacts.cloneOf.mockResolvedValue(OUR_CLONE);

    // Act
    const verdict = await screenRecord(launchFrom(OUR_CLONE.id), context);

    // Assess
    expect(verdict).toBeUndefined();
    expect(restoreFacts.collect).not.toHaveBeenCalled();
    expect(counts).toEqual({});
  });

  it('leaves a creation event to enforceRecord without reading anything', async () => {
    // Prepare
    const { context, counts, adapterCalls } = aContext();

    // Act
    const verdict = await screenRecord(loadFixture('create-image-assumed-role'), context);

    // Assess
    expect(verdict).toBeUndefined();
    expect(adapterCalls()).toBe(0);
    expect(counts).toEqual({});
  });

  it('answers rejected and skipped input itself, as enforceRecord would', async () => {
    // Prepare
    const { context, counts, adapterCalls } = aContext();
    const failedCall = {
      ...loadFixture('create-image-assumed-role'),
      errorCode: 'Client.UnauthorizedOperation',
    };

    // Act
    const rejected = await screenRecord({ detail: 'x' }, context);
    const skipped = await screenRecord(failedCall, context);

    // Assess
    expect(rejected?.status).toBe('rejected');
    expect(skipped).toMatchObject({ status: 'skipped', eventId: FIXTURE_EVENT_ID });
    expect(adapterCalls()).toBe(0);
    expect(counts).toEqual({ EventsRejected: 1, EventsSkipped: 1 });
  });
});
