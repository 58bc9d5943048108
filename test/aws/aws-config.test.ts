import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiCallCounter } from '../../shared/aws/api-call-counter.js';
import { checkCredentials, resolveRegion } from '../../shared/aws/aws-config.js';
import { createAwsClients } from '../../shared/aws/clients.js';
import { MissingCredentialsError, UsageError } from '../../shared/model/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'clonewarden-aws-config-'));
const EMPTY = join(dir, 'empty');
writeFileSync(EMPTY, '');

/** A config file with a profile whose region is eu-west-1, as `aws configure --profile work` writes it. */
function profileConfig(): string {
  const path = join(dir, `config-${crypto.randomUUID()}`);
  writeFileSync(path, '[default]\nregion = ap-south-1\n\n[profile work]\nregion = eu-west-1\n');
  return path;
}

/**
 * Nothing configured: no region or keys in the environment, empty config and credentials files,
 * and no instance metadata (so that the chain ends here, not on a probe of 169.254.169.254).
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
  ]) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('AWS_CONFIG_FILE', EMPTY);
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', EMPTY);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('AWS: resolveRegion', () => {
  beforeEach(stubNothingConfigured);
  afterEach(() => vi.unstubAllEnvs());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the region of the profile AWS_PROFILE names, as the SDK does, when the environment has none', async () => {
    // Prepare
    vi.stubEnv('AWS_CONFIG_FILE', profileConfig());
    vi.stubEnv('AWS_PROFILE', 'work');

    // Act
    const region = await resolveRegion();

    // Assess
    expect(region).toBe('eu-west-1');
  });

  it.each([
    {
      case: '--region wins over everything',
      flag: 'ca-central-1',
      env: { AWS_REGION: 'us-west-2' },
      expected: 'ca-central-1',
    },
    {
      case: 'AWS_REGION wins over the profile',
      flag: undefined,
      env: { AWS_REGION: 'us-west-2' },
      expected: 'us-west-2',
    },
    {
      case: 'AWS_REGION wins over AWS_DEFAULT_REGION',
      flag: undefined,
      env: { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'eu-north-1' },
      expected: 'us-west-2',
    },
    {
      case: 'AWS_DEFAULT_REGION wins over the profile',
      flag: undefined,
      env: { AWS_DEFAULT_REGION: 'eu-north-1' },
      expected: 'eu-north-1',
    },
  ])('$case', async ({ flag, env, expected }) => {
    // Prepare
    vi.stubEnv('AWS_CONFIG_FILE', profileConfig());
    vi.stubEnv('AWS_PROFILE', 'work');
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);

    // Act
    const region = await resolveRegion(flag);

    // Assess
    expect(region).toBe(expected);
  });

  it('refuses to run with no region anywhere, saying where to set one', async () => {
    // Act
    const error = await errorOf(resolveRegion());

    // Assess
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('no AWS region: pass --region, set AWS_REGION, or set region in your profile');
  });

  it('refuses a --region that is not a region name', async () => {
    // Act
    const error = await errorOf(resolveRegion('eu-west-1; rm -rf /'));

    // Assess
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('--region "eu-west-1; rm -rf /" is not an AWS region name');
  });
});

describe('AWS: checkCredentials', () => {
  beforeEach(stubNothingConfigured);
  afterEach(() => vi.unstubAllEnvs());

  it('turns an empty credential chain into one line that says how to provide credentials', async () => {
    // Prepare
    const aws = createAwsClients({ region: 'eu-west-1' });

    // Act
    const error = await errorOf(checkCredentials(aws));

    // Assess
    expect(error).toBeInstanceOf(MissingCredentialsError);
    expect(error.message).not.toContain('\n');
    expect(error.message).toMatch(/^no AWS credentials \(.+\): set AWS_PROFILE/);
    expect(error.message).toContain('aws sso login');
    expect(error.message).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  });

  it('passes with keys in the environment, without calling AWS', async () => {
    // Prepare
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    const aws = createAwsClients({ region: 'eu-west-1', counter: new ApiCallCounter() });

    // Act
    const checking = checkCredentials(aws);

    // Assess
    await expect(checking).resolves.toBeUndefined();
    expect(aws.counter.total()).toBe(0);
  });
});
