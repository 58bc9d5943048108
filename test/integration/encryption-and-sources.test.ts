import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopySnapshotCommand,
  CreateImageCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Caller, eventBridgeEnvelope, records } from '../../scripts/lib/cloudtrail-records.js';
import { EMULATOR_ACCOUNT } from '../../scripts/lib/emulator.js';
import type { Verdict } from '../../shared/model/types.js';
import {
  asTags,
  createAlertInbox,
  createIdempotencyTable,
  launchInstance,
  registerBaseImage,
  snapshotTags,
} from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import { lambdaContext } from '../support/run-cli.js';

/*
 * required-encryption and allowed-sources end to end against moto: real volumes, snapshots, KMS
 * keys and aliases, each CloudTrail record through the wrapped Lambda handler. moto's KMS
 * answers every DescribeKey with a customer-managed key, and its CopyImage ignores Encrypted,
 * so the AWS managed key path is unit-tested (test/aws/kms-keys.test.ts, test/rules/).
 */
const REGION = 'eu-north-1';
const platform: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'PlatformEngineer',
  session: 'dana',
};
const context = lambdaContext();

const POLICY = `version: 1
dryRun: false
alerts: { minSeverity: low }
rules:
  - id: encrypted-with-our-key
    type: required-encryption
    severity: high
    action: tag
    customerManaged: true
    kmsKeys: [alias/clone-key]
  - id: approved-workloads
    type: allowed-sources
    severity: high
    action: quarantine
    sourceTags: { DataClass: [public, internal] }
`;

let ec2: EC2Client;
let inbox: Awaited<ReturnType<typeof createAlertInbox>>;
let handler: (event: unknown, context: Context) => Promise<Verdict>;
let cloneKey: string;
let otherKey: string;

const deliver = (record: Record<string, unknown>) => handler(eventBridgeEnvelope(record), context);

/** A snapshot of a new volume, its snapshot labelled as given. */
async function aSourceSnapshot(labels: Record<string, string>): Promise<string> {
  const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 8 }));
  const snapshot = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId: volume.VolumeId!,
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: asTags(labels) }],
    }),
  );
  return snapshot.SnapshotId!;
}

/** CopySnapshot encrypted with `kmsKeyId`, and its record. */
async function anEncryptedCopy(sourceSnapshotId: string, kmsKeyId: string) {
  const copy = await ec2.send(
    new CopySnapshotCommand({
      SourceSnapshotId: sourceSnapshotId,
      SourceRegion: REGION,
      Encrypted: true,
      KmsKeyId: kmsKeyId,
    }),
  );
  const record = records.copySnapshot({
    caller: platform,
    region: REGION,
    sourceRegion: REGION,
    sourceSnapshotId,
    snapshotId: copy.SnapshotId!,
  });
  return { snapshotId: copy.SnapshotId!, record };
}

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  const kms = new KMSClient({ region: REGION });
  cloneKey = (await kms.send(new CreateKeyCommand({ Description: 'clones' }))).KeyMetadata!.Arn!;
  otherKey = (await kms.send(new CreateKeyCommand({ Description: 'another team' }))).KeyMetadata!.Arn!;
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/clone-key', TargetKeyId: cloneKey }));
  inbox = await createAlertInbox(REGION, 'encryption-and-sources');
  await createIdempotencyTable(REGION, 'encryption-and-sources-idempotency');
  const policyPath = join(mkdtempSync(join(tmpdir(), 'clonewarden-birth-')), 'clonewarden.yml');
  writeFileSync(policyPath, POLICY);
  Object.assign(process.env, {
    CLONEWARDEN_POLICY: policyPath,
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    CLONEWARDEN_IDEMPOTENCY_TABLE: 'encryption-and-sources-idempotency',
    CLONEWARDEN_ENFORCER_ROLE_ARN: `arn:aws:iam::${EMULATOR_ACCOUNT}:role/clonewarden-test-enforce`,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
  ({ handler } = (await import('../../functions/enforce.js')) as never);
  await inbox.drain();
});

describe('Integration: required-encryption and allowed-sources', () => {
  it('CopySnapshot encrypted with the aliased key, of an internal source: compliant, labels recorded, no alert', async () => {
    // Prepare
    const source = await aSourceSnapshot({ DataClass: 'internal' });
    const { snapshotId, record } = await anEncryptedCopy(source, cloneKey);

    // Act
    const verdict = await deliver(record);

    // Assess
    expect(verdict.violations).toEqual([]);
    expect(verdict.unknowns).toEqual([]);
    expect(verdict.status).toBe('compliant');
    expect(verdict.sourceLabels).toEqual({ DataClass: 'internal' });
    expect(await snapshotTags(ec2, snapshotId)).toMatchObject({ 'clonewarden:status': 'compliant' });
    expect(await inbox.drain()).toEqual([]);
  });

  it('CopySnapshot encrypted with a key the alias does not name: a violation, tagged, one alert', async () => {
    // Prepare
    const source = await aSourceSnapshot({ DataClass: 'public' });
    const { snapshotId, record } = await anEncryptedCopy(source, otherKey);

    // Act
    const verdict = await deliver(record);

    // Assess
    expect(verdict.violations.map((v) => [v.rule, v.message])).toEqual([
      ['encrypted-with-our-key', `${snapshotId} is encrypted with ${otherKey}, which is not in kmsKeys`],
    ]);
    expect(await snapshotTags(ec2, snapshotId)).toMatchObject({
      'clonewarden:status': 'violation',
      'clonewarden:violations': 'encrypted-with-our-key',
    });
    const alerts = await inbox.drain();
    expect(alerts.map((a) => a.attributes.rules)).toEqual(['["encrypted-with-our-key"]']);
  });

  it('CreateSnapshot of an unlabelled, unencrypted volume: both rules broken, quarantined, labels recorded as absent', async () => {
    // Prepare
    const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 8 }));
    const snapshot = await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId! }));

    // Act
    const verdict = await deliver(
      records.createSnapshot({
        caller: platform,
        region: REGION,
        volumeId: volume.VolumeId!,
        snapshotId: snapshot.SnapshotId!,
      }),
    );

    // Assess
    expect(verdict.violations.map((v) => v.message).sort()).toEqual([
      `${snapshot.SnapshotId} is not encrypted`,
      `source ${volume.VolumeId} has no DataClass label (allowed: public, internal)`,
    ]);
    expect(verdict.status).toBe('quarantined');
    expect(verdict.sourceLabels).toEqual({});
    expect(await snapshotTags(ec2, snapshot.SnapshotId!)).toMatchObject({
      'clonewarden:status': 'quarantined',
    });
    const alerts = await inbox.drain();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.document.verdict.status).toBe('quarantined');
  });

  it("CreateImage of a secret instance: its label recorded as it was, and the image's unencrypted disk named", async () => {
    // Prepare
    const baseImageId = await registerBaseImage(ec2, REGION);
    const { instanceId } = await launchInstance(ec2, baseImageId, {
      tags: { DataClass: 'secret' },
      stopped: true,
    });
    const { ImageId } = await ec2.send(new CreateImageCommand({ InstanceId: instanceId, Name: 'secret-db' }));

    // Act
    const verdict = await deliver(
      records.createImage({
        caller: platform,
        region: REGION,
        instanceId,
        imageId: ImageId!,
        noReboot: false,
        name: 'secret-db',
      }),
    );

    // Assess
    expect(verdict.sourceLabels).toEqual({ DataClass: 'secret' });
    expect(verdict.status).toBe('quarantined');
    const messages = verdict.violations.map((v) => v.message);
    expect(messages).toContain(
      `source ${instanceId} is labelled DataClass=secret; allowed: public, internal`,
    );
    expect(messages).toContainEqual(
      expect.stringMatching(new RegExp(`^snap-\\w+ \\(disk of ${ImageId}\\) is not encrypted$`)),
    );
    const alerts = await inbox.drain();
    expect(alerts).toHaveLength(1);
    expect((alerts[0]!.document.verdict as unknown as Verdict).sourceLabels).toEqual({ DataClass: 'secret' });
  });
});
