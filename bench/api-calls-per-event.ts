/**
 * API calls per event, counted at the SDK (the shared ApiCallCounter), for compliant events
 * through the wrapped Lambda handler against the local emulator.
 *
 *   node --import tsx bench/api-calls-per-event.ts
 *
 * Target (issue 3): at most 4 EC2/SNS calls for a compliant CreateImage and CreateSnapshot.
 * Target (issue 9): at most 1 call for the `EC2 AMI State Change` (available) event of an image
 * its creation event handled whole.
 * Issue 10 (measured, no target of its own): a share the policy allows, and a launch of a
 * compliant clone (labelled, no alert).
 * Target (issue 11): at most one ledger write per event, and no ledger read where the creation
 * event itself gives the lineage (a copy reads its parent's item: one GetItem).
 * Measured without the idempotency table, so that every DynamoDB call counted is the ledger's
 * (the document client's calls are counted under the same `DynamoDB:GetItem`/`PutItem` names as
 * Powertools'); idempotency adds its own 3–4 DynamoDB calls per event on top.
 * Writes bench/results/api-calls-per-event.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CopySnapshotCommand,
  CreateImageCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { Context } from 'aws-lambda';
import {
  amiStateChange,
  type Caller,
  eventBridgeEnvelope,
  records,
} from '../scripts/lib/cloudtrail-records.js';
import { EMULATOR_ACCOUNT, startEmulator, useEmulator } from '../scripts/lib/emulator.js';
import { apiCallCounter } from '../shared/aws/api-call-counter.js';
import type { Verdict } from '../shared/model/types.js';
import {
  asTags,
  createAlertInbox,
  createLedgerTable,
  LABELS,
  launchInstance,
  registerBaseImage,
  writeEnforcingPolicy,
} from '../test/support/aws-fixtures.js';

const REGION = 'us-east-1';
const ROOT = resolve(import.meta.dirname, '..');
const platform: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'PlatformEngineer',
  session: 'bench',
};
const context = {
  functionName: 'bench',
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

async function main() {
  const emulator = await startEmulator('bench-calls');
  try {
    useEmulator(emulator.endpoint, REGION);
    const ec2 = new EC2Client({ region: REGION });
    const inbox = await createAlertInbox(REGION, 'bench');
    await createLedgerTable(REGION, 'bench-ledger');
    Object.assign(process.env, {
      CLONEWARDEN_LEDGER_TABLE: 'bench-ledger',
      CLONEWARDEN_POLICY: writeEnforcingPolicy({ guards: true }),
      CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    const baseImageId = await registerBaseImage(ec2, REGION);

    let scenarios = 0;
    const measure = async (name: string, record: Record<string, unknown>) =>
      measureEvent(name, eventBridgeEnvelope(record));
    const measureEvent = async (name: string, event: Record<string, unknown>) => {
      // A fresh copy of the handler per scenario: its client set has not yet learned what the
      // emulator lacks, so each scenario makes the calls AWS would see.
      const { handler } = (await import(`../functions/enforce.js?scenario=${++scenarios}`)) as unknown as {
        handler: (event: unknown, context: Context) => Promise<Verdict>;
      };
      apiCallCounter.reset();
      const verdict = await handler(event, context);
      const calls = apiCallCounter.snapshot();
      const enforcement = Object.entries(calls).filter(([op]) => !op.startsWith('DynamoDB:'));
      return {
        scenario: name,
        status: verdict.status,
        enforcementCalls: enforcement.reduce((sum, [, n]) => sum + n, 0),
        ledgerReads: apiCallCounter.total((op) => op === 'DynamoDB:GetItem' || op === 'DynamoDB:Query'),
        ledgerWrites: apiCallCounter.total((op) => op === 'DynamoDB:PutItem'),
        calls,
      };
    };

    const results = [];
    let detachedSnapshotId = '';
    // A compliant image: a stopped, labelled instance, labels requested at creation.
    {
      const { instanceId } = await launchInstance(ec2, baseImageId, { tags: LABELS, stopped: true });
      const { ImageId } = await ec2.send(
        new CreateImageCommand({
          InstanceId: instanceId,
          Name: 'bench-image',
          TagSpecifications: [{ ResourceType: 'image', Tags: asTags(LABELS) }],
        }),
      );
      results.push(
        await measure(
          'CreateImage, compliant (stopped instance)',
          records.createImage({
            caller: platform,
            region: REGION,
            instanceId,
            imageId: ImageId!,
            noReboot: false,
            name: 'bench-image',
            tags: LABELS,
          }),
        ),
      );
      // Its `available` event: the creation event left nothing, so one read answers it.
      results.push(
        await measureEvent(
          'EC2 AMI State Change (available), image handled whole at creation',
          amiStateChange({
            account: EMULATOR_ACCOUNT,
            region: REGION,
            imageId: ImageId!,
            state: 'available',
          }),
        ),
      );
    }
    // A compliant snapshot of a detached, labelled volume. DescribeVolumeStatus, which the
    // emulator lacks, is attempted and counted, as AWS would answer it.
    {
      const { VolumeId } = await ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: `${REGION}a`,
          Size: 10,
          TagSpecifications: [{ ResourceType: 'volume', Tags: asTags(LABELS) }],
        }),
      );
      const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId }));
      detachedSnapshotId = SnapshotId!;
      results.push(
        await measure(
          'CreateSnapshot, compliant (detached volume)',
          records.createSnapshot({
            caller: platform,
            region: REGION,
            volumeId: VolumeId!,
            snapshotId: SnapshotId!,
          }),
        ),
      );
    }
    // A copy of a snapshot the ledger holds (the previous scenario's): its lineage is read from
    // the parent's item, one GetItem.
    {
      const { SnapshotId } = await ec2.send(
        new CopySnapshotCommand({ SourceSnapshotId: detachedSnapshotId, SourceRegion: REGION }),
      );
      results.push(
        await measure(
          'CopySnapshot of a clone the ledger holds (lineage from its item)',
          records.copySnapshot({
            caller: platform,
            region: REGION,
            sourceRegion: REGION,
            sourceSnapshotId: detachedSnapshotId,
            snapshotId: SnapshotId!,
          }),
        ),
      );
    }
    // A compliant snapshot of a volume attached to a stopped instance: one more read (its state).
    {
      const { volumeIds } = await launchInstance(ec2, baseImageId, { tags: LABELS, stopped: true });
      const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeIds[0] }));
      results.push(
        await measure(
          'CreateSnapshot, compliant (volume of a stopped instance)',
          records.createSnapshot({
            caller: platform,
            region: REGION,
            volumeId: volumeIds[0]!,
            snapshotId: SnapshotId!,
          }),
        ),
      );
    }

    results.push(...(await guardScenarios(ec2, measure)));

    const output = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      target:
        '≤ 4 EC2/SNS calls per compliant event; ≤ 1 ledger write, and a ledger read only for a clone of a clone; ≤ 1 call for the available event of an image handled at creation',
      results,
    };
    mkdirSync(resolve(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(
      resolve(ROOT, 'bench', 'results', 'api-calls-per-event.json'),
      `${JSON.stringify(output, null, 2)}\n`,
    );
    console.log(JSON.stringify(output, null, 2));
  } finally {
    await emulator.stop();
  }
}

/** Issue 10's guards: a share to the allowed account, and a launch of a compliant clone. */
async function guardScenarios(
  ec2: EC2Client,
  measure: (name: string, record: Record<string, unknown>) => Promise<unknown>,
) {
  const imageId = await registerBaseImage(ec2, REGION, 'bench-guarded');
  await ec2.send(
    new CreateTagsCommand({
      Resources: [imageId],
      Tags: asTags({ 'clonewarden:status': 'compliant', 'clonewarden:generation': '1' }),
    }),
  );
  // The account GUARD_RULES allows: the share is compliant and nothing is written.
  const add = [{ userId: '111122223333' }];
  await ec2.send(
    new ModifyImageAttributeCommand({
      ImageId: imageId,
      LaunchPermission: { Add: [{ UserId: add[0]!.userId }] },
    }),
  );
  const shared = await measure(
    'ModifyImageAttribute, a share the policy allows',
    records.modifyImageAttribute({ caller: platform, region: REGION, imageId, add }),
  );
  const { Instances } = await ec2.send(
    new RunInstancesCommand({ ImageId: imageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }),
  );
  const instances = (Instances ?? []).map((instance) => ({
    instanceId: instance.InstanceId!,
    networkInterfaceIds: (instance.NetworkInterfaces ?? []).map((eni) => eni.NetworkInterfaceId!),
  }));
  const launched = await measure(
    'RunInstances of a compliant clone (instance, volume and interface labelled)',
    records.runInstances({ caller: platform, region: REGION, imageId, instances }),
  );
  return [shared, launched];
}

await main();
