import {
  CopyImageCommand,
  CopySnapshotCommand,
  CreateImageCommand,
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type Image,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  RegisterImageCommand,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Caller, eventBridgeEnvelope, records } from '../../scripts/lib/cloudtrail-records.js';
import { EMULATOR_ACCOUNT } from '../../scripts/lib/emulator.js';
import { createAlertInbox } from '../../scripts/lib/emulator-resources.js';
import type { Verdict } from '../../shared/model/types.js';
import { countByEventId } from '../support/alert-inbox.js';
import {
  asTags,
  createIdempotencyTable,
  createLedgerTable,
  LABELS,
  launchInstance,
  registerBaseImage,
  tagsOf,
  writeEnforcingPolicy,
} from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import type { EnforceHarness } from '../support/enforce-harness.js';
import {
  FAULT_RATE,
  FAULTS_BEFORE_REQUEST,
  FAULTS_WITH_LOST_ANSWERS,
  FaultInjector,
  rateLimiterEngaged,
  rateLimiters,
  SCALED_VISIBILITY_RETRY,
  scaledAdaptiveRetry,
  seededRandom,
  TIME_SCALE,
} from '../support/fault-injection.js';
import {
  type DeliveryReport,
  deliverAsync,
  type LambdaHandler,
  loadContainers,
  recordFigures,
} from '../support/lambda-delivery.js';

/*
 * "No event is lost": at least 200 events of every governed type, delivered through a model of
 * Lambda's async invocation (3 attempts, then the whole event to the DLQ) while 30% of all EC2
 * and SNS requests fail (throttling, 500, 503, dropped connections, timeouts, lost answers) and
 * new clones are "not found yet" for their first few reads. The SDK's own adaptive retries are
 * part of the picture (5 attempts, its retry quota, its rate limiter), on a clock 20x faster.
 * Every event must end fully enforced (read back through the real APIs) or dead-lettered whole,
 * and a redrive of the DLQ must complete every dead-lettered one with exactly one alert.
 */

const harness = vi.hoisted((): EnforceHarness => ({ options: {} }));
vi.mock('../../shared/aws/clients.js', async (importOriginal) =>
  (await import('../support/enforce-harness.js')).harnessedClients(await importOriginal(), harness),
);
vi.mock('../../shared/pipeline/create-enforce-context.js', async (importOriginal) =>
  (await import('../support/enforce-harness.js')).harnessedEnforceContext(await importOriginal(), harness),
);

const REGION = 'ap-northeast-1';
const EVENTS_PER_TYPE = Number(process.env.CLONEWARDEN_RELIABILITY_EVENTS_PER_TYPE ?? 200);
const CONTAINERS = 8;
const SEED = Number(process.env.CLONEWARDEN_RELIABILITY_SEED ?? 20_260_501);

const platform: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'PlatformEngineer',
  session: 'dana',
};
const developer: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'Developer',
  session: 'eve',
};
const SHARE_WITH = '444455556666';

type EventType =
  | 'CreateImage'
  | 'CreateSnapshot'
  | 'CreateSnapshots'
  | 'CopyImage'
  | 'CopySnapshot'
  | 'RegisterImage';
const TYPES: EventType[] = [
  'CreateImage',
  'CreateSnapshot',
  'CreateSnapshots',
  'CopyImage',
  'CopySnapshot',
  'RegisterImage',
];

interface PlannedEvent {
  type: EventType;
  caller: 'platform' | 'developer';
  envelope: Record<string, unknown>;
  eventId: string;
  cloneIds: string[];
}

const faults = new FaultInjector(SEED);
const random = seededRandom(SEED + 1);
let ec2: EC2Client;
let inbox: Awaited<ReturnType<typeof createAlertInbox>>;
let containers: LambdaHandler[];
const results: Record<string, unknown> = {};

/** Runs `work` over `items` with at most `limit` in flight. */
async function inPool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
) {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        out[index] = await work(items[index]!, index);
      }
    }),
  );
  return out;
}

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  inbox = await createAlertInbox(REGION, 'reliability-faults');
  await createIdempotencyTable(REGION, 'reliability-faults-idempotency');
  // The functions require clonewarden's ledger table.
  await createLedgerTable(REGION, 'reliability-faults-ledger');
  Object.assign(process.env, {
    CLONEWARDEN_LEDGER_TABLE: 'reliability-faults-ledger',
    CLONEWARDEN_POLICY: writeEnforcingPolicy(),
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    CLONEWARDEN_IDEMPOTENCY_TABLE: 'reliability-faults-idempotency',
    CLONEWARDEN_ENFORCER_ROLE_ARN: `arn:aws:iam::${EMULATOR_ACCOUNT}:role/clonewarden-test-enforce`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
  harness.options = { decorateStack: faults.decorateStack, retryStrategy: scaledAdaptiveRetry() };
  harness.visibilityRetry = SCALED_VISIBILITY_RETRY;
  containers = await loadContainers(CONTAINERS);
}, 120_000);

afterAll(() => {
  if (Object.keys(results).length > 0) recordFigures('noEventLost', results);
});

/** Makes the clones for real in moto, one per planned event, and their CloudTrail records. */
async function planEvents(): Promise<PlannedEvent[]> {
  const baseImageId = await registerBaseImage(ec2, REGION);
  const stopped = await launchInstance(ec2, baseImageId, { tags: LABELS, stopped: true });
  const running = await launchInstance(ec2, baseImageId, { tags: LABELS });
  const { VolumeId: volumeId } = await ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: `${REGION}a`,
      Size: 4,
      TagSpecifications: [{ ResourceType: 'volume', Tags: asTags(LABELS) }],
    }),
  );
  const { ImageId: goldenImageId } = await ec2.send(
    new CreateImageCommand({ InstanceId: stopped.instanceId, Name: 'golden' }),
  );
  const { SnapshotId: goldenSnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
  await ec2.send(
    new CreateTagsCommand({
      Resources: [goldenImageId!, goldenSnapshotId!],
      Tags: asTags({ ...LABELS, 'clonewarden:generation': '1' }),
    }),
  );

  const slots = TYPES.flatMap((type) =>
    Array.from({ length: EVENTS_PER_TYPE }, (_, i) => ({
      type,
      i,
      caller: i % 4 === 0 ? developer : platform,
    })),
  );
  return inPool(slots, 6, async ({ type, i, caller }): Promise<PlannedEvent> => {
    const who = caller === developer ? 'developer' : 'platform';
    let record: Record<string, unknown>;
    let cloneIds: string[];
    switch (type) {
      case 'CreateImage': {
        const { ImageId } = await ec2.send(
          new CreateImageCommand({ InstanceId: stopped.instanceId, Name: `ci-${i}` }),
        );
        cloneIds = [ImageId!];
        record = records.createImage({
          caller,
          region: REGION,
          instanceId: stopped.instanceId,
          imageId: ImageId!,
          noReboot: false,
          name: `ci-${i}`,
        });
        break;
      }
      case 'CreateSnapshot': {
        const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
        cloneIds = [SnapshotId!];
        record = records.createSnapshot({
          caller,
          region: REGION,
          volumeId: volumeId!,
          snapshotId: SnapshotId!,
        });
        break;
      }
      case 'CreateSnapshots': {
        const { Snapshots } = await ec2.send(
          new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: running.instanceId } }),
        );
        cloneIds = Snapshots!.map((s) => s.SnapshotId!);
        record = records.createSnapshots({
          caller,
          region: REGION,
          instanceId: running.instanceId,
          snapshotIds: cloneIds,
        });
        break;
      }
      case 'CopyImage': {
        const { ImageId } = await ec2.send(
          new CopyImageCommand({ SourceImageId: goldenImageId, SourceRegion: REGION, Name: `copy-${i}` }),
        );
        cloneIds = [ImageId!];
        record = records.copyImage({
          caller,
          region: REGION,
          sourceRegion: REGION,
          sourceImageId: goldenImageId!,
          imageId: ImageId!,
        });
        break;
      }
      case 'CopySnapshot': {
        const { SnapshotId } = await ec2.send(
          new CopySnapshotCommand({ SourceSnapshotId: goldenSnapshotId, SourceRegion: REGION }),
        );
        cloneIds = [SnapshotId!];
        record = records.copySnapshot({
          caller,
          region: REGION,
          sourceRegion: REGION,
          sourceSnapshotId: goldenSnapshotId!,
          snapshotId: SnapshotId!,
        });
        break;
      }
      case 'RegisterImage': {
        const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
        const { ImageId } = await ec2.send(
          new RegisterImageCommand({
            Name: `reg-${i}`,
            RootDeviceName: '/dev/xvda',
            BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId } }],
          }),
        );
        cloneIds = [ImageId!];
        record = records.registerImage({
          caller,
          region: REGION,
          snapshotId: SnapshotId!,
          imageId: ImageId!,
          name: `reg-${i}`,
        });
        break;
      }
    }
    // A developer's clone will be quarantined: share it first, so that quarantine has work to do.
    if (who === 'developer') {
      const [id] = cloneIds;
      if (id!.startsWith('ami-')) {
        await ec2.send(
          new ModifyImageAttributeCommand({
            ImageId: id,
            LaunchPermission: { Add: [{ UserId: SHARE_WITH }] },
          }),
        );
      } else {
        await ec2.send(
          new ModifySnapshotAttributeCommand({
            SnapshotId: id,
            Attribute: 'createVolumePermission',
            OperationType: 'add',
            UserIds: [SHARE_WITH],
          }),
        );
      }
    }
    // EC2 is eventually consistent: a third of the clones are "not found yet" for 1 to 3 reads.
    if (random() < 1 / 3) for (const id of cloneIds) faults.hide(id, 1 + Math.floor(random() * 3));
    return {
      type,
      caller: who,
      envelope: eventBridgeEnvelope(record),
      eventId: String(record.eventID),
      cloneIds,
    };
  });
}

/** Every image and snapshot of the run, read in a few batched calls. */
async function readEstate(images: string[], snapshots: string[]) {
  const imageById = new Map<string, Image>();
  const snapshotById = new Map<string, Snapshot>();
  for (let i = 0; i < images.length; i += 200) {
    const { Images } = await ec2.send(
      new DescribeImagesCommand({ ImageIds: images.slice(i, i + 200), IncludeDisabled: true }),
    );
    for (const image of Images ?? []) imageById.set(image.ImageId!, image);
  }
  for (let i = 0; i < snapshots.length; i += 200) {
    const { Snapshots } = await ec2.send(
      new DescribeSnapshotsCommand({ SnapshotIds: snapshots.slice(i, i + 200) }),
    );
    for (const snapshot of Snapshots ?? []) snapshotById.set(snapshot.SnapshotId!, snapshot);
  }
  return { imageById, snapshotById };
}

/** What is wrong with one event's enforcement, read back through the real APIs; [] when complete. */
async function enforcementProblems(
  planned: PlannedEvent,
  verdict: Verdict,
  estate: Awaited<ReturnType<typeof readEstate>>,
  alerts: number,
): Promise<string[]> {
  const problems: string[] = [];
  const expectAlert = verdict.actions.some((a) => a.type === 'alert');
  if (alerts !== (expectAlert ? 1 : 0)) problems.push(`${alerts} alerts, expected ${expectAlert ? 1 : 0}`);
  if (verdict.actions.some((a) => !a.done)) problems.push('an action is not done');
  if (planned.caller === 'developer' && verdict.status !== 'quarantined')
    problems.push(`status ${verdict.status}`);
  for (const id of planned.cloneIds) {
    const image = estate.imageById.get(id);
    const tags = tagsOf(image ? image.Tags : estate.snapshotById.get(id)?.Tags);
    if (tags['clonewarden:event-id'] !== planned.eventId)
      problems.push(`${id}: event-id ${tags['clonewarden:event-id']}`);
    if (tags['clonewarden:status'] !== verdict.status)
      problems.push(`${id}: status tag ${tags['clonewarden:status']}`);
    if (!tags['clonewarden:generation']) problems.push(`${id}: no generation`);
    for (const snapshotId of (image?.BlockDeviceMappings ?? []).flatMap((m) => m.Ebs?.SnapshotId ?? [])) {
      const disk = tagsOf(estate.snapshotById.get(snapshotId)?.Tags);
      if (disk['clonewarden:status'] !== verdict.status)
        problems.push(`${id} disk ${snapshotId}: not tagged`);
    }
    if (verdict.status !== 'quarantined') continue;
    if (image) {
      if (image.State !== 'disabled') problems.push(`${id}: state ${image.State}`);
      const { LaunchPermissions } = await ec2.send(
        new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission' }),
      );
      if (LaunchPermissions?.length) problems.push(`${id}: still shared`);
    } else {
      const { CreateVolumePermissions } = await ec2.send(
        new DescribeSnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission' }),
      );
      if (CreateVolumePermissions?.length) problems.push(`${id}: still shared`);
    }
    if (planned.caller === 'developer' && tags['clonewarden:quarantine-shares'] !== `u=${SHARE_WITH}`) {
      problems.push(`${id}: shares not recorded (${tags['clonewarden:quarantine-shares']})`);
    }
  }
  return problems;
}

function byType(planned: PlannedEvent[], report: DeliveryReport) {
  return Object.fromEntries(
    TYPES.map((type) => {
      const ofType = planned.filter((p) => p.type === type);
      const outcomes = ofType.map((p) => report.outcomes.find((o) => o.eventId === p.eventId)!);
      return [
        type,
        {
          events: ofType.length,
          enforced: outcomes.filter((o) => !o.deadLettered).length,
          deadLettered: outcomes.filter((o) => o.deadLettered).length,
        },
      ];
    }),
  );
}

describe('Reliability: no event lost or acted on twice under 30% EC2 and SNS faults', () => {
  it(`${EVENTS_PER_TYPE} events of each governed type end enforced or dead-lettered whole; a redrive completes every one with exactly one alert`, async () => {
    // Prepare
    const planned = await planEvents();
    // Interleave the types, as a real account's event stream would.
    const shuffled = [...planned].sort(() => random() - 0.5);
    await inbox.drain();
    faults.resetStats();
    faults.setProfile('EC2', FAULTS_WITH_LOST_ANSWERS);
    faults.setProfile('SNS', FAULTS_BEFORE_REQUEST);

    // Act: the storm, then (the incident over) the DLQ redriven through the same containers.
    const storm = await deliverAsync(
      shuffled.map((p) => p.envelope),
      containers,
    );
    const stormStats = structuredClone(faults.stats);
    faults.clearProfiles();
    const alertsAfterStorm = countByEventId(await inbox.drain());
    const redrive = await deliverAsync(
      storm.deadLetters.map((d) => d.event),
      containers,
    );
    const alertsAfterRedrive = countByEventId(await inbox.drain());

    // Assess: every event has exactly one of the two endings, and the DLQ holds whole events.
    const all = storm.outcomes;
    expect(all).toHaveLength(TYPES.length * EVENTS_PER_TYPE);
    for (const outcome of all) {
      expect(outcome.deadLettered !== (outcome.verdict !== undefined), outcome.eventId).toBe(true);
    }
    const dead = all.filter((o) => o.deadLettered);
    expect(storm.deadLetters).toHaveLength(dead.length);
    for (const letter of storm.deadLetters) {
      const id = String((letter.event.detail as { eventID: string }).eventID);
      expect(letter.event).toEqual(planned.find((p) => p.eventId === id)!.envelope);
      expect(letter.errors).toHaveLength(3);
      for (const error of letter.errors) expect(error).not.toBe('ok');
      // Failed loudly, and the alert is the last action: a dead-lettered event sent none.
      expect(alertsAfterStorm.get(id) ?? 0).toBe(0);
    }
    expect(redrive.deadLetters).toEqual([]);
    const verdictOf = (id: string) =>
      (storm.outcomes.find((o) => o.eventId === id)!.verdict ??
        redrive.outcomes.find((o) => o.eventId === id)!.verdict)!;

    // Assess: read every clone back and count alerts per event id, across storm and redrive.
    const estate = await readEstate(
      planned.flatMap((p) => p.cloneIds.filter((id) => id.startsWith('ami-'))),
      [
        ...planned.flatMap((p) => p.cloneIds.filter((id) => id.startsWith('snap-'))),
        // The images' disks: moto gives each created image one backing snapshot.
        ...(
          await ec2.send(new DescribeImagesCommand({ Owners: ['self'], IncludeDisabled: true }))
        ).Images!.flatMap((image) =>
          (image.BlockDeviceMappings ?? []).flatMap((m) => m.Ebs?.SnapshotId ?? []),
        ),
      ],
    );
    const problems: string[] = [];
    await inPool(planned, 8, async (p) => {
      const verdict = verdictOf(p.eventId);
      const alerts = (alertsAfterStorm.get(p.eventId) ?? 0) + (alertsAfterRedrive.get(p.eventId) ?? 0);
      for (const problem of await enforcementProblems(p, verdict, estate, alerts)) {
        problems.push(`${p.type} ${p.eventId}: ${problem}`);
      }
    });
    expect(problems).toEqual([]);

    // Assess: faults did not change verdicts — one status and one rule set per type and caller.
    const verdictShapes = new Map<string, Set<string>>();
    for (const p of planned) {
      const verdict = verdictOf(p.eventId);
      const key = `${p.type}/${p.caller}`;
      const shape = `${verdict.status}:${[...new Set(verdict.violations.map((v) => v.rule))].sort().join(',')}`;
      verdictShapes.set(key, (verdictShapes.get(key) ?? new Set()).add(shape));
    }
    for (const [key, shapes] of verdictShapes) expect([...shapes], key).toHaveLength(1);

    // Assess: the faults really happened, and the SDK's adaptive retry engaged on throttling.
    for (const kind of ['throttle', 'http500', 'http503', 'drop', 'timeout', 'lostResponse']) {
      expect(stormStats.faults[`EC2:${kind}`] ?? 0, kind).toBeGreaterThan(0);
    }
    expect(stormStats.faults['SNS:throttle'] ?? 0).toBeGreaterThan(0);
    expect(stormStats.notFoundYet).toBeGreaterThan(0);
    expect(rateLimiters.some(rateLimiterEngaged)).toBe(true);

    const faultTotal = Object.values(stormStats.faults).reduce((a, b) => a + b, 0);
    Object.assign(results, {
      command: 'npx vitest run --project integration test/integration/reliability-faults.test.ts',
      seed: SEED,
      faultRate: FAULT_RATE,
      lambdaAttempts: 3,
      sdkMaxAttempts: 5,
      containers: CONTAINERS,
      timeScale: TIME_SCALE,
      events: all.length,
      storm: {
        enforced: all.length - dead.length,
        enforcedOnAttempt: storm.succeededOnAttempt,
        deadLettered: dead.length,
        byType: byType(planned, storm),
        requests: stormStats.attempts,
        reachedEndpoint: stormStats.reachedEndpoint,
        faults: stormStats.faults,
        faultTotal,
        notFoundYet: stormStats.notFoundYet,
        rateLimitersEngaged: rateLimiters.filter(rateLimiterEngaged).length,
      },
      redrive: {
        redriven: storm.deadLetters.length,
        enforced: redrive.outcomes.length - redrive.deadLetters.length,
        deadLettered: redrive.deadLetters.length,
      },
      finalState: {
        fullyEnforced: planned.length - new Set(problems.map((p) => p.split(':')[0])).size,
        alertsPerEvent: 'exactly one for each event with violations, none otherwise',
      },
    });
    console.log('reliability figures', JSON.stringify(results, null, 2));
  }, 600_000);
});
