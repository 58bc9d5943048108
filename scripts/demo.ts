/**
 * The README's main command (`npm run demo`): clonewarden end to end on the local AWS.
 *
 * It starts the emulator, seeds a small estate, makes five clones for real (compliant,
 * unlabelled, NoReboot of a running server, a clone of a clone of a clone, and a snapshot by
 * someone not allowed to clone), feeds their CloudTrail records through the enforce Lambda
 * handler, and shows what clonewarden did, read back through the AWS APIs.
 */
import { resolve } from 'node:path';
import {
  CopyImageCommand,
  CreateImageCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { buildAlert } from '../shared/actions/alert-message.js';
import type { Verdict } from '../shared/model/types.js';
import { type Caller, eventBridgeEnvelope, records } from './lib/cloudtrail-records.js';
import { showAuditReport } from './lib/demo-audit.js';
import { seedEstate } from './lib/demo-estate.js';
import { demoPendingImage } from './lib/demo-pending-image.js';
import { demoRestore } from './lib/demo-restore.js';
import { demoSharing } from './lib/demo-sharing.js';
import { demoTamper } from './lib/demo-tamper.js';
import { EMULATOR_ACCOUNT, startEmulator, useEmulator } from './lib/emulator.js';
import { createAlertInbox, createIdempotencyTable, createLedgerTable } from './lib/emulator-resources.js';

const REGION = 'us-east-1';
const platform: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'PlatformEngineer',
  session: 'alice@example.com',
};
const developer: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'Developer',
  session: 'mallory@example.com',
};

const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const section = (title: string) => console.log(`\n${bold(`== ${title} ==`)}`);
const tagsOf = (tags: Tag[] | undefined) =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value ?? '']));
const isoDate = (daysAhead: number) =>
  new Date(Date.now() + daysAhead * 86_400_000).toISOString().slice(0, 10);

async function main(): Promise<void> {
  section('Starting the local AWS (moto)');
  const emulator = await startEmulator('demo');
  console.log(`moto is answering at ${emulator.endpoint}`);
  try {
    await runDemo(emulator.endpoint);
  } finally {
    await emulator.stop();
    console.log('\nThe emulator is stopped; nothing is left running.');
  }
}

async function runDemo(endpoint: string): Promise<void> {
  useEmulator(endpoint, REGION);
  const ec2 = new EC2Client({ region: REGION });

  section('Seeding a demo estate');
  const estate = await seedEstate(ec2, REGION);
  await printEstate(ec2);

  section('Deploying clonewarden into the emulator');
  const inbox = await createAlertInbox(REGION, 'clonewarden-alerts');
  const topicArn = inbox.topicArn;
  await createIdempotencyTable(REGION, 'clonewarden-idempotency');
  // The functions require the ledger (clonewarden's own record; the tags mirror it).
  await createLedgerTable(REGION, 'clonewarden-ledger');
  Object.assign(process.env, {
    CLONEWARDEN_POLICY: resolve(import.meta.dirname, 'demo', 'policy.yml'),
    CLONEWARDEN_ALERT_TOPIC_ARN: topicArn,
    CLONEWARDEN_IDEMPOTENCY_TABLE: 'clonewarden-idempotency',
    CLONEWARDEN_LEDGER_TABLE: 'clonewarden-ledger',
    CLONEWARDEN_ENFORCER_ROLE_ARN: `arn:aws:iam::${EMULATOR_ACCOUNT}:role/clonewarden-enforce`,
    POWERTOOLS_SERVICE_NAME: 'clonewarden',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  console.log(
    `alerts topic ${topicArn}\n  → subscribed: an SQS queue standing in for the security team's inbox`,
  );
  console.log(
    'idempotency table clonewarden-idempotency, ledger table clonewarden-ledger; policy scripts/demo/policy.yml (enforcing)',
  );
  const { handler } = await import('../functions/enforce.js');
  const lambdaContext = {
    functionName: 'clonewarden-demo-enforce',
    awsRequestId: 'demo',
    getRemainingTimeInMillis: () => 60_000,
  } as never;
  const deliver = async (title: string, record: Record<string, unknown>): Promise<Verdict> => {
    const verdict = (await handler(eventBridgeEnvelope(record), lambdaContext)) as Verdict;
    console.log(`\n${bold(title)}`);
    printVerdict(verdict);
    return verdict;
  };

  section('Developers clone as usual; each CloudTrail record goes through the enforce handler');
  const labels = { Owner: 'bob@example.com', CostCenter: 'cc-200', Expiry: isoDate(30) };

  // 1. Compliant: an image of a stopped server, labelled, by the platform team.
  const compliant = await ec2.send(
    new CreateImageCommand({
      InstanceId: estate.machines.db.instanceId,
      Name: 'db-1-release-42',
      TagSpecifications: [
        { ResourceType: 'image', Tags: Object.entries(labels).map(([Key, Value]) => ({ Key, Value })) },
      ],
    }),
  );
  await deliver(
    '1. Compliant: labelled image of the stopped db-1 by the platform team',
    records.createImage({
      caller: platform,
      region: REGION,
      instanceId: estate.machines.db.instanceId,
      imageId: compliant.ImageId!,
      noReboot: false,
      name: 'db-1-release-42',
      tags: labels,
    }),
  );

  // 2. Unlabelled: a snapshot of a detached scratch volume with no tags anywhere.
  const unlabelled = await ec2.send(
    new CreateSnapshotCommand({ VolumeId: estate.scratchVolumeId, Description: 'quick backup' }),
  );
  const unlabelledRecord = records.createSnapshot({
    caller: platform,
    region: REGION,
    volumeId: estate.scratchVolumeId,
    snapshotId: unlabelled.SnapshotId!,
    description: 'quick backup',
  });
  await deliver('2. Unlabelled: snapshot of the scratch volume, no tags', unlabelledRecord);

  // 3. NoReboot image of the running web server.
  const noReboot = await ec2.send(
    new CreateImageCommand({
      InstanceId: estate.machines.web.instanceId,
      Name: 'web-1-hotfix',
      NoReboot: true,
      TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'Expiry', Value: isoDate(14) }] }],
    }),
  );
  await deliver(
    '3. NoReboot image of the running web-1 (tags inherited from the instance)',
    records.createImage({
      caller: platform,
      region: REGION,
      instanceId: estate.machines.web.instanceId,
      imageId: noReboot.ImageId!,
      noReboot: true,
      name: 'web-1-hotfix',
      tags: { Expiry: isoDate(14) },
    }),
  );

  // 4. A clone of a clone of a clone: copies of the golden image, the last one shared outside.
  let parent = estate.images.goldenWeb;
  let lastCopy = '';
  for (const generation of [1, 2, 3]) {
    const copy = await ec2.send(
      new CopyImageCommand({
        SourceImageId: parent,
        SourceRegion: REGION,
        Name: `golden-web-copy-${generation}`,
      }),
    );
    await ec2.send(
      new CreateTagsCommand({
        Resources: [copy.ImageId!],
        Tags: Object.entries(labels).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    if (generation === 3) {
      await ec2.send(
        new ModifyImageAttributeCommand({
          ImageId: copy.ImageId!,
          LaunchPermission: { Add: [{ UserId: '444455556666' }] },
        }),
      );
    }
    await deliver(
      `4.${generation} CopyImage of ${parent}${generation === 3 ? ' (and shared with account 444455556666)' : ''}`,
      records.copyImage({
        caller: platform,
        region: REGION,
        sourceRegion: REGION,
        sourceImageId: parent,
        imageId: copy.ImageId!,
      }),
    );
    parent = copy.ImageId!;
    lastCopy = copy.ImageId!;
  }

  // 5. A snapshot by a developer, who is not allowed to clone; shared publicly.
  const rogue = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId: estate.machines.db.volumeIds[1]!,
      Description: 'copy for my laptop',
    }),
  );
  await ec2.send(
    new ModifySnapshotAttributeCommand({
      SnapshotId: rogue.SnapshotId!,
      Attribute: 'createVolumePermission',
      OperationType: 'add',
      GroupNames: ['all'],
    }),
  );
  await deliver(
    '5. Snapshot of db-1 data by a Developer (not allowed to clone), made public',
    records.createSnapshot({
      caller: developer,
      region: REGION,
      volumeId: estate.machines.db.volumeIds[1]!,
      snapshotId: rogue.SnapshotId!,
      description: 'copy for my laptop',
      tags: labels,
    }),
  );

  await demoRestore({ ec2, region: REGION, caller: developer, snapshotId: rogue.SnapshotId!, deliver });
  await demoTamper({
    ec2,
    region: REGION,
    caller: developer,
    snapshotId: rogue.SnapshotId!,
    deliver,
    say: console.log,
  });

  // 6. At-least-once delivery: the unlabelled snapshot's event arrives twice more.
  section('EventBridge delivers at least once: event 2 arrives twice more');
  const envelope = eventBridgeEnvelope(unlabelledRecord);
  for (let i = 0; i < 2; i++) await handler(envelope, lambdaContext);
  console.log(
    'delivered again twice; the idempotency table answers with the stored verdict (no second alert below)',
  );

  await demoSharing({ ec2, region: REGION, caller: developer, imageId: compliant.ImageId!, deliver });
  section(
    'A pending image: its disks get their labels once it is available; a replayed duplicate does nothing',
  );
  await demoPendingImage({
    ec2,
    region: REGION,
    account: EMULATOR_ACCOUNT,
    caller: platform,
    instanceId: estate.machines.db.instanceId,
    labels,
    handler,
    lambdaContext,
    say: console.log,
  });

  section('What the account looks like now (read back through the EC2 API)');
  const cloneIds = {
    images: [compliant.ImageId!, noReboot.ImageId!, lastCopy],
    snapshots: [unlabelled.SnapshotId!, rogue.SnapshotId!],
  };
  const images = await ec2.send(new DescribeImagesCommand({ ImageIds: cloneIds.images }));
  for (const image of images.Images ?? []) {
    const permissions = await ec2.send(
      new DescribeImageAttributeCommand({ ImageId: image.ImageId!, Attribute: 'launchPermission' }),
    );
    console.log(
      `${image.ImageId} ${image.Name} state=${image.State} shared-with=${JSON.stringify(permissions.LaunchPermissions ?? [])}`,
    );
    printTags(tagsOf(image.Tags));
  }
  const snapshots = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: cloneIds.snapshots }));
  for (const snapshot of snapshots.Snapshots ?? []) {
    const permissions = await ec2.send(
      new DescribeSnapshotAttributeCommand({
        SnapshotId: snapshot.SnapshotId!,
        Attribute: 'createVolumePermission',
      }),
    );
    console.log(
      `${snapshot.SnapshotId} "${snapshot.Description}" shared-with=${JSON.stringify(permissions.CreateVolumePermissions ?? [])}`,
    );
    printTags(tagsOf(snapshot.Tags));
  }

  section('Alerts the security team received (SQS subscriber of the alerts topic)');
  const alerts = await inbox.drain();
  for (const alert of alerts) {
    const { verdict } = alert.document;
    const rules = [...new Set(verdict.violations.map((v) => v.rule))].join(',');
    console.log(`\nSubject: ${alert.subject}`);
    console.log(`Attributes: ${JSON.stringify(alert.attributes)}`);
    console.log(`JSON verdict (SQS, Lambda and HTTPS subscribers): status=${verdict.status} rules=${rules}`);
  }
  console.log(
    `\n${alerts.length} alert(s) for ${alerts.length} offending event(s); the compliant clone and the duplicate deliveries sent none.`,
  );
  const last = alerts.at(-1);
  if (last) {
    section('The same last alert, as its e-mail subscribers read it');
    const email = JSON.parse(
      buildAlert(last.document.verdict as unknown as Verdict, { topicArn, dryRun: false }).Message!,
    ).email;
    console.log(email);
  }
  await showAuditReport(REGION);
}

async function printEstate(ec2: EC2Client): Promise<void> {
  const instances = await ec2.send(new DescribeInstancesCommand({}));
  for (const instance of instances.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) {
    const tags = tagsOf(instance.Tags);
    console.log(
      `instance ${instance.InstanceId} ${tags.Name} ${instance.State?.Name} owner=${tags.Owner} volumes=${instance.BlockDeviceMappings?.map((m) => m.Ebs?.VolumeId).join(',')}`,
    );
  }
  const images = await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
  for (const image of images.Images ?? []) console.log(`image    ${image.ImageId} ${image.Name}`);
  const snapshots = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
  for (const snapshot of snapshots.Snapshots ?? [])
    console.log(`snapshot ${snapshot.SnapshotId} ${snapshot.VolumeSize} GiB "${snapshot.Description ?? ''}"`);
}

function printVerdict(verdict: Verdict): void {
  console.log(
    `   verdict: ${verdict.status.toUpperCase()}  ${verdict.eventName} ${verdict.resources.join(',')} by ${verdict.principal?.display ?? '?'}`,
  );
  for (const v of verdict.violations)
    console.log(`   ✗ ${v.rule} (${v.severity}, ${v.action}): ${v.message}`);
  for (const u of verdict.unknowns) console.log(`   ? ${u.rule}: ${u.message}`);
  const lineage = verdict.lineage?.[verdict.resources[0] ?? ''];
  if (lineage)
    console.log(
      `   lineage: generation ${lineage.generation}, parent ${lineage.parent}, root ${lineage.root}`,
    );
  console.log(
    `   actions: ${verdict.actions.map((a) => `${a.type} ${a.target}${a.done ? ' ✓' : ' ✗'}${a.type === 'quarantine' && a.skipped ? ` (skipped by the emulator: ${a.skipped.join(', ')})` : ''}`).join('; ')}`,
  );
}

function printTags(tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags).sort()) console.log(`     ${key} = ${value}`);
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${(error as Error)?.stack ?? error}`);
  process.exitCode = 1;
});
