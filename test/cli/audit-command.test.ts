import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditRun } from '../../shared/audit/run-audit.js';
import { runCli } from '../support/run-cli.js';

// The exit codes the README and `audit --help` promise, with AWS and the estate reading
// stubbed: what is under test is how the command turns a run's outcome into a code.
const runAudit = vi.hoisted(() => vi.fn<() => Promise<AuditRun>>());
vi.mock('../../shared/audit/run-audit.js', () => ({ runAudit }));
vi.mock('../../shared/audit/create-audit-context.js', () => ({ createAuditContext: async () => ({}) }));
vi.mock('../../shared/audit/report/index.js', () => ({ renderAuditJson: () => '{"schemaVersion":1}' }));
vi.mock('../../shared/aws/caller-identity.js', () => ({
  StsCallerIdentity: class {
    whoAmI = async () => ({ account: '123456789012' });
  },
}));
vi.mock('../../shared/cli/aws-command.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../shared/cli/aws-command.js')>()),
  connectAws: async () => ({}),
}));

/** A run of one scope with nothing in it, and the given failures. */
function auditRun(failures: AuditRun['failures']): AuditRun {
  return {
    report: {
      generatedAt: '2026-12-02T00:00:00.000Z',
      totals: { trees: 0 },
      findings: { counts: {}, pruneCandidates: [], pruneMonthlySaving: 0 },
      spend: { total: 0 },
    },
    records: [],
    scopes: [{ account: '123456789012', region: 'eu-west-1', images: 0, snapshots: 0, sharesUnchecked: 0 }],
    failures,
  } as unknown as AuditRun;
}

const AUDIT = [
  'audit',
  '--format',
  'json',
  '--region',
  'eu-west-1',
  '--policy',
  'test/fixtures/policy/minimal.yml',
];

describe('CLI: audit exit codes', () => {
  afterEach(() => runAudit.mockReset());

  it('exits 0 when the report was written and nothing failed', async () => {
    runAudit.mockResolvedValue(auditRun([]));
    const { code, stdout } = await runCli(AUDIT);
    expect(code).toBe(0);
    expect(stdout).toBe('{"schemaVersion":1}\n');
  });

  it.each([
    ['a member account could not be read', 'read 210987654321/eu-west-1'],
    ['Security Hub failed', 'security-hub'],
  ])('exits 1 when %s, after writing the report and a FAILED line', async (_, step) => {
    runAudit.mockResolvedValue(auditRun([{ step, error: 'AccessDenied' }]));
    const { code, stdout, stderr } = await runCli(AUDIT);
    expect(code).toBe(1);
    expect(stdout).toBe('{"schemaVersion":1}\n');
    expect(stderr).toContain(`FAILED ${step}: AccessDenied`);
  });

  it('exits 1 with one line and no report when a region of its own account could not be read', async () => {
    runAudit.mockRejectedValue(new Error('UnauthorizedOperation: DescribeImages'));
    const { code, stdout, stderr } = await runCli(AUDIT);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('clonewarden audit: ');
  });

  it('prints an account name as plain text: no terminal escapes, no bidi overrides', async () => {
    const run = auditRun([]);
    run.scopes[0] = { ...run.scopes[0]!, accountName: 'Prod\u001b[2J\u202eevil\u0007' };
    runAudit.mockResolvedValue(run);
    const { code, stderr } = await runCli(AUDIT);
    expect(code).toBe(0);
    expect(stderr).toContain('audit 123456789012 (Prod[2Jevil)/eu-west-1: 0 images, 0 snapshots');
  });

  it('exits 2 on bad usage without reading anything', async () => {
    const { code } = await runCli([...AUDIT, '--format', 'xml']);
    expect(code).toBe(2);
    expect(runAudit).not.toHaveBeenCalled();
  });
});
