import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeVolumesCommand,
  EC2Client,
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
  grantees,
  instanceStates,
  launchAsRecorded,
  registerBaseImage,
  restoredTags,
  shareImageAsRecorded,
  shareSnapshotAsRecorded,
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
  SCALED_VISIBILITY_RETRY,
  scaledAdaptiveRetry,
} from '../support/fault-injection.js';
import {
  deliverAsync,
  type LambdaHandler,
  lambdaContext,
  loadContainers,
  recordFigures,
} from '../support/lambda-delivery.js';

/*
 * The guards of a clone after its birth (issue 10) under the same faults as creation: share
 * records (ModifyImageAttribute, ModifySnapshotAttribute) whose grants are reverted, and restore
 * records (RunInstances, CreateVolume) of quarantined clones whose new resources are labelled and
 * whose instances are stopped. Through the real wrapped handler against moto, with the fault
 * harness of test/support/fault-injection.ts between the SDK and moto: 30% of EC2 and SNS
 * requests failing (lost answers included), and crashes right after a revert, a stop or a label
 * succeeded. Every event must end done (read back through the real APIs) with exactly one alert.
 */

const harness = vi.hoisted((): EnforceHarness => ({ options: {} }));
vi.mock('../../shared/aws/clients.js', async (importOriginal) =>
  (await import('../support/enforce-harness.js')).harnessedClients(await importOriginal(), harness),
);
vi.mock('../../shared/pipeline/create-enforce-context.js', async (importOriginal) =>
  (await import('../support/enforce-harness.js')).harnessedEnforceContext(await importOriginal(), harness),
);

const REGION = 'us-west-1';
const EVENTS_PER_TYPE = Number(process.env.CLONEWARDEN_RELIABILITY_GUARD_EVENTS_PER_TYPE ?? 16);
const SEED = 10_010;
/** The account the policy allows (GUARD_RULES), and one it does not. */
const ALLOWED = '111122223333';
const FOREIGN = '444455556666';
const developer: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'Developer',
  session: 'eve',
};
/** A clone clonewarden quarantined before the ledger held it: its tag is believed on first use. */
const QUARANTINED = { 'clonewarden:status': 'quarantined', 'clonewarden:generation': '1' };

type GuardEvent =
  | { type: 'ModifyImageAttribute'; imageId: string }
  | { type: 'ModifySnapshotAttribute'; snapshotId: string }
  | { type: 'RunInstances'; imageId: string; instanceIds: string[] }
  | { type: 'CreateVolume'; snapshotId: string; volumeId: string };
type Planned = GuardEvent & { envelope: Record<string, unknown>; eventId: string };

const faults = new FaultInjector(SEED);
const figures: Record<string, unknown> = {};
let ec2: EC2Client;
let inbox: Awaited<ReturnType<typeof createAlertInbox>>;
let containers: LambdaHandler[];
let quarantinedImageId: string;
let quarantinedSnapshotId: string;

const planned = (event: GuardEvent, record: Record<string, unknown>): Planned => ({
  ...event,
  envelope: eventBridgeEnvelope(record),
  eventId: String(record.eventID),
});

/** An image shared for real with the public, a foreign and the allowed account in one call. */
async function imageShare(): Promise<Planned> {
  const imageId = await registerBaseImage(ec2, REGION, `share-${Math.random().toString(36).slice(2, 9)}`);
  const add: Record<string, string>[] = [{ group: 'all' }, { userId: FOREIGN }, { userId: ALLOWED }];
  const record = await shareImageAsRecorded(ec2, { caller: developer, region: REGION, imageId, add });
  return planned({ type: 'ModifyImageAttribute', imageId }, record);
}

/** A snapshot shared for real with a foreign and the allowed account in one call. */
async function snapshotShare(): Promise<Planned> {
  const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 1 }));
  const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId }));
  const record = await shareSnapshotAsRecorded(ec2, {
    caller: developer,
    region: REGION,
    snapshotId: SnapshotId!,
    add: [{ userId: FOREIGN }, { userId: ALLOWED }],
  });
  return planned({ type: 'ModifySnapshotAttribute', snapshotId: SnapshotId! }, record);
}

/** An instance launched for real from the quarantined image. */
async function launch(): Promise<Planned> {
  const { instances, record } = await launchAsRecorded(ec2, {
    caller: developer,
    region: REGION,
    imageId: quarantinedImageId,
  });
  const instanceIds = instances.map((i) => i.instanceId);
  return planned({ type: 'RunInstances', imageId: quarantinedImageId, instanceIds }, record);
}

/** A volume created for real from the quarantined snapshot. */
async function restoreVolume(): Promise<Planned> {
  const zone = `${REGION}a`;
  const { VolumeId } = await ec2.send(
    new CreateVolumeCommand({ AvailabilityZone: zone, SnapshotId: quarantinedSnapshotId }),
  );
  const record = records.createVolume({
    caller: developer,
    region: REGION,
    snapshotId: quarantinedSnapshotId,
    volumeId: VolumeId!,
    zone,
  });
  return planned({ type: 'CreateVolume', snapshotId: quarantinedSnapshotId, volumeId: VolumeId! }, record);
}

const MAKERS: Record<GuardEvent['type'], () => Promise<Planned>> = {
  ModifyImageAttribute: imageShare,
  ModifySnapshotAttribute: snapshotShare,
  RunInstances: launch,
  CreateVolume: restoreVolume,
};

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  inbox = await createAlertInbox(REGION, 'reliability-guards');
  await createIdempotencyTable(REGION, 'reliability-guards-idempotency');
  await createLedgerTable(REGION, 'reliability-guards-ledger');
  Object.assign(process.env, {
    CLONEWARDEN_LEDGER_TABLE: 'reliability-guards-ledger',
    CLONEWARDEN_POLICY: writeEnforcingPolicy({ guards: true }),
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    CLONEWARDEN_IDEMPOTENCY_TABLE: 'reliability-guards-idempotency',
    CLONEWARDEN_ENFORCER_ROLE_ARN: `arn:aws:iam::${EMULATOR_ACCOUNT}:role/clonewarden-test-enforce`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
  harness.options = { decorateStack: faults.decorateStack, retryStrategy: scaledAdaptiveRetry() };
  harness.visibilityRetry = SCALED_VISIBILITY_RETRY;
  containers = await loadContainers(4);
  quarantinedImageId = await registerBaseImage(ec2, REGION, 'quarantined-golden');
  const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 1 }));
  ({ SnapshotId: quarantinedSnapshotId } = (await ec2.send(new CreateSnapshotCommand({ VolumeId }))) as {
    SnapshotId: string;
  });
  await ec2.send(
    new CreateTagsCommand({
      Resources: [quarantinedImageId, quarantinedSnapshotId],
      Tags: asTags(QUARANTINED),
    }),
  );
}, 120_000);

afterAll(() => {
  if (Object.keys(figures).length > 0) recordFigures('guardsUnderFaults', figures);
});

/** The tags of what a launch created (instances, their volumes, their interfaces) and the instances' states. */
async function launched(instanceIds: string[]) {
  const [states, tags] = await Promise.all([
    instanceStates(ec2, instanceIds),
    restoredTags(ec2, instanceIds),
  ]);
  return { states, tags: [...tags.values()] };
}

/** The grants a verdict's revert names as gone: removed by it, or by an earlier attempt (a retry). */
function revertedOf(verdict: Verdict): string {
  const revert = verdict.actions.find((a) => a.type === 'revert');
  return [...(revert?.removedShares ?? []), ...(revert?.alreadyGone ?? [])].sort().join();
}

/** What is wrong with one event's enforcement, read back through the real APIs; [] when done. */
async function problemsOf(event: Planned, verdict: Verdict, alerts: number): Promise<string[]> {
  const problems: string[] = [];
  if (alerts !== 1) problems.push(`${alerts} alerts`);
  if (verdict.actions.some((a) => !a.done)) problems.push('an action is not done');
  const label = (tags: Record<string, string>, from: string) => {
    if (tags['clonewarden:restored-from'] !== from)
      problems.push(`restored-from ${tags['clonewarden:restored-from']}`);
    if (tags['clonewarden:status'] !== 'violation') problems.push(`status ${tags['clonewarden:status']}`);
  };
  switch (event.type) {
    case 'ModifyImageAttribute': {
      const remaining = await grantees(ec2, event.imageId);
      if (remaining.join() !== ALLOWED) problems.push(`still granted: ${remaining.join()}`);
      if (revertedOf(verdict) !== `g=all,u=${FOREIGN}`) problems.push(`reverted ${revertedOf(verdict)}`);
      break;
    }
    case 'ModifySnapshotAttribute': {
      const remaining = await grantees(ec2, event.snapshotId);
      if (remaining.join() !== ALLOWED) problems.push(`still granted: ${remaining.join()}`);
      if (revertedOf(verdict) !== `u=${FOREIGN}`) problems.push(`reverted ${revertedOf(verdict)}`);
      break;
    }
    case 'RunInstances': {
      const { states, tags } = await launched(event.instanceIds);
      if (states.some((state) => state !== 'stopped')) problems.push(`states ${states.join()}`);
      if (tags.length < 3) problems.push(`${tags.length} resources found`);
      for (const t of tags) label(t, event.imageId);
      break;
    }
    case 'CreateVolume': {
      const { Volumes } = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [event.volumeId] }));
      label(tagsOf(Volumes![0]!.Tags), event.snapshotId);
      break;
    }
  }
  return problems;
}

describe('Reliability: the guards under 30% EC2 and SNS faults', () => {
  it(`${EVENTS_PER_TYPE} share and restore events of each type end done or dead-lettered whole; a redrive completes each with one alert`, async () => {
    // Prepare
    const types = Object.keys(MAKERS) as GuardEvent['type'][];
    const events: Planned[] = [];
    for (let i = 0; i < EVENTS_PER_TYPE; i++) for (const type of types) events.push(await MAKERS[type]());
    await inbox.drain();
    faults.resetStats();
    faults.setProfile('EC2', FAULTS_WITH_LOST_ANSWERS);
    faults.setProfile('SNS', FAULTS_BEFORE_REQUEST);

    // Act: the storm, then the DLQ redriven once the faults are over.
    const storm = await deliverAsync(
      events.map((e) => e.envelope),
      containers,
    );
    const stormStats = structuredClone(faults.stats);
    faults.clearProfiles();
    const redrive = await deliverAsync(
      storm.deadLetters.map((d) => d.event),
      containers,
    );
    const alerts = countByEventId(await inbox.drain());

    // Assess: each event either got a verdict or was dead-lettered whole, and none alerted then.
    for (const outcome of storm.outcomes) {
      expect(outcome.deadLettered !== (outcome.verdict !== undefined), outcome.eventId).toBe(true);
    }
    expect(redrive.deadLetters).toEqual([]);
    const verdictOf = (id: string) =>
      (storm.outcomes.find((o) => o.eventId === id)!.verdict ??
        redrive.outcomes.find((o) => o.eventId === id)!.verdict)!;
    const problems: string[] = [];
    for (const event of events) {
      for (const problem of await problemsOf(event, verdictOf(event.eventId), alerts.get(event.eventId) ?? 0))
        problems.push(`${event.type} ${event.eventId}: ${problem}`);
    }
    expect(problems).toEqual([]);
    for (const kind of ['throttle', 'http500', 'drop', 'lostResponse']) {
      expect(stormStats.faults[`EC2:${kind}`] ?? 0, kind).toBeGreaterThan(0);
    }
    figures.storm = {
      command: 'npx vitest run --project integration test/integration/reliability-guards.test.ts',
      seed: SEED,
      faultRate: FAULT_RATE,
      events: events.length,
      byType: Object.fromEntries(types.map((type) => [type, events.filter((e) => e.type === type).length])),
      enforcedInStorm: storm.outcomes.filter((o) => !o.deadLettered).length,
      deadLettered: storm.deadLetters.length,
      completedByRedrive: redrive.outcomes.filter((o) => !o.deadLettered).length,
      faults: stormStats.faults,
      alertsPerEvent: 'exactly one',
    };
  }, 600_000);
});

describe('Reliability: a guard that crashes part-way is finished by the retry', () => {
  it.each<[string, GuardEvent['type'], string]>([
    [
      'a revert of an image share, crashed after the grants were removed',
      'ModifyImageAttribute',
      'ModifyImageAttribute',
    ],
    [
      'a revert of a snapshot share, crashed after the grants were removed',
      'ModifySnapshotAttribute',
      'ModifySnapshotAttribute',
    ],
    ['a launch of a quarantined image, crashed after its labels', 'RunInstances', 'CreateTags'],
    ['a launch of a quarantined image, crashed after the stop', 'RunInstances', 'StopInstances'],
    ['a volume of a quarantined snapshot, crashed after its labels', 'CreateVolume', 'CreateTags'],
  ])('%s: no alert from the crash; the retry completes it with one alert', async (_name, type, operation) => {
    // Prepare
    const event = await MAKERS[type]();
    await inbox.drain();
    const crash = faults.crashAfterFirst((attempt) => attempt.operation === operation);

    // Act
    const failed = await containers[0]!(structuredClone(event.envelope), lambdaContext()).catch(
      (e: Error) => e,
    );
    crash.remove();
    const alertsAfterCrash = await inbox.drain();
    const verdict = await containers[1]!(structuredClone(event.envelope), lambdaContext());
    const again = await containers[2]!(structuredClone(event.envelope), lambdaContext());

    // Assess
    expect(crash.crashed()).toBe(true);
    expect((failed as Error).name).toBe('ActionFailedError');
    expect(alertsAfterCrash).toEqual([]);
    expect(again).toEqual(verdict);
    const alerts = countByEventId(await inbox.drain()).get(event.eventId) ?? 0;
    expect(await problemsOf(event, verdict, alerts)).toEqual([]);
  });
});
