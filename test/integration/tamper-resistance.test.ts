import {
  CopyImageCommand,
  CreateImageCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Caller, eventBridgeEnvelope, records } from '../../scripts/lib/cloudtrail-records.js';
import { EMULATOR_ACCOUNT } from '../../scripts/lib/emulator.js';
import type { Verdict } from '../../shared/model/types.js';
import {
  asTags,
  createAlertInbox,
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
import { lambdaContext } from '../support/run-cli.js';

/*
 * Tamper resistance against moto: the same clone made twice, once clean and once with the
 * `clonewarden:` tags a developer could forge (exempt, generation 0) on the clone, its source,
 * its origin and in the request's tagSpecificationSet. The verdicts must not differ.
 * (The shipped deny policy stops the forging itself: test/packaging/deny-policy.test.ts.)
 */

const REGION = 'ca-central-1';
const developer: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'Developer',
  session: 'eve',
};
const platform: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'PlatformEngineer',
  session: 'dana',
};
const FORGED = { 'clonewarden:status': 'exempt', 'clonewarden:generation': '0', 'clonewarden:root': 'self' };
const context = lambdaContext(60_000, 'tamper');

let ec2: EC2Client;
let handler: (event: unknown, context: Context) => Promise<Verdict>;

const forgedTagSpecification = (resourceType: string) => ({
  tagSpecificationSet: {
    items: [{ resourceType, tags: Object.entries(FORGED).map(([key, value]) => ({ key, value })) }],
  },
});
const forge = (ids: string[]) => ec2.send(new CreateTagsCommand({ Resources: ids, Tags: asTags(FORGED) }));
const shape = (verdict: Verdict) => ({
  status: verdict.status,
  rules: [...new Set(verdict.violations.map((v) => v.rule))].sort(),
  exemption: verdict.exemption,
  generation: Object.values(verdict.lineage ?? {})[0]?.generation,
});

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  const inbox = await createAlertInbox(REGION, 'tamper');
  await createIdempotencyTable(REGION, 'tamper-idempotency');
  // The functions require clonewarden's ledger table.
  await createLedgerTable(REGION, 'tamper-ledger');
  Object.assign(process.env, {
    CLONEWARDEN_LEDGER_TABLE: 'tamper-ledger',
    CLONEWARDEN_POLICY: writeEnforcingPolicy(),
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    CLONEWARDEN_IDEMPOTENCY_TABLE: 'tamper-idempotency',
    CLONEWARDEN_ENFORCER_ROLE_ARN: `arn:aws:iam::${EMULATOR_ACCOUNT}:role/clonewarden-test-enforce`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
  ({ handler } = (await import('../../functions/enforce.js')) as never);
});

describe('Tamper resistance: forged clonewarden: tags never change a verdict', () => {
  it('CreateImage by a developer: forged on the image, the instance, its AMI and in the request; still quarantined, generation 1', async () => {
    // Prepare
    const verdicts: Verdict[] = [];
    for (const forged of [false, true]) {
      const origin = await registerBaseImage(ec2, REGION);
      const { instanceId } = await launchInstance(ec2, origin, { tags: LABELS, stopped: true });
      const { ImageId } = await ec2.send(
        new CreateImageCommand({ InstanceId: instanceId, Name: `t-${forged}` }),
      );
      const record = records.createImage({
        caller: developer,
        region: REGION,
        instanceId,
        imageId: ImageId!,
        noReboot: false,
        name: `t-${forged}`,
      });
      if (forged) {
        await forge([ImageId!, instanceId, origin]);
        Object.assign(record.requestParameters as object, forgedTagSpecification('image'));
      }

      // Act
      verdicts.push(await handler(eventBridgeEnvelope(record), context));
      const { tags } = await imageTags(ec2, ImageId!);

      // Assess: what the enforcer wrote replaces the forgery.
      expect(tags['clonewarden:status']).toBe('quarantined');
      expect(tags['clonewarden:generation']).toBe('1');
    }
    expect(shape(verdicts[1]!)).toEqual(shape(verdicts[0]!));
    expect(verdicts[0]!.status).toBe('quarantined');
  });

  it('CreateSnapshot of an unlabelled volume made from a snapshot: forged on the clone, the volume and its snapshot; still a labels violation', async () => {
    // Prepare
    const verdicts: Verdict[] = [];
    for (const forged of [false, true]) {
      const { VolumeId: seed } = await ec2.send(
        new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 1 }),
      );
      const { SnapshotId: origin } = await ec2.send(new CreateSnapshotCommand({ VolumeId: seed }));
      const { VolumeId } = await ec2.send(
        new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, SnapshotId: origin }),
      );
      const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId }));
      const record = records.createSnapshot({
        caller: platform,
        region: REGION,
        volumeId: VolumeId!,
        snapshotId: SnapshotId!,
      });
      if (forged) {
        await forge([SnapshotId!, VolumeId!, origin!]);
        Object.assign(record.requestParameters as object, forgedTagSpecification('snapshot'));
      }

      // Act
      verdicts.push(await handler(eventBridgeEnvelope(record), context));

      // Assess
      expect((await snapshotTags(ec2, SnapshotId!))['clonewarden:status']).toBe('violation');
    }
    expect(shape(verdicts[1]!)).toEqual(shape(verdicts[0]!));
    expect(shape(verdicts[0]!)).toMatchObject({ status: 'violation', rules: ['labels'] });
  });

  it('CopyImage of a generation-2 image: an exempt status forged on both images does not lift the depth quarantine', async () => {
    // Prepare
    const verdicts: Verdict[] = [];
    for (const forged of [false, true]) {
      const base = await registerBaseImage(ec2, REGION);
      const { instanceId } = await launchInstance(ec2, base, { tags: LABELS, stopped: true });
      const { ImageId: source } = await ec2.send(
        new CreateImageCommand({ InstanceId: instanceId, Name: `src-${forged}` }),
      );
      await ec2.send(
        new CreateTagsCommand({
          Resources: [source!],
          Tags: asTags({ ...LABELS, 'clonewarden:generation': '2', 'clonewarden:root': base }),
        }),
      );
      const { ImageId } = await ec2.send(
        new CopyImageCommand({ SourceImageId: source, SourceRegion: REGION, Name: `copy-${forged}` }),
      );
      const record = records.copyImage({
        caller: platform,
        region: REGION,
        sourceRegion: REGION,
        sourceImageId: source!,
        imageId: ImageId!,
      });
      if (forged) {
        await ec2.send(
          new CreateTagsCommand({ Resources: [source!], Tags: asTags({ 'clonewarden:status': 'exempt' }) }),
        );
        await forge([ImageId!]);
        Object.assign(record.requestParameters as object, forgedTagSpecification('image'));
      }

      // Act
      verdicts.push(await handler(eventBridgeEnvelope(record), context));

      // Assess
      expect((await imageTags(ec2, ImageId!)).tags['clonewarden:generation']).toBe('3');
    }
    expect(shape(verdicts[1]!)).toEqual(shape(verdicts[0]!));
    expect(shape(verdicts[0]!)).toMatchObject({
      status: 'quarantined',
      rules: ['clone-depth'],
      generation: 3,
    });
  });
});
