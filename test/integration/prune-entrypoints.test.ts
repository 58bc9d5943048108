import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeSnapshotsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PruneReport } from '../../shared/prune/prune-report.js';
import { asTags, createAlertInbox, createLedgerTable, tagsOf } from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import { lambdaContext, runCli } from '../support/run-cli.js';

/*
 * The two ways to run prune, the scheduled Lambda and `clonewarden prune`, run the same code:
 * both answer with the same report for the same estate.
 */
const REGION = 'ca-central-1';
const pruneContext = lambdaContext(900_000, 'clonewarden-test-prune');

let ec2: EC2Client;
let expired: string;
let policy: string;

const isMutatingEc2 = (operation: string) =>
  operation.startsWith('EC2:') && !/^EC2:(Describe|Get|List)/.test(operation);

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  const inbox = await createAlertInbox(REGION, 'prune-entrypoints');
  const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 4 }));
  const snapshot = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId: volume.VolumeId!,
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: asTags({ 'clonewarden:status': 'compliant', Expiry: '2020-01-01' }),
        },
      ],
    }),
  );
  expired = snapshot.SnapshotId!;
  policy = join(mkdtempSync(join(tmpdir(), 'clonewarden-prune-entry-')), 'clonewarden.yml');
  // A new install: prune.dryRun is left to its default, true.
  writeFileSync(policy, 'version: 1\nrules: []\nprune: { graceDays: 3 }\n');
  // The functions require clonewarden's ledger table.
  await createLedgerTable(REGION, 'prune-entrypoints-ledger');
  Object.assign(process.env, {
    CLONEWARDEN_LEDGER_TABLE: 'prune-entrypoints-ledger',
    CLONEWARDEN_POLICY: policy,
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
});

afterEach(() => vi.restoreAllMocks());

describe('Integration: prune entry points', () => {
  it('the Lambda handler runs a dry run by default and returns the report', async () => {
    // Prepare
    const { handler, prune } = await import('../../functions/prune.js');

    // Act
    const raw = (await prune({ 'detail-type': 'Scheduled Event' }, pruneContext)) as PruneReport;
    const wrapped = (await handler({ 'detail-type': 'Scheduled Event' }, pruneContext)) as PruneReport;

    // Assess
    for (const report of [raw, wrapped]) {
      expect(report.dryRun).toBe(true);
      expect(report.clones).toContainEqual(
        expect.objectContaining({ id: expired, action: 'mark', done: false }),
      );
      expect(Object.keys(report.apiCalls ?? {}).filter(isMutatingEc2)).toEqual([]);
    }
    const tags = tagsOf(
      (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [expired] }))).Snapshots![0]!.Tags,
    );
    expect(tags['clonewarden:prune-after']).toBeUndefined();
  });

  it('`clonewarden prune --json` prints the same decisions', async () => {
    // Act
    const { code, stdout } = await runCli(['prune', '--json']);

    // Assess
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as PruneReport;
    expect(report.schema).toBe('clonewarden.prune/v1');
    expect(report.dryRun).toBe(true);
    expect(report.clones).toContainEqual(expect.objectContaining({ id: expired, action: 'mark' }));
  });

  it('`clonewarden prune` marks for real once the policy turns deletion on', async () => {
    // Prepare
    const enforcing = join(mkdtempSync(join(tmpdir(), 'clonewarden-prune-entry-')), 'clonewarden.yml');
    writeFileSync(enforcing, 'version: 1\nrules: []\nprune: { dryRun: false, graceDays: 3 }\n');
    const expected = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);

    // Act
    const dry = await runCli(['prune', '--policy', enforcing, '--dry-run', '--json']);
    const real = await runCli(['prune', '--policy', enforcing, '--json']);

    // Assess: --dry-run wins over the policy; without it, the mark is written.
    expect(JSON.parse(dry.stdout).dryRun).toBe(true);
    expect(real.code).toBe(0);
    expect(JSON.parse(real.stdout).dryRun).toBe(false);
    const tags = tagsOf(
      (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [expired] }))).Snapshots![0]!.Tags,
    );
    expect(tags['clonewarden:prune-after']).toBe(expected);
  });

  it('exits 2 on a bad flag', async () => {
    // Act
    const { code } = await runCli(['prune', '--reconcile-limit', 'lots']);

    // Assess
    expect(code).toBe(2);
  });
});
