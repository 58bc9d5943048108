import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTagsCommand,
  DescribeImagesCommand,
  EC2Client,
  ModifyImageAttributeCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Caller, eventBridgeEnvelope, records } from '../../scripts/lib/cloudtrail-records.js';
import { EMULATOR_ACCOUNT } from '../../scripts/lib/emulator.js';
import { createAwsClients } from '../../shared/aws/clients.js';
import type { Verdict } from '../../shared/model/types.js';
import { createEnforceContext } from '../../shared/pipeline/create-enforce-context.js';
import { enforceRecord } from '../../shared/pipeline/enforce-record.js';
import {
  createAlertInbox,
  createIdempotencyTable,
  createLedgerTable,
  grantees,
  registerBaseImage,
  shareImageAsRecorded,
  shareSnapshotAsRecorded,
} from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import { lambdaContext } from '../support/run-cli.js';

/*
 * The sharing family end to end against moto: the share is made for real (ModifyImageAttribute,
 * ModifySnapshotAttribute), its CloudTrail record goes through the wrapped Lambda handler, and
 * the permissions and the alert are read back through the real APIs (DescribeImageAttribute,
 * DescribeSnapshotAttribute, SQS). Our Organization is moto's own (CreateOrganization).
 */
const REGION = 'ap-southeast-2';
const ALLOWED = '111122223333';
const FOREIGN = '444455556666';
const developer: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'Developer',
  session: 'eve',
};
const context = lambdaContext();

let ec2: EC2Client;
let inbox: Awaited<ReturnType<typeof createAlertInbox>>;
let handler: (event: unknown, context: Context) => Promise<Verdict>;
let policyPath: string;
let member: string;
let organizationArn: string;

function writeSharingPolicy(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'clonewarden-sharing-')), 'clonewarden.yml');
  writeFileSync(
    path,
    `version: 1
dryRun: false
alerts: { minSeverity: low }
rules:
  - id: no-foreign-shares
    type: allowed-sharing
    severity: critical
    action: revert
    accounts: ["${ALLOWED}"]
    organization: true
`,
  );
  return path;
}

async function ourOrganization(): Promise<{ arn: string; member: string }> {
  const organizations = new OrganizationsClient({ region: 'us-east-1' });
  try {
    await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  } catch (error) {
    if ((error as Error).name !== 'AlreadyInOrganizationException') throw error;
  }
  const { Organization } = await organizations.send(new DescribeOrganizationCommand({}));
  const created = await organizations.send(
    new CreateAccountCommand({ AccountName: 'member', Email: `member-${Date.now()}@example.com` }),
  );
  return { arn: Organization!.Arn!, member: created.CreateAccountStatus!.AccountId! };
}

/** Shares the image for real, as the developer did, and returns the record CloudTrail logs for it. */
const shareImage = (imageId: string, add: Record<string, string>[]) =>
  shareImageAsRecorded(ec2, { caller: developer, region: REGION, imageId, add });

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  inbox = await createAlertInbox(REGION, 'enforce-sharing');
  await createIdempotencyTable(REGION, 'enforce-sharing-idempotency');
  // The functions require clonewarden's ledger table.
  await createLedgerTable(REGION, 'enforce-sharing-ledger');
  ({ arn: organizationArn, member } = await ourOrganization());
  policyPath = writeSharingPolicy();
  Object.assign(process.env, {
    CLONEWARDEN_LEDGER_TABLE: 'enforce-sharing-ledger',
    CLONEWARDEN_POLICY: policyPath,
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    CLONEWARDEN_IDEMPOTENCY_TABLE: 'enforce-sharing-idempotency',
    CLONEWARDEN_ENFORCER_ROLE_ARN: `arn:aws:iam::${EMULATOR_ACCOUNT}:role/clonewarden-test-enforce`,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
  ({ handler } = (await import('../../functions/enforce.js')) as never);
  await inbox.drain();
});

describe('Integration: enforce, the sharing family', () => {
  it('reverts a public and a foreign share of an AMI, keeps the allowed and the older grants, alerts once', async () => {
    // Prepare: an older grant to the allowed account, then one call that adds three.
    const imageId = await registerBaseImage(ec2, REGION, 'shared');
    await ec2.send(
      new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: [{ UserId: ALLOWED }] } }),
    );
    const record = await shareImage(imageId, [{ group: 'all' }, { userId: FOREIGN }, { userId: member }]);

    // Act
    const envelope = eventBridgeEnvelope(record);
    const verdict = await handler(envelope, context);
    const again = await handler(envelope, context);

    // Assess
    expect(verdict.status).toBe('violation');
    expect(verdict.sharing).toMatchObject({
      added: ['g=all', `u=${FOREIGN}`, `u=${member}`],
      denied: ['g=all', `u=${FOREIGN}`],
    });
    expect(verdict.actions.find((a) => a.type === 'revert')).toMatchObject({
      done: true,
      removedShares: ['g=all', `u=${FOREIGN}`],
    });
    expect(await grantees(ec2, imageId)).toEqual([ALLOWED, member].sort());
    expect(again.eventId).toBe(verdict.eventId);
    const alerts = await inbox.drain();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.subject).toMatch(/^CRITICAL violation ami-/);
    expect((alerts[0]!.document.verdict as Verdict).actions).toContainEqual(
      expect.objectContaining({ type: 'revert', removedShares: ['g=all', `u=${FOREIGN}`] }),
    );
  });

  it('lets a share with our organization pass without an alert', async () => {
    // Prepare
    const imageId = await registerBaseImage(ec2, REGION, 'org-shared');
    const record = await shareImage(imageId, [{ organizationArn }]);

    // Act
    const verdict = await handler(eventBridgeEnvelope(record), context);

    // Assess
    expect(verdict).toMatchObject({ status: 'compliant', violations: [] });
    expect(await grantees(ec2, imageId)).toEqual([organizationArn]);
    expect(await inbox.drain()).toHaveLength(0);
  });

  it('reverts a snapshot shared with a foreign account', async () => {
    // Prepare
    const imageId = await registerBaseImage(ec2, REGION, 'snap-source');
    const { Images } = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    const snapshotId = Images![0]!.BlockDeviceMappings![0]!.Ebs!.SnapshotId!;
    const record = await shareSnapshotAsRecorded(ec2, {
      caller: developer,
      region: REGION,
      snapshotId,
      add: [{ userId: FOREIGN }, { userId: ALLOWED }],
    });

    // Act
    const verdict = await handler(eventBridgeEnvelope(record), context);

    // Assess
    expect(verdict.status).toBe('violation');
    expect(await grantees(ec2, snapshotId)).toEqual([ALLOWED]);
    expect((await inbox.drain()).map((a) => a.document.verdict.eventId)).toEqual([record.eventID]);
  });

  it('reverts every grant of a quarantined clone, even to an allowed account', async () => {
    // Prepare
    const imageId = await registerBaseImage(ec2, REGION, 'quarantined');
    await ec2.send(
      new CreateTagsCommand({
        Resources: [imageId],
        Tags: [{ Key: 'clonewarden:status', Value: 'quarantined' }],
      }),
    );
    const record = await shareImage(imageId, [{ userId: ALLOWED }]);

    // Act
    const verdict = await handler(eventBridgeEnvelope(record), context);

    // Assess
    expect(verdict.violations).toEqual([
      expect.objectContaining({ rule: 'quarantined-clone', action: 'revert' }),
    ]);
    expect(await grantees(ec2, imageId)).toEqual([]);
    expect(await inbox.drain()).toHaveLength(1);
  });

  it('skips a call that only removed grants', async () => {
    // Prepare
    const imageId = await registerBaseImage(ec2, REGION, 'unshared');
    const record = records.modifyImageAttribute({
      caller: developer,
      region: REGION,
      imageId,
      remove: [{ userId: FOREIGN }],
    });

    // Act
    const verdict = await handler(eventBridgeEnvelope(record), context);

    // Assess
    expect(verdict).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/only removed grants/),
    });
    expect(await inbox.drain()).toHaveLength(0);
  });

  it('changes nothing in dry-run, and says what it would have removed', async () => {
    // Prepare
    const imageId = await registerBaseImage(ec2, REGION, 'dry');
    const record = await shareImage(imageId, [{ group: 'all' }]);
    const aws = createAwsClients({ region: REGION });
    const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    const dry = await createEnforceContext({
      settings: { policyPath, topicArn: inbox.topicArn, forceDryRun: true, enforcerPrincipals: [] },
      aws,
      log,
      metrics: { count: () => {} },
    });

    // Act
    const verdict = await enforceRecord(eventBridgeEnvelope(record), dry);

    // Assess
    expect(verdict).toMatchObject({ dryRun: true, status: 'violation' });
    expect(verdict.actions.find((a) => a.type === 'revert')).toMatchObject({
      done: false,
      shares: ['g=all'],
    });
    expect(await grantees(ec2, imageId)).toEqual(['all']);
    const alerts = await inbox.drain();
    expect(alerts.map((a) => a.subject)).toEqual([expect.stringMatching(/^DRY RUN CRITICAL violation/)]);
  });
});
