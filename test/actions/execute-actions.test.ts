import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { describe, expect, it, vi } from 'vitest';
import { executeActions } from '../../shared/actions/execute-actions.js';
import { birthItems } from '../../shared/actions/ledger-record.js';
import type { CloneActions, QuarantineResult } from '../../shared/aws/ec2-clone-actions.js';
import type { AlertPublisher } from '../../shared/aws/sns-alert-publisher.js';
import { type Share, shareToken } from '../../shared/model/clonewarden-tags.js';
import { ActionFailedError } from '../../shared/model/errors.js';
import type { EnforcerLog } from '../../shared/model/log.js';
import type { CloneFacts, CloneKind, PlannedAction, Verdict } from '../../shared/model/types.js';
import { MemoryLedger } from '../support/memory-ledger.js';
import {
  anAlertAction,
  aQuarantineAction,
  aTagAction,
  aVerdict,
  aViolation,
  IMAGE_ID,
  SNAPSHOT_ID,
  TOPIC_ARN,
} from '../support/verdict.js';

const STATUS_TAGS = { 'clonewarden:status': 'quarantined', 'clonewarden:violations': 'who-may-clone' };
const CLONE_TAGS = { Owner: 'jane@example.com' };

/** A hand-written CloneActions that writes each call to a shared journal. */
function fakeCloneActions(journal: string[], overrides: Partial<CloneActions> = {}) {
  const unquarantined: QuarantineResult = { removedShares: [], skipped: [] };
  const actions = {
    tag: vi.fn(async (region: string, ids: string[], _tags: Record<string, string>) => {
      journal.push(`tag ${region} ${ids.join(',')}`);
    }),
    quarantineImage: vi.fn(async (_region: string, id: string, _known: Record<string, string>) => {
      journal.push(`quarantineImage ${id}`);
      return unquarantined;
    }),
    quarantineSnapshot: vi.fn(async (_region: string, id: string, _known: Record<string, string>) => {
      journal.push(`quarantineSnapshot ${id}`);
      return unquarantined;
    }),
    // The clone still grants everything asked but account 999999999999 (removed already).
    revokeShares: vi.fn(async (_region: string, kind: CloneKind, id: string, shares: Share[]) => {
      journal.push(`revokeShares ${kind} ${id} ${shares.map(shareToken).join(' ')}`);
      return shares.filter((share) => share.value !== '999999999999');
    }),
  };
  return Object.assign(actions, overrides);
}

function fakeAlerts(journal: string[], publish?: AlertPublisher['publish']) {
  return {
    publish: vi.fn(
      publish ??
        (async (alert: PublishCommandInput) => {
          journal.push(`alert ${alert.TopicArn}`);
          return 'message-1';
        }),
    ),
  };
}

function aLog(): EnforcerLog {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

/** A quarantined image with its backing snapshot: tag both, quarantine the image, alert. */
function aPlannedVerdict(overrides: Partial<Verdict> = {}): Verdict {
  return aVerdict({
    status: 'quarantined',
    resources: [IMAGE_ID],
    violations: [aViolation({ rule: 'who-may-clone', severity: 'high', action: 'quarantine' })],
    actions: [
      aTagAction({ target: IMAGE_ID, tags: { ...STATUS_TAGS }, done: false }),
      aTagAction({ target: SNAPSHOT_ID, tags: { ...STATUS_TAGS }, done: false }),
      aQuarantineAction({ target: IMAGE_ID, done: false }),
      anAlertAction({ done: false }),
    ],
    ...overrides,
  });
}

function aFacts(): CloneFacts {
  return {
    clones: [
      {
        kind: 'image',
        id: IMAGE_ID,
        region: 'us-east-1',
        tags: { ...CLONE_TAGS },
        backingSnapshotIds: [SNAPSHOT_ID],
      },
    ],
    gaps: [],
  };
}

describe('Actions: executeActions', () => {
  it('tags first, then quarantines, then sends the one alert, and marks each done', async () => {
    // Prepare
    const journal: string[] = [];
    const actions = fakeCloneActions(journal);
    const alerts = fakeAlerts(journal);
    const verdict = aPlannedVerdict();

    // Act
    const result = await executeActions(verdict, aFacts(), { actions, alerts, log: aLog() });

    // Assess
    expect(journal).toEqual([
      `tag us-east-1 ${IMAGE_ID},${SNAPSHOT_ID}`,
      `quarantineImage ${IMAGE_ID}`,
      // The image's disk is unshared too: its createVolumePermission is a way around the AMI's quarantine.
      `quarantineSnapshot ${SNAPSHOT_ID}`,
      `alert ${TOPIC_ARN}`,
    ]);
    expect(result.actions.map((a) => a.done)).toEqual([true, true, true, true]);
    // The planned verdict is left as it was.
    expect(verdict.actions.map((a) => a.done)).toEqual([false, false, false, false]);
  });

  it("passes the clone's known tags to quarantine and reports the steps it skipped", async () => {
    // Prepare
    const journal: string[] = [];
    const actions = fakeCloneActions(journal, {
      quarantineImage: vi.fn(async () => ({ removedShares: [], skipped: ['DisableImage'] })),
    });

    // Act
    const result = await executeActions(aPlannedVerdict(), aFacts(), {
      actions,
      alerts: fakeAlerts(journal),
      log: aLog(),
    });

    // Assess
    expect(actions.quarantineImage).toHaveBeenCalledWith('us-east-1', IMAGE_ID, CLONE_TAGS);
    expect(result.actions.find((a) => a.type === 'quarantine')).toMatchObject({
      done: true,
      skipped: ['DisableImage'],
    });
  });

  it('quarantines a snapshot clone with quarantineSnapshot', async () => {
    // Prepare
    const journal: string[] = [];
    const actions = fakeCloneActions(journal);
    const verdict = aPlannedVerdict({
      actions: [aQuarantineAction({ target: SNAPSHOT_ID, kind: 'snapshot', done: false })],
    });

    // Act
    await executeActions(verdict, aFacts(), { actions, alerts: fakeAlerts(journal), log: aLog() });

    // Assess
    expect(journal).toEqual([`quarantineSnapshot ${SNAPSHOT_ID}`]);
    expect(actions.quarantineSnapshot).toHaveBeenCalledWith('us-east-1', SNAPSHOT_ID, {});
  });

  it.each<{ case: string; planned: PlannedAction[]; expected: string[] }>([
    {
      case: 'identical tags in one region become one call',
      planned: [
        aTagAction({ target: IMAGE_ID, tags: { a: '1', b: '2' }, done: false }),
        aTagAction({ target: SNAPSHOT_ID, tags: { b: '2', a: '1' }, done: false }),
      ],
      expected: [`tag us-east-1 ${IMAGE_ID},${SNAPSHOT_ID}`],
    },
    {
      case: 'different tags stay separate calls',
      planned: [
        aTagAction({ target: IMAGE_ID, tags: { a: '1' }, done: false }),
        aTagAction({ target: SNAPSHOT_ID, tags: { a: '2' }, done: false }),
      ],
      expected: [`tag us-east-1 ${IMAGE_ID}`, `tag us-east-1 ${SNAPSHOT_ID}`],
    },
    {
      case: 'identical tags in two regions stay separate calls',
      planned: [
        aTagAction({ target: IMAGE_ID, tags: { a: '1' }, done: false }),
        aTagAction({ target: SNAPSHOT_ID, region: 'eu-west-1', tags: { a: '1' }, done: false }),
      ],
      expected: [`tag us-east-1 ${IMAGE_ID}`, `tag eu-west-1 ${SNAPSHOT_ID}`],
    },
  ])('batches tag actions: $case', async ({ planned, expected }) => {
    // Prepare
    const journal: string[] = [];
    const actions = fakeCloneActions(journal);
    const verdict = aPlannedVerdict({ actions: planned });

    // Act
    const result = await executeActions(verdict, aFacts(), {
      actions,
      alerts: fakeAlerts(journal),
      log: aLog(),
    });

    // Assess
    expect(journal).toEqual(expected);
    expect(result.actions.every((a) => a.done)).toBe(true);
  });

  it('in dry-run makes no call to CloneActions and still sends the alert, marked DRY RUN', async () => {
    // Prepare
    const journal: string[] = [];
    const actions = fakeCloneActions(journal);
    const alerts = fakeAlerts(journal);
    const verdict = aPlannedVerdict({ dryRun: true });

    // Act
    const result = await executeActions(verdict, aFacts(), { actions, alerts, log: aLog() });

    // Assess
    expect(actions.tag).not.toHaveBeenCalled();
    expect(actions.quarantineImage).not.toHaveBeenCalled();
    expect(actions.quarantineSnapshot).not.toHaveBeenCalled();
    expect(alerts.publish).toHaveBeenCalledTimes(1);
    const alert = alerts.publish.mock.calls[0]![0];
    expect(alert.Subject).toContain('DRY RUN');
    expect(alert.MessageAttributes?.dryRun).toEqual({ DataType: 'String', StringValue: 'true' });
    expect(result.actions.map((a) => [a.type, a.done])).toEqual([
      ['tag', false],
      ['tag', false],
      ['quarantine', false],
      ['alert', true],
    ]);
  });

  it('throws ActionFailedError with the verdict as it stood when quarantine fails, and sends no alert', async () => {
    // Prepare
    const journal: string[] = [];
    const cause = Object.assign(new Error('You are not authorized'), { name: 'UnauthorizedOperation' });
    const actions = fakeCloneActions(journal, {
      quarantineImage: vi.fn(async () => {
        throw cause;
      }),
    });
    const alerts = fakeAlerts(journal);
    const log = aLog();

    // Act
    const executing = executeActions(aPlannedVerdict(), aFacts(), { actions, alerts, log });

    // Assess
    const error = await executing.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ActionFailedError);
    expect((error as ActionFailedError).cause).toBe(cause);
    expect((error as ActionFailedError).verdict?.actions).toEqual([
      expect.objectContaining({ type: 'tag', target: IMAGE_ID, done: true }),
      expect.objectContaining({ type: 'tag', target: SNAPSHOT_ID, done: true }),
      expect.objectContaining({
        type: 'quarantine',
        done: false,
        error: 'UnauthorizedOperation: You are not authorized',
      }),
      { type: 'alert', target: TOPIC_ARN, severity: 'high', done: false },
    ]);
    expect(alerts.publish).not.toHaveBeenCalled();
    expect(log.error).toHaveBeenCalledTimes(1);
  });

  it('throws ActionFailedError when the alert cannot be sent, so that the event is retried', async () => {
    // Prepare
    const journal: string[] = [];
    const alerts = fakeAlerts(journal, async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    });

    // Act
    const executing = executeActions(aPlannedVerdict(), aFacts(), {
      actions: fakeCloneActions(journal),
      alerts,
      log: aLog(),
    });

    // Assess
    const error = await executing.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ActionFailedError);
    expect((error as ActionFailedError).verdict?.actions.at(-1)).toEqual({
      type: 'alert',
      target: TOPIC_ARN,
      severity: 'high',
      done: false,
      error: 'Throttling: Rate exceeded',
    });
    expect(journal).toEqual([
      `tag us-east-1 ${IMAGE_ID},${SNAPSHOT_ID}`,
      `quarantineImage ${IMAGE_ID}`,
      `quarantineSnapshot ${SNAPSHOT_ID}`,
    ]);
  });

  it('sends no alert when none is planned', async () => {
    // Prepare
    const journal: string[] = [];
    const alerts = fakeAlerts(journal);
    const verdict = aPlannedVerdict({ actions: [aTagAction({ done: false })] });

    // Act
    await executeActions(verdict, aFacts(), { actions: fakeCloneActions(journal), alerts, log: aLog() });

    // Assess
    expect(alerts.publish).not.toHaveBeenCalled();
  });
});

describe('Actions: executeActions stops restored instances', () => {
  const INSTANCES = ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2'];
  const stop = (target: string, region = 'us-east-1'): PlannedAction => ({
    type: 'stop',
    target,
    region,
    done: false,
  });
  const aRestoreVerdict = (actions: PlannedAction[], dryRun = false) =>
    aVerdict({ status: 'violation', resources: INSTANCES, dryRun, actions });

  it('labels first, then stops the instances in one call per region, then alerts', async () => {
    // Prepare
    const journal: string[] = [];
    const restoreActions = {
      stopInstances: vi.fn(async (region: string, ids: string[]) => {
        journal.push(`stopInstances ${region} ${ids.join(',')}`);
      }),
    };
    const verdict = aRestoreVerdict([
      aTagAction({ target: INSTANCES[0]!, done: false }),
      aTagAction({ target: INSTANCES[1]!, done: false }),
      ...INSTANCES.map((id) => stop(id)),
      anAlertAction({ done: false }),
    ]);

    // Act
    const result = await executeActions(
      verdict,
      { clones: [], gaps: [] },
      { actions: fakeCloneActions(journal), restoreActions, alerts: fakeAlerts(journal), log: aLog() },
    );

    // Assess
    expect(journal).toEqual([
      `tag us-east-1 ${INSTANCES.join(',')}`,
      `stopInstances us-east-1 ${INSTANCES.join(',')}`,
      `alert ${TOPIC_ARN}`,
    ]);
    expect(result.actions.every((action) => action.done)).toBe(true);
  });

  it('stops nothing in dry-run', async () => {
    // Prepare
    const journal: string[] = [];
    const restoreActions = { stopInstances: vi.fn(async () => {}) };

    // Act
    const result = await executeActions(
      aRestoreVerdict([stop(INSTANCES[0]!), anAlertAction({ done: false })], true),
      { clones: [], gaps: [] },
      { actions: fakeCloneActions(journal), restoreActions, alerts: fakeAlerts(journal), log: aLog() },
    );

    // Assess
    expect(restoreActions.stopInstances).not.toHaveBeenCalled();
    expect(result.actions[0]).toMatchObject({ type: 'stop', done: false });
    expect(journal).toEqual([`alert ${TOPIC_ARN}`]);
  });

  it('fails the event, before the alert, when a stop is planned and nothing can stop instances', async () => {
    // Prepare
    const journal: string[] = [];
    const alerts = fakeAlerts(journal);

    // Act
    const executing = executeActions(
      aRestoreVerdict([stop(INSTANCES[0]!), anAlertAction({ done: false })]),
      { clones: [], gaps: [] },
      { actions: fakeCloneActions(journal), alerts, log: aLog() },
    );

    // Assess
    await expect(executing).rejects.toBeInstanceOf(ActionFailedError);
    expect(alerts.publish).not.toHaveBeenCalled();
  });
});

describe('Actions: the alert format', () => {
  it('sends the https subscribers an AWS Chatbot custom notification when the alert asks for it', async () => {
    // Prepare
    const journal: string[] = [];
    const alerts = fakeAlerts(journal);
    const verdict = aPlannedVerdict({
      dryRun: true,
      actions: [anAlertAction({ done: false, chatbot: true })],
    });

    // Act
    await executeActions(verdict, aFacts(), { actions: fakeCloneActions(journal), alerts, log: aLog() });

    // Assess
    const message = JSON.parse(alerts.publish.mock.calls[0]![0].Message!) as Record<string, string>;
    expect(JSON.parse(message.https!)).toMatchObject({ version: '1.0', source: 'custom' });
    expect(JSON.parse(message.sqs!)).toMatchObject({ schema: 'clonewarden.alert/v1' });
  });

  it('reverts a share after the tags and before the alert, recording the grants it removed', async () => {
    // Prepare
    const journal: string[] = [];
    const actions = fakeCloneActions(journal);
    const revert: PlannedAction = {
      type: 'revert',
      target: IMAGE_ID,
      kind: 'image',
      region: 'us-east-1',
      shares: ['g=all', 'u=444455556666', 'u=999999999999'],
      done: false,
    };
    const verdict = aPlannedVerdict({
      status: 'violation',
      actions: [revert, anAlertAction({ done: false })],
    });

    // Act
    const alerts = fakeAlerts(journal);
    const result = await executeActions(verdict, aFacts(), { actions, alerts, log: aLog() });

    // Assess
    expect(journal).toEqual([
      `revokeShares image ${IMAGE_ID} g=all u=444455556666 u=999999999999`,
      `alert ${TOPIC_ARN}`,
    ]);
    expect(result.actions[0]).toMatchObject({ done: true, removedShares: ['g=all', 'u=444455556666'] });
    const message = JSON.parse(alerts.publish.mock.calls[0]![0].Message!) as Record<string, string>;
    expect(message.email).toContain('removed g=all, u=444455556666; other grants kept -> done');
  });

  it('a revert whose grants an earlier, crashed attempt already removed names them as already gone, in the verdict and the alert', async () => {
    // Prepare: the fake reports u=999999999999 as no longer granted.
    const journal: string[] = [];
    const revert: PlannedAction = {
      type: 'revert',
      target: IMAGE_ID,
      kind: 'image',
      region: 'us-east-1',
      shares: ['u=999999999999'],
      done: false,
    };
    const verdict = aPlannedVerdict({
      status: 'violation',
      actions: [revert, anAlertAction({ done: false })],
    });

    // Act
    const alerts = fakeAlerts(journal);
    const result = await executeActions(verdict, aFacts(), {
      actions: fakeCloneActions(journal),
      alerts,
      log: aLog(),
    });

    // Assess
    expect(result.actions[0]).toMatchObject({
      done: true,
      removedShares: [],
      alreadyGone: ['u=999999999999'],
    });
    const message = JSON.parse(alerts.publish.mock.calls[0]![0].Message!) as Record<string, string>;
    expect(message.email).toContain(
      '(already gone when it ran: u=999999999999): removed nothing more; other grants kept -> done',
    );
  });

  it('reverts nothing in dry-run: the alert alone goes out', async () => {
    // Prepare
    const journal: string[] = [];
    const actions = fakeCloneActions(journal);
    const revert: PlannedAction = {
      type: 'revert',
      target: IMAGE_ID,
      kind: 'image',
      region: 'us-east-1',
      shares: ['g=all'],
      done: false,
    };
    const verdict = aPlannedVerdict({ dryRun: true, actions: [revert, anAlertAction({ done: false })] });

    // Act
    const result = await executeActions(verdict, aFacts(), {
      actions,
      alerts: fakeAlerts(journal),
      log: aLog(),
    });

    // Assess
    expect(journal).toEqual([`alert ${TOPIC_ARN}`]);
    expect(actions.revokeShares).not.toHaveBeenCalled();
    expect(result.actions[0]).toMatchObject({ done: false });
  });
});

describe('Actions: executeActions with the ledger', () => {
  /** A share that broke a quarantine rule: the clone was born long ago, and is held as compliant. */
  function aShareQuarantine(): Verdict {
    return aPlannedVerdict({
      eventName: 'ModifyImageAttribute',
      violations: [aViolation({ rule: 'no-public', ruleType: 'allowed-sharing', action: 'quarantine' })],
      actions: [
        aTagAction({
          target: IMAGE_ID,
          tags: { ...STATUS_TAGS, 'clonewarden:violations': 'no-public' },
          done: false,
        }),
        aTagAction({
          target: SNAPSHOT_ID,
          tags: { ...STATUS_TAGS, 'clonewarden:violations': 'no-public' },
          done: false,
        }),
        aQuarantineAction({ target: IMAGE_ID, done: false }),
        anAlertAction({ done: false }),
      ],
    });
  }

  it("moves an existing clone's item to quarantined before the tags, and the tags mirror the item", async () => {
    // Prepare
    const journal: string[] = [];
    const ledger = new MemoryLedger(journal);
    const key = { account: '111122223333', region: 'us-east-1', id: IMAGE_ID };
    ledger.seed(key, { status: 'violation', ruleIds: ['labels'], backingSnapshotIds: [SNAPSHOT_ID] });
    const actions = fakeCloneActions(journal);

    // Act
    const result = await executeActions(aShareQuarantine(), aFacts(), {
      actions,
      alerts: fakeAlerts(journal),
      log: aLog(),
      ledger,
    });

    // Assess
    expect(journal.slice(0, 4)).toEqual([
      `ledger get ${IMAGE_ID}`,
      `ledger write ${IMAGE_ID} v2 quarantined`,
      `tag us-east-1 ${IMAGE_ID},${SNAPSHOT_ID}`,
      `quarantineImage ${IMAGE_ID}`,
    ]);
    expect(journal.at(-1)).toBe(`alert ${TOPIC_ARN}`);
    const tagged = result.actions.filter((a) => a.type === 'tag');
    for (const action of tagged) {
      expect(action.type === 'tag' && action.tags).toMatchObject({
        'clonewarden:status': 'quarantined',
        'clonewarden:violations': 'labels,no-public',
      });
    }
    expect((await ledger.get(key))?.status).toBe('quarantined');
  });

  it('writes no second item for a clone born with this verdict: its birth item is already quarantined', async () => {
    // Prepare
    const journal: string[] = [];
    const ledger = new MemoryLedger(journal);
    const verdict = aPlannedVerdict();
    const event = {
      family: 'creation' as const,
      eventId: verdict.eventId,
      eventName: 'CreateImage',
      eventTime: '2026-06-15T12:00:00Z',
      region: 'us-east-1',
      account: verdict.account,
      principal: verdict.principal!,
      clones: [{ kind: 'image' as const, id: IMAGE_ID }],
      requestedTags: {},
    };
    const births = birthItems(event, verdict, aFacts(), 'event');

    // Act
    await executeActions(
      verdict,
      aFacts(),
      {
        actions: fakeCloneActions(journal),
        alerts: fakeAlerts(journal),
        log: aLog(),
        ledger,
      },
      births,
    );

    // Assess
    expect(journal.filter((line) => line.startsWith('ledger write'))).toEqual([
      `ledger write ${IMAGE_ID} v1 quarantined`,
    ]);
  });

  it('writes nothing to the ledger in dry-run', async () => {
    // Prepare
    const journal: string[] = [];
    const ledger = new MemoryLedger(journal);

    // Act
    await executeActions({ ...aShareQuarantine(), dryRun: true }, aFacts(), {
      actions: fakeCloneActions(journal),
      alerts: fakeAlerts(journal),
      log: aLog(),
      ledger,
    });

    // Assess
    expect(journal).toEqual([`alert ${TOPIC_ARN}`]);
    expect(ledger.items.size).toBe(0);
  });
});
