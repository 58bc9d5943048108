import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { apiCallCounter } from '../../shared/aws/api-call-counter.js';
import { createAwsClients } from '../../shared/aws/clients.js';
import type { CloneFactsReader } from '../../shared/aws/ec2-clone-facts.js';
import { main as clonewarden } from '../../shared/cli/main.js';
import type { Verdict } from '../../shared/model/types.js';
import { createEnforceContext } from '../../shared/pipeline/create-enforce-context.js';
import { enforceRecord } from '../../shared/pipeline/enforce-record.js';
import { resolveSettings } from '../../shared/settings/resolve-settings.js';
import { amiStateChange, type Caller, records } from './cloudtrail-records.js';

/** What the scene needs from the demo: the emulator's EC2, the enforce handler, a caller and a labelled, stopped instance. */
export interface PendingImageScene {
  ec2: EC2Client;
  region: string;
  account: string;
  caller: Caller;
  instanceId: string;
  labels: Record<string, string>;
  handler: (event: unknown, context: never) => Promise<unknown>;
  lambdaContext: never;
  say: (line: string) => void;
}

/**
 * An image is `pending` for minutes in AWS when its CreateImage record arrives: its disks are
 * not visible yet. The creation event labels the image and leaves the disks; EC2's `EC2 AMI State
 * Change` (available) event labels them. Then a day of events is replayed: what the Lambda handled
 * is a duplicate that does nothing. (The emulator makes images available at once, so the
 * creation is shown reading the image as AWS answers minutes earlier: pending, no disk yet.)
 */
export async function demoPendingImage(scene: PendingImageScene): Promise<void> {
  const { ec2, region, say } = scene;
  const name = 'web-1-pending-demo';
  const { ImageId } = await ec2.send(
    new CreateImageCommand({
      InstanceId: scene.instanceId,
      Name: name,
      TagSpecifications: [
        { ResourceType: 'image', Tags: Object.entries(scene.labels).map(([Key, Value]) => ({ Key, Value })) },
      ],
    }),
  );
  const imageId = ImageId!;
  const record = records.createImage({
    caller: scene.caller,
    region,
    instanceId: scene.instanceId,
    imageId,
    noReboot: false,
    name,
    tags: scene.labels,
  });

  const context = await createEnforceContext({
    settings: resolveSettings(),
    aws: createAwsClients({ region }),
    log: quietLog,
    metrics: { count() {} },
  });
  const created = await enforceRecord(record, { ...context, facts: asWhilePending(context.facts) });
  say(`CreateImage ${imageId} arrives while the image is pending: ${created.status}`);
  for (const left of created.awaiting ?? []) say(`   left for later: ${left}`);
  const disks = await diskIds(ec2, imageId);
  say(`   its disk ${disks.join(', ')} labels now: ${describeTags(await diskTags(ec2, disks))}`);

  const available = amiStateChange({ account: scene.account, region, imageId, state: 'available' });
  const finished = (await scene.handler(available, scene.lambdaContext)) as Verdict;
  say(
    `EC2 AMI State Change: ${imageId} is available → ${finished.actions.map((a) => `${a.type} ${a.target}${a.done ? ' ✓' : ''}`).join('; ')}`,
  );
  say(`   its disk's labels now: ${describeTags(await diskTags(ec2, disks))}`);

  // A day of events replayed after an outage: the state change the Lambda handled, twice.
  const file = join(mkdtempSync(join(tmpdir(), 'clonewarden-demo-')), 'replay.json');
  writeFileSync(file, JSON.stringify([available, available]));
  say(`clonewarden replay ${file} --json   (the same idempotency table as the Lambda)`);
  apiCallCounter.reset();
  await clonewarden(['replay', file, '--region', region, '--json']);
}

/** The facts reader, answering the creation's reads as AWS does while the image is pending. */
function asWhilePending(facts: CloneFactsReader): CloneFactsReader {
  return {
    ...facts,
    readImage: (region, id) => facts.readImage(region, id),
    readDisks: (image) => facts.readDisks(image),
    async collect(event) {
      const read = await facts.collect(event);
      return { ...read, clones: read.clones.map((clone) => ({ ...clone, state: 'pending', diskTags: {} })) };
    },
  };
}

async function diskIds(ec2: EC2Client, imageId: string): Promise<string[]> {
  const [image] = (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images ?? [];
  return (image?.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []));
}

async function diskTags(ec2: EC2Client, ids: string[]): Promise<Record<string, string>> {
  const [snapshot] =
    (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ids.slice(0, 1) }))).Snapshots ?? [];
  return Object.fromEntries((snapshot?.Tags ?? []).map((t) => [t.Key!, t.Value ?? '']));
}

function describeTags(tags: Record<string, string>): string {
  const labels = Object.entries(tags).filter(
    ([key]) => !key.startsWith('clonewarden:') || key === 'clonewarden:status',
  );
  return labels.length === 0 ? '(none)' : labels.map(([key, value]) => `${key}=${value}`).join(', ');
}

const quietLog = { debug() {}, info() {}, warn() {}, error() {} };
