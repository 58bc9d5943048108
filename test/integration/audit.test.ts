import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { asTags, createAlertInbox } from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import { lambdaContext, runCli } from '../support/run-cli.js';

/*
 * The audit, end to end against moto: the weekly function stores the HTML and JSON in S3 and
 * alerts with a presigned link that works; Security Hub gets one finding per violating clone,
 * archived once the clone is fixed; `clonewarden audit` reads the same estate.
 */
const REGION = 'eu-north-1';
const ACCOUNT = '123456789012';
const FOREIGN = '999988887777';
const BUCKET = 'clonewarden-test-audit-reports';
const auditContext = {
  ...lambdaContext(900_000, 'clonewarden-test-audit'),
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:clonewarden-test-audit`,
};
const LABELS = { Owner: 'dana@example.com', CostCenter: 'cc-100' };

let ec2: EC2Client;
let inbox: Awaited<ReturnType<typeof createAlertInbox>>;
let policy: string;
const ids = { root: '', image: '', shared: '' };

async function snapshotOf(size: number, tags: Record<string, string>): Promise<string> {
  const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: size }));
  const snapshot = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId: volume.VolumeId!,
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: asTags(tags) }],
    }),
  );
  return snapshot.SnapshotId!;
}

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  inbox = await createAlertInbox(REGION, 'audit-alerts');
  await new S3Client({ region: REGION }).send(
    new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  await new SecurityHubClient({ region: REGION }).send(new EnableSecurityHubCommand({}));
  ids.root = await snapshotOf(8, { ...LABELS, 'clonewarden:status': 'compliant' });
  ids.shared = await snapshotOf(4, {
    ...LABELS,
    'clonewarden:status': 'compliant',
    'clonewarden:parent': ids.root,
    'clonewarden:generation': '1',
  });
  await ec2.send(
    new ModifySnapshotAttributeCommand({
      SnapshotId: ids.shared,
      Attribute: 'createVolumePermission',
      OperationType: 'add',
      UserIds: [FOREIGN],
    }),
  );
  const image = await ec2.send(
    new RegisterImageCommand({
      Name: 'golden-<script>alert(1)</script>',
      RootDeviceName: '/dev/xvda',
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: ids.root } }],
    }),
  );
  ids.image = image.ImageId!;
  // moto's RegisterImage ignores TagSpecifications: tag afterwards.
  await ec2.send(
    new CreateTagsCommand({
      Resources: [ids.image],
      Tags: asTags({ 'clonewarden:status': 'violation', 'clonewarden:violations': 'labels' }),
    }),
  );
  await ec2.send(
    new ModifyImageAttributeCommand({ ImageId: ids.image, LaunchPermission: { Add: [{ Group: 'all' }] } }),
  );
  policy = join(mkdtempSync(join(tmpdir(), 'clonewarden-audit-')), 'clonewarden.yml');
  writeFileSync(
    policy,
    [
      'version: 1',
      'rules:',
      '  - { id: labels, type: required-tags, severity: medium, action: tag, tags: { Owner: {}, CostCenter: {} } }',
      '  - { id: clone-depth, type: max-generation, severity: high, action: quarantine, max: 2 }',
      'audit: { securityHub: { enabled: true } }',
      '',
    ].join('\n'),
  );
  Object.assign(process.env, {
    CLONEWARDEN_POLICY: policy,
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    CLONEWARDEN_REPORT_BUCKET: BUCKET,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
});

afterEach(() => vi.restoreAllMocks());

async function clonewardenFindings() {
  const result = await new SecurityHubClient({ region: REGION }).send(new GetFindingsCommand({}));
  return (result.Findings ?? []).filter((finding) => finding.GeneratorId === 'clonewarden-audit');
}

describe('Integration: the weekly audit function', () => {
  it('stores the report, alerts with a working link, and files one Security Hub finding', async () => {
    // Prepare
    const { audit } = await import('../../functions/audit.js');

    // Act
    const result = await audit({ 'detail-type': 'Scheduled Event' }, auditContext);

    // Assess: the report is in the bucket, the link serves it, the alert carries the figures.
    expect(result.failures).toEqual([]);
    // moto's RegisterImage makes one more snapshot, for the image's root device.
    const snapshots = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    expect(result.totals).toMatchObject({ images: 1, snapshots: snapshots.Snapshots!.length });
    const htmlKey = result.report.html.replace(`s3://${BUCKET}/`, '');
    const stored = await new S3Client({ region: REGION }).send(
      new GetObjectCommand({ Bucket: BUCKET, Key: htmlKey }),
    );
    const html = await stored.Body!.transformToString();
    expect(html).toContain('Content-Security-Policy');
    expect(html).not.toContain('<script>alert(1)</script>');
    const [alert] = await inbox.drain();
    const document = alert!.document as unknown as {
      report: { url: string; expiresAt: string };
      images: number;
      findings: Record<string, number>;
    };
    expect(alert!.subject).toMatch(new RegExp(`^audit: 1 images, ${snapshots.Snapshots!.length} snapshots`));
    expect(document.images).toBe(1);
    expect(document.findings).toMatchObject({ 'public-share': 1, 'foreign-share': 1 });
    const download = await fetch(document.report.url);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(html);
    // Static test credentials never expire: the link gets the full 7 days.
    expect(Date.parse(document.report.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const findings = await clonewardenFindings();
    expect(findings.map((f) => f.Id)).toEqual([`clonewarden/${ACCOUNT}/${REGION}/${ids.image}`]);
    expect(findings[0]).toMatchObject({
      RecordState: 'ACTIVE',
      Severity: { Label: 'MEDIUM' },
      ProductFields: { 'clonewarden/ruleIds': 'labels' },
      Resources: [{ Id: `arn:aws:ec2:${REGION}::image/${ids.image}`, Region: REGION }],
    });
    expect(findings[0]!.Remediation?.Recommendation?.Text).toMatch(/^labels: /);
  });

  it('changes nothing in Security Hub on a second run, and archives the finding once the clone is fixed', async () => {
    // Prepare
    const { audit } = await import('../../functions/audit.js');

    // Act
    const again = await audit({}, auditContext);
    await ec2.send(
      new CreateTagsCommand({ Resources: [ids.image], Tags: asTags({ 'clonewarden:status': 'compliant' }) }),
    );
    const fixed = await audit({}, auditContext);

    // Assess
    expect(again.securityHub).toMatchObject({ created: 0, updated: 0, resolved: 0, unchanged: 1 });
    expect(fixed.securityHub).toMatchObject({ created: 0, updated: 0, resolved: 1 });
    const [finding] = await clonewardenFindings();
    expect(finding).toMatchObject({ RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' } });
    await inbox.drain();
  });
});

describe('Integration: clonewarden audit', () => {
  it('prints the JSON report of the same estate, and writes CSV to --out', async () => {
    // Prepare
    const csvPath = join(mkdtempSync(join(tmpdir(), 'clonewarden-audit-out-')), 'audit.csv');

    // Act
    const json = await runCli(['audit', '--format', 'json', '--region', REGION]);
    const csv = await runCli(['audit', '--format', 'csv', '--out', csvPath, '--region', REGION, '--dry-run']);

    // Assess
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.schemaVersion).toBe(1);
    const keys = report.trees.flatMap((tree: { nodes: { id: string }[] }) => tree.nodes.map((n) => n.id));
    expect(keys).toEqual(expect.arrayContaining([ids.root, ids.shared, ids.image]));
    expect(report.findings.byFlag['foreign-share']).toEqual([`${REGION}/${ids.shared}`]);
    expect(json.stderr).toContain(
      `audit ${ACCOUNT}/${REGION}: 1 images, ${report.totals.snapshots} snapshots`,
    );
    expect(csv.code).toBe(0);
    const rows = readFileSync(csvPath, 'utf8').split('\r\n').filter(Boolean);
    expect(rows).toHaveLength(1 + report.totals.images + report.totals.snapshots);
    expect(csv.stderr).toContain('wrote ');
  });

  it('exits 2 on an unknown format', async () => {
    // Act
    const { code, stderr } = await runCli(['audit', '--format', 'xml', '--region', REGION]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain('use html, json or csv');
  });
});
