import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateImageCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeImageAttributeCommand,
  DescribeSnapshotAttributeCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Caller, eventBridgeEnvelope, records } from '../../scripts/lib/cloudtrail-records.js';
import { EMULATOR_ACCOUNT } from '../../scripts/lib/emulator.js';
import { createAlertInbox } from '../../scripts/lib/emulator-resources.js';
import type { LedgerItem } from '../../shared/model/ledger-item.js';
import { countByEventId } from '../support/alert-inbox.js';
import {
  asTags,
  createIdempotencyTable,
  createLedgerTable,
  imageTags,
  LABELS,
  launchInstance,
  registerBaseImage,
  snapshotTags,
  writeEnforcingPolicy,
} from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import type { EnforceHarness } from '../support/enforce-harness.js';
import {
  FAULTS_BEFORE_REQUEST,
  FaultInjector,
  SCALED_VISIBILITY_RETRY,
  scaledAdaptiveRetry,
} from '../support/fault-injection.js';
import {
  deliverAsync,
  type LambdaHandler,
  lambdaContext,
  loadContainer,
  loadContainers,
  recordFigures,
} from '../support/lambda-delivery.js';

/*
 * At-least-once delivery, crashes part-way and ambiguous publishes, against moto through the real
 * wrapped handler (Powertools idempotency on a real DynamoDB table), with the fault harness of
 * test/support/fault-injection.ts between the SDK and moto.
 */

const harness = vi.hoisted((): EnforceHarness => ({ options: {} }));
vi.mock('../../shared/aws/clients.js', async (importOriginal) =>
  (await import('../support/enforce-harness.js')).harnessedClients(await importOriginal(), harness),
);
vi.mock('../../shared/pipeline/create-enforce-context.js', async (importOriginal) =>
  (await import('../support/enforce-harness.js')).harnessedEnforceContext(await importOriginal(), harness),
);

const REGION = 'ap-southeast-2';
const LEDGER_TABLE = 'reliability-duplicates-ledger';
const SEED = 7_531;
const developer: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'Developer',
  session: 'eve',
};

const faults = new FaultInjector(SEED);
const figures: Record<string, unknown> = {};
let ec2: EC2Client;
let inbox: Awaited<ReturnType<typeof createAlertInbox>>;
let containers: LambdaHandler[];
let baseImageId: string;
let instanceId: string;

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  inbox = await createAlertInbox(REGION, 'reliability-duplicates');
  await createIdempotencyTable(REGION, 'reliability-duplicates-idempotency');
  // The functions require clonewarden's ledger table.
  await createLedgerTable(REGION, LEDGER_TABLE);
  Object.assign(process.env, {
    CLONEWARDEN_LEDGER_TABLE: LEDGER_TABLE,
    CLONEWARDEN_POLICY: writeEnforcingPolicy(),
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    CLONEWARDEN_IDEMPOTENCY_TABLE: 'reliability-duplicates-idempotency',
    CLONEWARDEN_ENFORCER_ROLE_ARN: `arn:aws:iam::${EMULATOR_ACCOUNT}:role/clonewarden-test-enforce`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
  harness.options = { decorateStack: faults.decorateStack, retryStrategy: scaledAdaptiveRetry() };
  harness.visibilityRetry = SCALED_VISIBILITY_RETRY;
  containers = await loadContainers(4);
  baseImageId = await registerBaseImage(ec2, REGION);
  ({ instanceId } = await launchInstance(ec2, baseImageId, { tags: LABELS, stopped: true }));
});

afterAll(() => {
  if (Object.keys(figures).length > 0) recordFigures('duplicatesCrashesAmbiguity', figures);
});

/** The snapshot's ledger item, read straight from the table. */
async function ledgerItem(id: string): Promise<LedgerItem | undefined> {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: REGION }));
  const { Item } = await documents.send(
    new GetCommand({ TableName: LEDGER_TABLE, Key: { pk: `${EMULATOR_ACCOUNT}#${REGION}`, id } }),
  );
  return Item as LedgerItem | undefined;
}

/** A shared snapshot clone by a developer: it will be quarantined (unshared) and alerted. */
async function sharedSnapshotEvent(caller = developer) {
  const { VolumeId } = await ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: `${REGION}a`,
      Size: 2,
      TagSpecifications: [{ ResourceType: 'volume', Tags: asTags(LABELS) }],
    }),
  );
  const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId }));
  await ec2.send(
    new ModifySnapshotAttributeCommand({
      SnapshotId,
      Attribute: 'createVolumePermission',
      OperationType: 'add',
      UserIds: ['444455556666'],
    }),
  );
  const record = records.createSnapshot({
    caller,
    region: REGION,
    volumeId: VolumeId!,
    snapshotId: SnapshotId!,
  });
  return { envelope: eventBridgeEnvelope(record), eventId: String(record.eventID), snapshotId: SnapshotId! };
}

/** A shared image clone by a developer: quarantined (unshared, disabled) and alerted. */
async function sharedImageEvent() {
  const name = `dup-${Math.random().toString(36).slice(2, 9)}`;
  const { ImageId } = await ec2.send(new CreateImageCommand({ InstanceId: instanceId, Name: name }));
  await ec2.send(
    new ModifyImageAttributeCommand({ ImageId, LaunchPermission: { Add: [{ UserId: '444455556666' }] } }),
  );
  const record = records.createImage({
    caller: developer,
    region: REGION,
    instanceId,
    imageId: ImageId!,
    noReboot: false,
    name,
  });
  return { envelope: eventBridgeEnvelope(record), eventId: String(record.eventID), imageId: ImageId! };
}

describe('Reliability: duplicates give one alert and identical tags, under 30% faults', () => {
  it('each event delivered three times, one after another: exactly one alert, identical tags and verdicts', async () => {
    // Prepare
    const events = await Promise.all(Array.from({ length: 12 }, () => sharedSnapshotEvent()));
    await inbox.drain();
    faults.setProfile('EC2', FAULTS_BEFORE_REQUEST);
    faults.setProfile('SNS', FAULTS_BEFORE_REQUEST);

    // Act: three rounds; each delivery is an async invoke with Lambda's own retries.
    const rounds = [];
    const tagsAfterRound: Record<string, string>[][] = [];
    for (let round = 0; round < 3; round++) {
      rounds.push(
        await deliverAsync(
          events.map((e) => structuredClone(e.envelope)),
          containers,
        ),
      );
      faults.clearProfiles();
      tagsAfterRound.push(await Promise.all(events.map((e) => snapshotTags(ec2, e.snapshotId))));
      faults.setProfile('EC2', FAULTS_BEFORE_REQUEST);
      faults.setProfile('SNS', FAULTS_BEFORE_REQUEST);
    }
    faults.clearProfiles();
    const alerts = countByEventId(await inbox.drain());

    // Assess
    for (const [index, event] of events.entries()) {
      const verdicts = rounds.map((r) => r.outcomes[index]!.verdict).filter((v) => v !== undefined);
      // 30% faults on every request, 5 SDK attempts, 3 Lambda attempts: every delivery got through.
      expect(verdicts).toHaveLength(3);
      expect(verdicts[1]).toEqual(verdicts[0]);
      expect(verdicts[2]).toEqual(verdicts[0]);
      expect(verdicts[0]!.status).toBe('quarantined');
      expect(alerts.get(event.eventId)).toBe(1);
      expect(tagsAfterRound[1]![index]).toEqual(tagsAfterRound[0]![index]);
      expect(tagsAfterRound[2]![index]).toEqual(tagsAfterRound[0]![index]);
    }
    figures.sequentialDuplicates = {
      events: events.length,
      deliveries: events.length * 3,
      alerts: [...alerts.values()].reduce((a, b) => a + b, 0),
      invocations: rounds.flatMap((r) => r.outcomes).reduce((n, o) => n + o.invocations.length, 0),
    };
  });

  it('each event delivered three times concurrently: in-flight duplicates are refused, retried by Lambda, answered from the table; one alert', async () => {
    // Prepare
    const events = await Promise.all(Array.from({ length: 8 }, () => sharedImageEvent()));
    await inbox.drain();
    faults.setProfile('EC2', FAULTS_BEFORE_REQUEST);
    faults.setProfile('SNS', FAULTS_BEFORE_REQUEST);

    // Act: the three copies of each event go to three containers at once.
    const report = await deliverAsync(
      events.flatMap((e) => [0, 1, 2].map(() => structuredClone(e.envelope))),
      containers.slice(0, 3),
    );
    faults.clearProfiles();
    const alerts = countByEventId(await inbox.drain());

    // Assess
    const refusals = report.outcomes.flatMap((o) =>
      o.invocations.filter((i) => i.startsWith('IdempotencyAlreadyInProgressError')),
    );
    expect(refusals.length).toBeGreaterThan(0);
    for (const [index, event] of events.entries()) {
      const copies = report.outcomes.slice(index * 3, index * 3 + 3);
      for (const copy of copies) expect(copy.deadLettered, copy.invocations.join(' | ')).toBe(false);
      expect(copies[1]!.verdict).toEqual(copies[0]!.verdict);
      expect(copies[2]!.verdict).toEqual(copies[0]!.verdict);
      expect(alerts.get(event.eventId)).toBe(1);
      const { image, tags } = await imageTags(ec2, event.imageId);
      expect(tags['clonewarden:status']).toBe('quarantined');
      expect(tags['clonewarden:quarantine-shares']).toBe('u=444455556666');
      expect(image.State).toBe('disabled');
    }
    figures.concurrentDuplicates = {
      events: events.length,
      deliveries: events.length * 3,
      refusedInFlight: refusals.length,
      alerts: [...alerts.values()].reduce((a, b) => a + b, 0),
    };
  });
});

describe('Reliability: a refused duplicate leaves the lock of the invocation at work (regression)', () => {
  it('two duplicates arriving while the first delivery is still running are both refused; neither unlocks the event', async () => {
    // Prepare: the first delivery stops before its Publish and stays "running" for a minute.
    const event = await sharedSnapshotEvent();
    await inbox.drain();
    let hung = false;
    const unscript = faults.script((attempt) => {
      if (hung || attempt.service !== 'SNS') return undefined;
      hung = true;
      return { before: 'hang' };
    });
    void (await loadContainer())(structuredClone(event.envelope), lambdaContext(60_000));
    await vi.waitUntil(() => hung, { timeout: 30_000, interval: 10 });
    unscript();

    // Act: before the fix, the first refusal deleted the record and the second copy ran.
    const refusals = [];
    for (const container of containers.slice(0, 2)) {
      refusals.push(await container(structuredClone(event.envelope), lambdaContext()).catch((e: Error) => e));
    }

    // Assess
    expect(refusals.map((r) => (r as Error).name)).toEqual([
      'IdempotencyAlreadyInProgressError',
      'IdempotencyAlreadyInProgressError',
    ]);
    expect(await inbox.drain()).toEqual([]);
  });
});

describe('Reliability: a Lambda that crashes part-way is finished by the retry', () => {
  it('a crash after CreateTags succeeded (before quarantine and alert) leaves tags only; the retry quarantines and alerts once', async () => {
    // Prepare
    const event = await sharedSnapshotEvent();
    await inbox.drain();
    const crashing = faults.crashAfterFirst((attempt) => attempt.operation === 'CreateTags');
    const [first, retry] = containers;

    // Act
    const crash = await first!(structuredClone(event.envelope), lambdaContext()).catch((e: Error) => e);
    crashing.remove();
    const halfDone = await snapshotTags(ec2, event.snapshotId);
    const alertsAfterCrash = await inbox.drain();
    const verdict = await retry!(structuredClone(event.envelope), lambdaContext());

    // Assess
    expect((crash as Error).name).toBe('ActionFailedError');
    expect(halfDone['clonewarden:status']).toBe('quarantined');
    expect(alertsAfterCrash).toEqual([]);
    expect(verdict.status).toBe('quarantined');
    expect(verdict.actions.every((a) => a.done)).toBe(true);
    const { CreateVolumePermissions } = await ec2.send(
      new DescribeSnapshotAttributeCommand({
        SnapshotId: event.snapshotId,
        Attribute: 'createVolumePermission',
      }),
    );
    expect(CreateVolumePermissions ?? []).toEqual([]);
    expect((await snapshotTags(ec2, event.snapshotId))['clonewarden:quarantine-shares']).toBe(
      'u=444455556666',
    );
    expect(countByEventId(await inbox.drain()).get(event.eventId)).toBe(1);
  });

  it('a crash right after the ledger item was written (before any tag) is finished by the retry: one item, tags, quarantine, one alert', async () => {
    // Prepare
    const event = await sharedSnapshotEvent();
    await inbox.drain();
    const crashing = faults.crashAfterFirst(
      (attempt) =>
        attempt.service === 'DynamoDB' &&
        attempt.operation === 'PutItem' &&
        (attempt.input as { TableName?: string }).TableName === LEDGER_TABLE,
    );

    // Act
    const crash = await containers[0]!(structuredClone(event.envelope), lambdaContext()).catch(
      (e: Error) => e,
    );
    crashing.remove();
    const itemAfterCrash = await ledgerItem(event.snapshotId);
    const tagsAfterCrash = await snapshotTags(ec2, event.snapshotId);
    const verdict = await containers[1]!(structuredClone(event.envelope), lambdaContext());

    // Assess
    expect(crashing.crashed()).toBe(true);
    expect((crash as Error).name).toBe('ActionFailedError');
    expect(itemAfterCrash).toMatchObject({ status: 'quarantined', version: 1, quarantineShares: [] });
    expect(tagsAfterCrash['clonewarden:status']).toBeUndefined();
    expect(verdict.status).toBe('quarantined');
    expect(verdict.actions.every((a) => a.done)).toBe(true);
    const item = await ledgerItem(event.snapshotId);
    expect(item).toMatchObject({
      status: 'quarantined',
      eventId: event.eventId,
      quarantineShares: ['u=444455556666'],
    });
    expect(item!.history).toHaveLength(1);
    expect((await snapshotTags(ec2, event.snapshotId))['clonewarden:status']).toBe('quarantined');
    expect(countByEventId(await inbox.drain()).get(event.eventId)).toBe(1);
  });

  it("a crash after the shares were recorded in the ledger and removed: the retry keeps the ledger's shares (never the now-empty list) and alerts once", async () => {
    // Prepare
    const event = await sharedSnapshotEvent();
    await inbox.drain();
    const unscript = faults.script((attempt) =>
      attempt.operation === 'ModifySnapshotAttribute' && attempt.input.SnapshotId === event.snapshotId
        ? { after: 'crash' }
        : undefined,
    );

    // Act
    const crash = await containers[0]!(structuredClone(event.envelope), lambdaContext()).catch(
      (e: Error) => e,
    );
    unscript();
    const verdict = await containers[1]!(structuredClone(event.envelope), lambdaContext());

    // Assess
    expect((crash as Error).name).toBe('ActionFailedError');
    expect(verdict.status).toBe('quarantined');
    expect((await ledgerItem(event.snapshotId))!.quarantineShares).toEqual(['u=444455556666']);
    expect(countByEventId(await inbox.drain()).get(event.eventId)).toBe(1);
  });

  it('a crash after the shares were removed keeps the recorded shares; the retry disables the image and alerts once', async () => {
    // Prepare
    const event = await sharedImageEvent();
    await inbox.drain();
    const unscript = faults.script((attempt) =>
      attempt.operation === 'ModifyImageAttribute' && attempt.input.ImageId === event.imageId
        ? { after: 'crash' }
        : undefined,
    );

    // Act
    const crash = await containers[0]!(structuredClone(event.envelope), lambdaContext()).catch(
      (e: Error) => e,
    );
    unscript();
    const verdict = await containers[1]!(structuredClone(event.envelope), lambdaContext());

    // Assess
    expect((crash as Error).name).toBe('ActionFailedError');
    expect(verdict.status).toBe('quarantined');
    const { image, tags } = await imageTags(ec2, event.imageId);
    expect(image.State).toBe('disabled');
    expect(tags['clonewarden:quarantine-shares']).toBe('u=444455556666');
    const { LaunchPermissions } = await ec2.send(
      new DescribeImageAttributeCommand({ ImageId: event.imageId, Attribute: 'launchPermission' }),
    );
    expect(LaunchPermissions ?? []).toEqual([]);
    expect(countByEventId(await inbox.drain()).get(event.eventId)).toBe(1);
  });

  it('a Lambda timeout part-way: middy times the handler out early, the holder releases its record, and the retry completes with one alert', async () => {
    // Prepare: the invocation hangs before its Publish until its time runs out.
    const event = await sharedSnapshotEvent();
    await inbox.drain();
    let hung = false;
    const unscript = faults.script((attempt) => {
      if (hung || attempt.service !== 'SNS') return undefined;
      hung = true;
      return { before: 'hang' };
    });

    // Act: 3 s leaves room to reach the Publish (through the ledger write, the tags and the
    // quarantine) on a loaded machine; the hang then lasts the rest.
    const timedOut = await containers[0]!(structuredClone(event.envelope), lambdaContext(3_000)).catch(
      (e: Error) => e,
    );
    unscript();
    const verdict = await containers[1]!(structuredClone(event.envelope), lambdaContext());

    // Assess
    expect(hung).toBe(true);
    expect((timedOut as Error).name).toBe('TimeoutError');
    expect(verdict.status).toBe('quarantined');
    expect(verdict.actions.every((a) => a.done)).toBe(true);
    expect(countByEventId(await inbox.drain()).get(event.eventId)).toBe(1);
  });

  it('a process that dies part-way leaves INPROGRESS; duplicates are refused until its remaining time is past, then the retry completes with one alert', async () => {
    // Prepare: the invocation hangs before its Publish and its process dies. The idempotency
    // layer reads the remaining time once, when it writes the record; a dead process never runs
    // middy's own early timeout, so later readings are far away.
    const event = await sharedSnapshotEvent();
    await inbox.drain();
    const remainingMs = 1_500;
    let readings = 0;
    const dyingContext = {
      ...lambdaContext(),
      getRemainingTimeInMillis: () => (readings++ === 0 ? remainingMs : 3_600_000),
    };
    let hung = false;
    const unscript = faults.script((attempt) => {
      if (hung || attempt.service !== 'SNS') return undefined;
      hung = true;
      return { before: 'hang' };
    });

    // Act: the abandoned invocation is never awaited (its process is gone).
    void (await loadContainer())(structuredClone(event.envelope), dyingContext);
    await vi.waitUntil(() => hung, { timeout: 30_000, interval: 10 });
    unscript();
    const tooEarly = await containers[2]!(structuredClone(event.envelope), lambdaContext()).catch(
      (e: Error) => e,
    );
    // Lambda retries an async event after a minute or more; here, just past the expiry.
    await new Promise((resolve) => setTimeout(resolve, remainingMs + 200));
    const verdict = await containers[2]!(structuredClone(event.envelope), lambdaContext());

    // Assess
    expect((tooEarly as Error).name).toBe('IdempotencyAlreadyInProgressError');
    expect(verdict.status).toBe('quarantined');
    expect(verdict.actions.every((a) => a.done)).toBe(true);
    expect((await snapshotTags(ec2, event.snapshotId))['clonewarden:status']).toBe('quarantined');
    expect(countByEventId(await inbox.drain()).get(event.eventId)).toBe(1);
  });
});

describe('Reliability: ambiguous publishes (the answer is lost after SNS accepted the message)', () => {
  it('the SDK retries a Publish whose answer was lost, so some alerts arrive twice; each copy carries the event id, and deduplicating on it leaves one per event', async () => {
    // Prepare
    const events = await Promise.all(Array.from({ length: 24 }, () => sharedSnapshotEvent()));
    await inbox.drain();
    faults.resetStats();
    faults.setProfile('SNS', { rate: 0.3, mix: { lostResponse: 1 } });

    // Act
    const report = await deliverAsync(
      events.map((e) => e.envelope),
      containers,
    );
    faults.clearProfiles();
    const received = await inbox.drain();

    // Assess
    const perEvent = countByEventId(received);
    const duplicated = [...perEvent.values()].filter((n) => n > 1).length;
    expect(report.deadLetters).toEqual([]);
    expect(faults.stats.faults['SNS:lostResponse'] ?? 0).toBeGreaterThan(0);
    // The residual risk, measured: more messages than events.
    expect(received.length).toBeGreaterThan(events.length);
    expect(duplicated).toBeGreaterThan(0);
    // The mitigation: every copy names its event, so one per event id remains.
    expect(new Set(perEvent.keys())).toEqual(new Set(events.map((e) => e.eventId)));
    for (const alert of received) expect(alert.attributes.eventId).toBe(alert.document.verdict.eventId);
    figures.ambiguousPublish = {
      events: events.length,
      lostAnswers: faults.stats.faults['SNS:lostResponse'],
      messagesReceived: received.length,
      eventsAlertedMoreThanOnce: duplicated,
      distinctEventIds: perEvent.size,
    };
  });
});
