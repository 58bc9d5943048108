import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AssumeRoleCommand } from '@aws-sdk/nested-clients/sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectAws } from '../../shared/cli/aws-command.js';
import type { PruneReport } from '../../shared/prune/prune-report.js';
import { mockMemberRoleSts } from '../support/member-role-sts.js';
import { runCli } from '../support/run-cli.js';

const MINIMAL_POLICY = 'test/fixtures/policy/minimal.yml';
const dir = mkdtempSync(join(tmpdir(), 'clonewarden-cli-aws-'));
const EMPTY = join(dir, 'empty');
writeFileSync(EMPTY, '');
const PROFILE_CONFIG = join(dir, 'config');
writeFileSync(PROFILE_CONFIG, '[profile work]\nregion = eu-west-1\n');
const PROFILE_CREDENTIALS = join(dir, 'credentials');
writeFileSync(PROFILE_CREDENTIALS, '[work]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
const ec2Mock = mockClient(EC2Client);

/**
 * An empty environment with an unreachable credential chain: no keys, empty config and
 * credentials files, no instance metadata.
 */
function stubNothingConfigured(): void {
  for (const name of [
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'CLONEWARDEN_POLICY',
    'CLONEWARDEN_ALERT_TOPIC_ARN',
    'CLONEWARDEN_DRY_RUN',
    'CLONEWARDEN_RECONCILE_LIMIT',
  ]) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('AWS_CONFIG_FILE', EMPTY);
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', EMPTY);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  // Anything that did reach for AWS would find nothing listening here.
  vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:9');
}

describe('CLI: commands that call AWS', () => {
  // main() loads each command on first use; load them here, so that the AWS SDK's import time
  // (seconds on a busy machine) is not charged to the first test's 5 s (as in cli.test.ts).
  beforeAll(async () => {
    await Promise.all([
      import('../../shared/cli/prune-command.js'),
      import('../../shared/cli/replay-command.js'),
      import('../../shared/cli/release-command.js'),
    ]);
  }, 60_000);
  beforeEach(() => {
    stubNothingConfigured();
    ec2Mock.reset();
  });
  afterEach(() => vi.unstubAllEnvs());
  afterAll(() => {
    ec2Mock.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs prune in the region of the user's profile, not in a default one", async () => {
    // Prepare
    vi.stubEnv('AWS_CONFIG_FILE', PROFILE_CONFIG);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', PROFILE_CREDENTIALS);
    vi.stubEnv('AWS_PROFILE', 'work');
    ec2Mock.onAnyCommand().resolves({});

    // Act
    const { code, lines } = await runCli(['prune', '--dry-run', '--json', '--policy', MINIMAL_POLICY]);

    // Assess
    const report = JSON.parse(lines[0]!) as PruneReport;
    expect(code).toBe(0);
    expect(report.region).toBe('eu-west-1');
    const regions = await Promise.all(
      ec2Mock.calls().map((call) => (call.thisValue as EC2Client).config.region()),
    );
    expect(regions.length).toBeGreaterThan(0);
    expect(new Set(regions)).toEqual(new Set(['eu-west-1']));
  });

  it.each([
    ['prune'],
    ['replay', 'records.json'],
    ['release', 'ami-0123456789abcdef0', '--reason', 'reviewed'],
  ])('%s refuses to run with no region configured, and exits 2', async (...args) => {
    // Act
    const { code, stderr } = await runCli([...args, '--dry-run', '--policy', MINIMAL_POLICY]);

    // Assess
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(
      `clonewarden ${args[0]}: no AWS region: pass --region, set AWS_REGION, or set region in your profile`,
    );
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  it.each([['prune'], ['release', 'ami-0123456789abcdef0', '--reason', 'reviewed']])(
    '%s with no credentials prints one line on how to provide them, no stack trace, and exits 2',
    async (...args) => {
      // Act
      const { code, stdout, stderr } = await runCli([
        ...args,
        '--region',
        'eu-west-1',
        '--dry-run',
        '--policy',
        MINIMAL_POLICY,
      ]);

      // Assess
      expect(code).toBe(2);
      expect(stdout).toBe('');
      const lines = stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^clonewarden ${args[0]}: no AWS credentials \\(.+\\): set AWS_PROFILE`),
      );
      expect(lines[0]).toContain('aws sso login');
      expect(lines[0]).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
      expect(ec2Mock.calls()).toHaveLength(0);
    },
  );
});

describe('CLI: the member-role sessions of a person', () => {
  let sts: ReturnType<typeof mockMemberRoleSts>;
  beforeEach(() => {
    sts = mockMemberRoleSts();
  });
  afterEach(() => sts.restore());

  it('assumes the member role as `clonewarden-cli-<caller>` with the caller as source identity, asking STS once', async () => {
    // Prepare
    const { callerSts, assumeSts } = sts;
    callerSts.on(GetCallerIdentityCommand).resolves({
      Arn: 'arn:aws:sts::999988887777:assumed-role/SecurityEngineer/alice@example.com',
      UserId: 'AROAEXAMPLE:alice@example.com',
      Account: '999988887777',
    });
    const aws = await connectAws('eu-west-1', { checkCredentials: false, memberRole: 'clonewarden-member' });

    // Act
    const first = await aws.forAccount('111122223333').ec2().config.credentials();
    await aws.forAccount('444455556666').ec2().config.credentials();

    // Assess
    expect(first.accessKeyId).toBe('ASIAEXAMPLE');
    expect(callerSts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    expect(assumeSts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({
        RoleArn: 'arn:aws:iam::111122223333:role/clonewarden-member',
        RoleSessionName: 'clonewarden-cli-alice@example.com',
        SourceIdentity: 'alice@example.com',
      }),
      expect.objectContaining({
        RoleArn: 'arn:aws:iam::444455556666:role/clonewarden-member',
        RoleSessionName: 'clonewarden-cli-alice@example.com',
        SourceIdentity: 'alice@example.com',
      }),
    ]);
  });
});
