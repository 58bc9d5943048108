import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CreateImageCommand,
  CreateTagsCommand,
  DescribeImageAttributeCommand,
  EC2Client,
  ModifyImageAttributeCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Caller, eventBridgeEnvelope, records } from '../../scripts/lib/cloudtrail-records.js';
import { EMULATOR_ACCOUNT } from '../../scripts/lib/emulator.js';
import {
  asTags,
  createAlertInbox,
  imageTags,
  LABELS,
  launchInstance,
  registerBaseImage,
  writeEnforcingPolicy,
} from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import { runCli } from '../support/run-cli.js';

const REGION = 'us-west-2';
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

let ec2: EC2Client;
let inbox: Awaited<ReturnType<typeof createAlertInbox>>;
let policy: string;
let baseImageId: string;
const dir = mkdtempSync(join(tmpdir(), 'clonewarden-replay-'));

async function makeSharedImage(): Promise<{ imageId: string; instanceId: string }> {
  const { instanceId } = await launchInstance(ec2, baseImageId, { tags: LABELS, stopped: true });
  const { ImageId } = await ec2.send(
    new CreateImageCommand({ InstanceId: instanceId, Name: `img-${Date.now()}-${Math.random()}` }),
  );
  await ec2.send(new CreateTagsCommand({ Resources: [ImageId!], Tags: asTags(LABELS) }));
  await ec2.send(
    new ModifyImageAttributeCommand({ ImageId, LaunchPermission: { Add: [{ UserId: '444455556666' }] } }),
  );
  return { imageId: ImageId!, instanceId };
}

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  inbox = await createAlertInbox(REGION, 'replay-cli');
  policy = writeEnforcingPolicy();
  baseImageId = await registerBaseImage(ec2, REGION);
  delete process.env.CLONEWARDEN_DRY_RUN;
  delete process.env.CLONEWARDEN_ALERT_TOPIC_ARN;
});

afterEach(() => vi.restoreAllMocks());

describe('Integration: clonewarden replay', () => {
  it('--dry-run plans and alerts (marked DRY RUN) but changes nothing in the account', async () => {
    // Prepare: a clone by someone not allowed to clone, shared with another account.
    const { imageId, instanceId } = await makeSharedImage();
    const file = join(dir, 'dry-run.json');
    writeFileSync(
      file,
      JSON.stringify(
        records.createImage({
          caller: developer,
          region: REGION,
          instanceId,
          imageId,
          noReboot: false,
          name: 'x',
        }),
      ),
    );
    const before = await imageTags(ec2, imageId);

    // Act
    const { code, lines } = await runCli([
      'replay',
      file,
      '--policy',
      policy,
      '--topic-arn',
      inbox.topicArn,
      '--dry-run',
      '--json',
    ]);

    // Assess
    expect(code).toBe(0);
    const [line, summaryLine] = lines.map((l) => JSON.parse(l));
    expect(line).toMatchObject({ status: 'quarantined', resources: [imageId] });
    expect(
      line.actions
        .filter((a: { type: string }) => a.type !== 'alert')
        .every((a: { done: boolean }) => !a.done),
    ).toBe(true);
    const after = await imageTags(ec2, imageId);
    expect(after.tags).toEqual(before.tags);
    expect(after.image.State).toBe('available');
    const permissions = await ec2.send(
      new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
    );
    expect(permissions.LaunchPermissions).toEqual([{ UserId: '444455556666' }]);
    const mutating = Object.keys(summaryLine.summary.apiCalls).filter(
      (op) => !/:(Describe|Get|List)/.test(op) && op !== 'SNS:Publish',
    );
    expect(mutating).toEqual([]);
    const alerts = await inbox.drain();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.subject).toMatch(/^DRY RUN /);
    expect(alerts[0]!.attributes.dryRun).toBe('true');
  });

  it('warns once when violations go unalerted for want of a topic; --no-alerts sends none and says nothing', async () => {
    // Prepare: two clones by someone not allowed to clone, in one file.
    const clones = [await makeSharedImage(), await makeSharedImage()];
    const file = join(dir, 'no-topic.json');
    writeFileSync(
      file,
      JSON.stringify(
        clones.map(({ imageId, instanceId }) =>
          records.createImage({
            caller: developer,
            region: REGION,
            instanceId,
            imageId,
            noReboot: false,
            name: 'n',
          }),
        ),
      ),
    );
    const warning = /violations found, but no alert is sent: no alert topic/g;

    // Act
    const noTopic = await runCli(['replay', file, '--policy', policy, '--dry-run', '--json']);
    const noAlerts = await runCli([
      'replay',
      file,
      '--policy',
      policy,
      '--topic-arn',
      inbox.topicArn,
      '--dry-run',
      '--no-alerts',
      '--json',
    ]);

    // Assess
    expect(noTopic.code).toBe(0);
    expect(noTopic.stderr.match(warning)).toHaveLength(1);
    expect(noAlerts.code).toBe(0);
    expect(noAlerts.stderr).not.toMatch(warning);
    const verdicts = noAlerts.lines.slice(0, 2).map((line) => JSON.parse(line));
    expect(verdicts.map((verdict) => verdict.status)).toEqual(['quarantined', 'quarantined']);
    for (const verdict of verdicts) {
      expect(verdict.actions.filter((action: { type: string }) => action.type === 'alert')).toEqual([]);
    }
    expect(await inbox.drain()).toEqual([]);
  });

  it('--json prints one line per record in the documented shape, then a summary; violations exit 0', async () => {
    // Prepare: a CloudTrail log file, gzipped, with a governed record, a failed call and a non-EC2 record.
    const { imageId, instanceId } = await makeSharedImage();
    const governed = records.createImage({
      caller: platform,
      region: REGION,
      instanceId,
      imageId,
      noReboot: false,
      name: 'ok',
    });
    const failedCall = {
      ...records.createImage({
        caller: platform,
        region: REGION,
        instanceId,
        imageId,
        noReboot: false,
        name: 'x',
      }),
      errorCode: 'Client.DryRunOperation',
    };
    const otherService = { ...governed, eventSource: 's3.amazonaws.com', eventID: 'not-ec2' };
    const file = join(dir, 'log.json.gz');
    writeFileSync(file, gzipSync(JSON.stringify({ Records: [governed, failedCall, otherService] })));

    // Act
    const { code, lines } = await runCli(['replay', file, '--policy', policy, '--json']);

    // Assess
    expect(code).toBe(0);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed).toHaveLength(4);
    expect(parsed[0]).toEqual({
      eventId: governed.eventID,
      eventName: 'CreateImage',
      region: REGION,
      account: EMULATOR_ACCOUNT,
      resources: [imageId],
      status: 'compliant',
      violations: [],
      actions: expect.arrayContaining([{ type: 'tag', target: imageId, done: true }]),
    });
    expect(parsed[1]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/dry-run/i) });
    expect(parsed[2]).toMatchObject({ status: 'skipped' });
    expect(parsed[3].summary).toMatchObject({
      records: 3,
      failed: 0,
      byStatus: { compliant: 1, skipped: 2 },
    });
    expect((await imageTags(ec2, imageId)).tags['clonewarden:status']).toBe('compliant');
  });

  it('accepts an EventBridge envelope and a bare record, and exits 1 when a record fails to process', async () => {
    // Prepare: an envelope for a real clone, and a record whose clone never appears.
    const { imageId, instanceId } = await makeSharedImage();
    const envelopeFile = join(dir, 'envelope.json');
    writeFileSync(
      envelopeFile,
      JSON.stringify(
        eventBridgeEnvelope(
          records.createImage({
            caller: platform,
            region: REGION,
            instanceId,
            imageId,
            noReboot: false,
            name: 'e',
          }),
        ),
      ),
    );
    const ghostFile = join(dir, 'ghost.json');
    writeFileSync(
      ghostFile,
      JSON.stringify(
        records.createImage({
          caller: platform,
          region: REGION,
          instanceId,
          imageId: 'ami-0000000000000dead',
          noReboot: false,
          name: 'g',
        }),
      ),
    );
    process.env.CLONEWARDEN_VISIBILITY_ATTEMPTS = '2';

    // Act
    const { code, lines, stderr } = await runCli([
      'replay',
      envelopeFile,
      ghostFile,
      '--policy',
      policy,
      '--json',
    ]);
    delete process.env.CLONEWARDEN_VISIBILITY_ATTEMPTS;

    // Assess
    expect(code).toBe(1);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed[0]).toMatchObject({ status: 'compliant', resources: [imageId] });
    expect(parsed.at(-1).summary).toMatchObject({ records: 2, failed: 1 });
    expect(parsed.at(-1).summary.failures[0].error).toMatch(/ami-0000000000000dead.*not visible/);
    // It names the region and account it looked in: those the record names.
    expect(parsed.at(-1).summary.failures[0].error).toContain(
      `not visible in ${REGION} after 2 attempts; EC2 was asked in the region the record names (awsRegion ${REGION}, account ${EMULATOR_ACCOUNT})`,
    );
    expect(stderr).toMatch(/FAILED/);
  });

  it('exits 2 on an invalid policy, naming the path of the problem', async () => {
    // Prepare
    const bad = join(dir, 'bad.yml');
    writeFileSync(
      bad,
      'version: 1\nrules:\n  - id: depth\n    type: max-generation\n    severity: high\n    action: quarantine\n    max: 0\n',
    );
    const file = join(dir, 'any.json');
    writeFileSync(file, '{}');

    // Act
    const { code, stderr } = await runCli(['replay', file, '--policy', bad]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(/rules\[0\]\.max: .*positive integer.*line 7/);
  });
});
