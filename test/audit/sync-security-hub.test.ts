import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import type { EstateRecord } from '../../shared/audit/report/index.js';
import { syncSecurityHub } from '../../shared/audit/sync-security-hub.js';
import type { FindingsHub } from '../../shared/aws/security-hub-findings.js';
import { parsePolicy } from '../../shared/policy/load-policy.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const policy = parsePolicy(
  [
    'version: 1',
    'rules:',
    '  - { id: labels, type: required-tags, severity: medium, action: tag, tags: { Owner: {} } }',
    '  - { id: clone-depth, type: max-generation, severity: critical, action: quarantine, max: 2 }',
  ].join('\n'),
);

const clone = (id: string, tags: Record<string, string>, region = 'eu-west-1'): EstateRecord => ({
  kind: 'image',
  id,
  account: '111122223333',
  region,
  tags,
  sizeGiB: 8,
  backingSnapshotIds: [],
  shares: { public: false, accounts: [] },
});

/** An in-memory hub: findings by Id, with what was imported. */
function memoryHub(): FindingsHub & { findings: Map<string, AwsSecurityFinding>; imports: number } {
  const findings = new Map<string, AwsSecurityFinding>();
  const hub = {
    findings,
    imports: 0,
    async activeFindings() {
      return [...findings.values()].filter((f) => f.RecordState === 'ACTIVE');
    },
    async importFindings(batch: AwsSecurityFinding[]) {
      hub.imports += batch.length;
      for (const finding of batch) findings.set(finding.Id!, finding);
      return [];
    },
  };
  return hub;
}

const options = (dryRun = false) => ({
  policy,
  homeRegion: 'eu-west-1',
  account: '111122223333',
  scopes: [{ account: '111122223333', region: 'eu-west-1' }],
  now: NOW,
  dryRun,
});

describe('syncSecurityHub', () => {
  it('files one finding per violating clone, with the policy severity and the rule ids', async () => {
    // Prepare
    const hub = memoryHub();
    const records = [
      clone('ami-0000000000000000a', {
        'clonewarden:status': 'violation',
        'clonewarden:violations': 'labels',
      }),
      clone('ami-0000000000000000b', {
        'clonewarden:status': 'quarantined',
        'clonewarden:violations': 'labels,clone-depth',
      }),
      clone('ami-0000000000000000c', { 'clonewarden:status': 'compliant' }),
    ];

    // Act
    const sync = await syncSecurityHub(hub, records, options());

    // Assess
    expect(sync).toMatchObject({ created: 2, updated: 0, resolved: 0, unchanged: 0 });
    const quarantined = hub.findings.get('clonewarden/111122223333/eu-west-1/ami-0000000000000000b')!;
    expect(quarantined.Severity).toEqual({ Label: 'CRITICAL', Original: 'critical' });
    expect(quarantined.ProductFields).toMatchObject({ 'clonewarden/ruleIds': 'labels,clone-depth' });
    expect(quarantined.Remediation?.Recommendation?.Text).toContain(
      'clonewarden release ami-0000000000000000b',
    );
    expect(quarantined.ProductArn).toBe(
      'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default',
    );
  });

  it('updates a finding when the verdict changes, resolves it when the clone is fixed or gone, and is idempotent', async () => {
    // Prepare
    const hub = memoryHub();
    const id = 'ami-0000000000000000a';
    await syncSecurityHub(
      hub,
      [clone(id, { 'clonewarden:status': 'violation', 'clonewarden:violations': 'labels' })],
      options(),
    );

    // Act
    const same = await syncSecurityHub(
      hub,
      [clone(id, { 'clonewarden:status': 'violation', 'clonewarden:violations': 'labels' })],
      options(),
    );
    const worse = await syncSecurityHub(
      hub,
      [clone(id, { 'clonewarden:status': 'quarantined', 'clonewarden:violations': 'clone-depth' })],
      options(),
    );
    const created = hub.findings.get(`clonewarden/111122223333/eu-west-1/${id}`)!.CreatedAt;
    const gone = await syncSecurityHub(hub, [], options());
    const after = await syncSecurityHub(hub, [], options());

    // Assess
    expect(same).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    expect(worse).toMatchObject({ updated: 1 });
    expect(created).toBe(NOW.toISOString());
    expect(gone).toMatchObject({ resolved: 1 });
    expect(hub.findings.get(`clonewarden/111122223333/eu-west-1/${id}`)).toMatchObject({
      RecordState: 'ARCHIVED',
      Compliance: { Status: 'PASSED' },
    });
    expect(after).toMatchObject({ created: 0, updated: 0, resolved: 0, unchanged: 0 });
  });

  it('leaves findings of regions the run did not read alone, and imports nothing in dry-run', async () => {
    // Prepare
    const hub = memoryHub();
    await syncSecurityHub(
      hub,
      [clone('ami-0000000000000000d', { 'clonewarden:status': 'violation' }, 'us-east-1')],
      {
        ...options(),
        scopes: [{ account: '111122223333', region: 'us-east-1' }],
      },
    );
    const imported = hub.imports;

    // Act
    const elsewhere = await syncSecurityHub(hub, [], options());
    const dry = await syncSecurityHub(
      hub,
      [clone('ami-0000000000000000e', { 'clonewarden:status': 'violation' })],
      options(true),
    );

    // Assess
    expect(elsewhere.resolved).toBe(0);
    expect(dry).toMatchObject({ created: 1, dryRun: true });
    expect(hub.imports).toBe(imported);
  });
});
