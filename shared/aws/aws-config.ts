import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from '@smithy/core/config';
import { AWS_REGION_NAME } from '../model/aws-region.js';
import { MissingCredentialsError, UsageError } from '../model/errors.js';
import { describeError } from './aws-error.js';
import type { AwsClients } from './clients.js';

/**
 * The SDK's own region chain (`AWS_REGION`, then the `region` of the profile that `AWS_PROFILE`
 * names in `AWS_CONFIG_FILE` or ~/.aws/config, then instance metadata on EC2), with
 * `AWS_DEFAULT_REGION` after `AWS_REGION` as the AWS CLI reads it; the JS SDK alone does not.
 * Built per call: the loader memoizes what it found, and the environment may have changed.
 */
const regionChain = () =>
  loadConfig(
    {
      ...NODE_REGION_CONFIG_OPTIONS,
      environmentVariableSelector: (env, options) =>
        NODE_REGION_CONFIG_OPTIONS.environmentVariableSelector(env, options) ||
        env.AWS_DEFAULT_REGION ||
        undefined,
    },
    NODE_REGION_CONFIG_FILE_OPTIONS,
  )();

/**
 * The region to work in: `--region`, else the SDK's chain. Never a guess: a run that deletes must
 * not land in a region nobody chose, so no region is a UsageError.
 */
export async function resolveRegion(flag?: string): Promise<string> {
  let region = flag;
  if (region === undefined) {
    try {
      region = await regionChain();
    } catch (error) {
      throw new UsageError('no AWS region: pass --region, set AWS_REGION, or set region in your profile', {
        cause: error,
      });
    }
  }
  if (!AWS_REGION_NAME.test(region)) {
    const origin = flag !== undefined ? '--region' : 'the configured region';
    throw new UsageError(`${origin} "${region.slice(0, 40)}" is not an AWS region name`);
  }
  return region;
}

/** Credential failures the SDK raises when no provider in its chain has any. */
const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'TokenProviderError']);

/** The SDK found no credentials (or an expired SSO session). */
export function isMissingCredentials(error: unknown): boolean {
  return (
    error instanceof MissingCredentialsError ||
    CREDENTIAL_ERRORS.has((error as Error | undefined)?.name ?? '')
  );
}

/**
 * Resolves the credentials before any work, so that a run without them stops at once with the
 * fix instead of failing every call. The client caches them: the first call reuses them.
 */
export async function checkCredentials(aws: AwsClients): Promise<void> {
  try {
    await aws.ec2().config.credentials();
  } catch (error) {
    if (!isMissingCredentials(error)) throw error;
    throw new MissingCredentialsError(describeError(error), { cause: error });
  }
}
