import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiCallCounter } from '../../shared/aws/api-call-counter.js';
import { main } from '../../shared/cli/main.js';
import { inEnvelope, loadFixture } from '../events/fixtures.js';

const FULL_POLICY = 'test/fixtures/policy/full.yml';
const MINIMAL_POLICY = 'test/fixtures/policy/minimal.yml';

/** Runs `clonewarden …` in-process and captures what it writes. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));

describe('CLI: main', () => {
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'clonewarden-cli-'));
    // main() loads each command on first use; load them here, so that the AWS SDK's import
    // time (long on a busy machine) is not charged to whichever test happens to come first.
    await Promise.all([
      import('../../shared/cli/validate-command.js'),
      import('../../shared/cli/replay-command.js'),
      import('../../shared/cli/prune-command.js'),
      import('../../shared/cli/release-command.js'),
    ]);
  }, 60_000);

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    // Anything that did reach for AWS would find nothing listening here.
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:9');
    for (const name of [
      'CLONEWARDEN_POLICY',
      'CLONEWARDEN_ALERT_TOPIC_ARN',
      'CLONEWARDEN_DRY_RUN',
      'CLONEWARDEN_ENFORCER_ROLE_ARN',
      'CLONEWARDEN_VISIBILITY_ATTEMPTS',
      'CLONEWARDEN_LEDGER_TABLE',
    ]) {
      vi.stubEnv(name, undefined);
    }
    apiCallCounter.reset();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  describe('usage', () => {
    it('prints the usage and exits 2 with no arguments', async () => {
      // Act
      const { code, stdout } = await run();

      // Assess
      expect(code).toBe(2);
      expect(stdout).toContain('usage: clonewarden <command> [options]');
      expect(stdout).toMatch(/^ {2}validate /m);
      expect(stdout).toMatch(/^ {2}replay /m);
    });

    it('prints the usage and exits 0 for --help', async () => {
      // Act
      const { code, stdout } = await run('--help');

      // Assess
      expect(code).toBe(0);
      expect(stdout).toContain('usage: clonewarden <command> [options]');
    });

    it('prints the package version for --version and -v', async () => {
      // Arrange
      const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

      // Act
      const runs = [await run('--version'), await run('-v')];

      // Assess
      for (const { code, stdout } of runs) {
        expect(code).toBe(0);
        expect(stdout).toBe(`${version}\n`);
      }
    });

    it("prints a command's own usage for <command> --help and exits 0", async () => {
      // Act
      const { code, stdout } = await run('replay', '--help');

      // Assess
      expect(code).toBe(0);
      expect(stdout).toMatch(/^usage: clonewarden replay <file…>/);
    });

    it('treats a name inherited from Object.prototype as an unknown command', async () => {
      // Act
      const { code, stderr } = await run('constructor');

      // Assess
      expect(code).toBe(2);
      expect(stderr).toContain('unknown command "constructor"');
    });

    it('names an unknown command on stderr and exits 2', async () => {
      // Act
      const { code, stdout, stderr } = await run('frobnicate');

      // Assess
      expect(code).toBe(2);
      expect(stderr).toContain('clonewarden: unknown command "frobnicate"');
      expect(stdout).toBe('');
    });
  });

  describe('validate', () => {
    it('accepts a valid policy and exits 0', async () => {
      // Act
      const { code, stdout, stderr } = await run('validate', FULL_POLICY);

      // Assess
      expect(code).toBe(0);
      expect(stdout).toMatch(
        new RegExp(`^${FULL_POLICY}: valid — 7 rule\\(s\\): labels \\(required-tags\\)`),
      );
      expect(stdout).toContain('dryRun is on');
      expect(stderr).toBe('');
    });

    it('prints the policy in force in an account with --account and --ou, overrides applied', async () => {
      // Act
      const { code, stdout } = await run(
        'validate',
        'test/fixtures/policy/overrides.yml',
        '--account',
        '111122223333',
        '--ou',
        'ou-ab12-prod0001',
      );

      // Assess
      expect(code).toBe(0);
      expect(stdout).toContain(
        '# the policy in force in account 111122223333 (overrides applied: ou-ab12-prod0001)',
      );
      expect(stdout).toContain('action: quarantine');
      expect(stdout).not.toContain('overrides:');
    });

    it('explains every problem of an invalid policy as "path: message (line N)" and exits 2', async () => {
      // Act
      const { code, stdout, stderr } = await run('validate', 'test/fixtures/policy/invalid-many.yml');

      // Assess
      expect(code).toBe(2);
      expect(stdout).toBe('');
      const [head, ...problems] = stderr.trimEnd().split('\n');
      expect(head).toBe('test/fixtures/policy/invalid-many.yml: invalid policy');
      expect(problems.length).toBeGreaterThan(10);
      for (const line of problems) expect(line).toMatch(/^ {2}\S.*: .+ \(line \d+\)$/);
      expect(problems).toContain('  rules[1].max: expected a positive integer (line 19)');
    });

    it('reads the policy path from --policy when no positional is given', async () => {
      // Act
      const { code, stdout } = await run('validate', '--policy', MINIMAL_POLICY);

      // Assess
      expect(code).toBe(0);
      expect(stdout).toContain(`${MINIMAL_POLICY}: valid`);
    });

    it.each([
      {
        file: FULL_POLICY,
        code: 0,
        expected: {
          valid: true,
          path: FULL_POLICY,
          rules: [
            'labels',
            'snapshot-labels',
            'who-may-clone',
            'clone-depth',
            'healthy-source',
            'consistent-capture',
            'fresh-source',
          ],
          warnings: [],
        },
      },
      {
        file: 'test/fixtures/policy/invalid-version.yml',
        code: 2,
        expected: {
          valid: false,
          path: 'test/fixtures/policy/invalid-version.yml',
          problems: [expect.any(String)],
        },
      },
    ])('with --json prints one JSON object for $file and exits $code', async ({ file, code, expected }) => {
      // Act
      const result = await run('validate', '--json', file);

      // Assess
      expect(result.code).toBe(code);
      expect(jsonLines(result.stdout)).toEqual([expected]);
    });

    it('warns on stderr about what can never take effect, exits 0, and 2 with --strict', async () => {
      // Prepare
      const file = join(workDir, 'stale.yml');
      writeFileSync(
        file,
        'version: 1\nrules: []\nexemptions:\n  - resources: [ami-0123456789abcdef0]\n    reason: old\n    expires: 2019-01-01\n',
      );

      // Act
      const plain = await run('validate', file);
      const strict = await run('validate', '--strict', file);
      const json = await run('validate', '--json', file);

      // Assess
      expect(plain.code).toBe(0);
      expect(plain.stdout).toBe(`${file}: valid — 0 rule(s)\n`);
      expect(plain.stderr.split('\n')).toEqual([
        `${file}: 2 warnings`,
        '  rules: no rules: every clone is compliant, and no alert is ever sent (line 2)',
        '  exemptions[0].expires: expired 2019-01-01: it exempts nothing any more; remove it, or renew it with a new date (line 6)',
        '',
      ]);
      expect(strict.code).toBe(2);
      expect(strict.stderr).toBe(plain.stderr);
      expect(json.code).toBe(0);
      expect(jsonLines(json.stdout)[0].warnings).toHaveLength(2);
    });

    it('reports a missing policy file and exits 2', async () => {
      // Act
      const { code, stdout } = await run('validate', '--json', join(workDir, 'nope.yml'));

      // Assess
      expect(code).toBe(2);
      const [line] = jsonLines(stdout);
      expect(line.valid).toBe(false);
    });
  });

  describe('unexpected errors', () => {
    it('prints one line, not a stack trace, when AWS can not be reached; the stack at debug level', async () => {
      // Prepare: nothing listens on the endpoint (beforeEach); one attempt, so that it fails fast.
      // A ledger table is named, so that stderr holds only the error (no no-ledger warning).
      vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
      vi.stubEnv('CLONEWARDEN_LEDGER_TABLE', 'clonewarden-ledger');

      // Act
      const plain = await run('prune', '--policy', MINIMAL_POLICY);
      vi.stubEnv('CLONEWARDEN_LOG_LEVEL', 'debug');
      const debug = await run('prune', '--policy', MINIMAL_POLICY);

      // Assess
      expect(plain.code).toBe(1);
      expect(plain.stderr).toMatch(
        /^clonewarden prune: Error: connect ECONNREFUSED 127\.0\.0\.1:9 \(CLONEWARDEN_LOG_LEVEL=debug shows the stack\)\n$/,
      );
      expect(debug.code).toBe(1);
      expect(debug.stderr).toMatch(/ECONNREFUSED[^\n]*\n\s+at /);
    });
  });

  describe('replay', () => {
    it('exits 2 without a file', async () => {
      // Act
      const { code, stderr } = await run('replay', '--policy', MINIMAL_POLICY);

      // Assess
      expect(code).toBe(2);
      expect(stderr).toContain('replay needs at least one file of CloudTrail records');
      expect(stderr).toContain('usage: clonewarden replay');
    });

    it('exits 2 on an unknown flag, naming it', async () => {
      // Act
      const { code, stderr } = await run('replay', '--bogus', 'records.json');

      // Assess
      expect(code).toBe(2);
      expect(stderr).toContain("Unknown option '--bogus'");
    });

    it('exits 2 on an invalid policy, before reading any record', async () => {
      // Act
      const { code, stderr } = await run(
        'replay',
        '--policy',
        'test/fixtures/policy/invalid-many.yml',
        join(workDir, 'never-read.json'),
      );

      // Assess
      expect(code).toBe(2);
      expect(stderr).toContain('invalid-many.yml is not a valid clonewarden policy');
    });

    it('reports records it skips or rejects with --json, then a summary, calls no AWS API, and exits 1 for the rejected one', async () => {
      // Prepare
      const failedCall = {
        ...loadFixture('create-image-assumed-role'),
        errorCode: 'Client.UnauthorizedOperation',
      };
      const otherService = { ...loadFixture('create-snapshot-iam-user'), eventSource: 's3.amazonaws.com' };
      const otherSourceEnvelope = {
        ...inEnvelope(loadFixture('create-image-assumed-role')),
        source: 'aws.s3',
      };
      const garbage = { hello: 'world' };
      const file = join(workDir, 'unprocessable.json');
      writeFileSync(file, JSON.stringify([failedCall, otherService, otherSourceEnvelope, garbage]));

      // Act
      const { code, stdout } = await run('replay', '--json', '--policy', MINIMAL_POLICY, file);

      // Assess: skipped records are calls clonewarden does not govern; a rejected one is a failure.
      expect(code).toBe(1);
      const lines = jsonLines(stdout);
      expect(lines).toHaveLength(5);
      expect(lines.slice(0, 4).map((line) => line.status)).toEqual([
        'skipped',
        'skipped',
        'skipped',
        'rejected',
      ]);
      for (const line of lines.slice(0, 4)) {
        expect(line).toEqual(
          expect.objectContaining({ reason: expect.any(String), violations: [], actions: [], resources: [] }),
        );
      }
      expect(lines[0]).toMatchObject({
        eventId: '7d1e5a3c-2b4f-4e6a-9c8d-1f2e3a4b5c6d',
        eventName: 'CreateImage',
        region: 'us-east-1',
        account: '210987654321',
      });
      expect(lines[4]).toEqual({
        summary: expect.objectContaining({
          records: 4,
          failed: 0,
          failures: [],
          byStatus: { skipped: 3, rejected: 1 },
          dryRun: false,
          apiCalls: {},
        }),
      });
    });

    it('prints one human-readable block per record without --json', async () => {
      // Prepare
      const file = join(workDir, 'one-failed-call.json');
      writeFileSync(
        file,
        JSON.stringify({
          ...loadFixture('create-image-assumed-role'),
          errorCode: 'Client.InvalidParameterValue',
        }),
      );

      // Act
      const { code, stdout } = await run('replay', '--policy', MINIMAL_POLICY, file);

      // Assess
      expect(code).toBe(0);
      expect(stdout).toMatch(/^SKIPPED {5}CreateImage - \(7d1e5a3c-2b4f-4e6a-9c8d-1f2e3a4b5c6d\)$/m);
      expect(stdout).toContain('reason: the call failed (errorCode Client.InvalidParameterValue)');
      expect(stdout).toContain('1 record(s): {"skipped":1}');
    });

    it('honours --dry-run in the summary, and exits 1 when the file holds no CloudTrail record', async () => {
      // Prepare
      const file = join(workDir, 'garbage.json');
      writeFileSync(file, '"garbage"');

      // Act
      const { code, stdout } = await run('replay', '--json', '--dry-run', '--policy', MINIMAL_POLICY, file);

      // Assess
      expect(code).toBe(1);
      expect(jsonLines(stdout).at(-1).summary).toMatchObject({ dryRun: true, byStatus: { rejected: 1 } });
    });

    it('says on stderr, before any record, what in the policy can never take effect', async () => {
      // Prepare
      const policy = join(workDir, 'no-rules.yml');
      writeFileSync(policy, 'version: 1\nrules: []\n');
      // A ledger table is named, so that stderr holds only the policy's warning (no no-ledger one).
      vi.stubEnv('CLONEWARDEN_LEDGER_TABLE', 'clonewarden-ledger');
      const file = join(workDir, 'skipped.json');
      writeFileSync(
        file,
        JSON.stringify({ ...loadFixture('create-image-assumed-role'), errorCode: 'Client.X' }),
      );

      // Act
      const { code, stderr } = await run('replay', '--policy', policy, file);

      // Assess
      expect(code).toBe(0);
      expect(stderr).toBe(
        'clonewarden replay: policy: rules: no rules: every clone is compliant, and no alert is ever sent (line 2)\n',
      );
    });

    it('exits 1 for a file that holds no record at all, naming it', async () => {
      // Prepare
      const file = join(workDir, 'empty-log.json');
      writeFileSync(file, JSON.stringify({ Records: [] }));

      // Act
      const { code, stdout, stderr } = await run('replay', '--policy', MINIMAL_POLICY, file);

      // Assess
      expect(code).toBe(1);
      expect(stderr).toContain(`clonewarden replay: ${file} holds no CloudTrail record`);
      expect(stdout).toContain('0 record(s): {}, 1 FAILED');
    });

    it('documents which of --dry-run and --no-alerts does what, and the exit codes, in --help', async () => {
      // Act
      const { code, stdout } = await run('replay', '--help');

      // Assess
      expect(code).toBe(0);
      expect(stdout).toMatch(/--dry-run +nothing changes +sent, marked DRY RUN/);
      expect(stdout).toMatch(/--no-alerts +as the policy says +not sent/);
      expect(stdout).toMatch(/1 when a record was rejected/);
    });

    it('exits 1 naming a replay file that does not exist, and still prints the summary', async () => {
      // Prepare
      const missing = join(workDir, 'does-not-exist.json');

      // Act
      const { code, stdout, stderr } = await run('replay', '--json', '--policy', MINIMAL_POLICY, missing);

      // Assess
      expect(code).toBe(1);
      expect(stderr).toContain(`clonewarden replay: cannot read ${missing}: ENOENT`);
      const summary = jsonLines(stdout).at(-1).summary;
      expect(summary).toMatchObject({ records: 0, failed: 1 });
      expect(summary.failures[0].error).toContain(missing);
    });
  });
});
