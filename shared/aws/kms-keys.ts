import type { EnforcerLog } from '../model/log.js';
import type { KmsKeyFact } from '../model/types.js';
import { awsErrorName, describeError, isUnsupportedOperation } from './aws-error.js';
import type { AwsClients } from './clients.js';

/** Describes KMS keys (by key ARN or alias) for the rules that judge a clone's key. */
export interface KmsKeyReader {
  describe(refs: readonly { ref: string; region: string }[]): Promise<KmsKeyFact[]>;
}

const OPERATION = 'KMS DescribeKey';

/**
 * Errors that say "this key cannot be described by us", not "try again": the key is in another
 * account whose key policy does not let us read it, it does not exist, or it is an alias nobody
 * created. They make the fact unknown; anything else (throttling, 5xx) fails the event so that
 * it is retried.
 */
const UNDESCRIBABLE = new Set(['AccessDeniedException', 'NotFoundException', 'InvalidArnException']);

/**
 * KMS DescribeKey behind a small interface, cached per container: a key's manager and an alias's
 * target rarely change, and a burst of snapshots made with the same key should cost one call.
 * Only called when a policy rule asks (see `factNeedsOf`).
 */
export class KmsKeys implements KmsKeyReader {
  readonly #aws: AwsClients;
  readonly #log: EnforcerLog;
  readonly #cache = new Map<string, KmsKeyFact>();

  constructor(aws: AwsClients, log: EnforcerLog) {
    this.#aws = aws;
    this.#log = log;
  }

  async describe(refs: readonly { ref: string; region: string }[]): Promise<KmsKeyFact[]> {
    const unique = new Map(refs.map((ref) => [`${ref.region} ${ref.ref}`, ref]));
    return Promise.all([...unique].map(([key, ref]) => this.#describeOne(key, ref.ref, ref.region)));
  }

  async #describeOne(cacheKey: string, ref: string, region: string): Promise<KmsKeyFact> {
    const cached = this.#cache.get(cacheKey);
    if (cached) return cached;
    if (this.#aws.unsupported.has(OPERATION)) {
      return { ref, region, unknown: `${OPERATION} is not supported by this endpoint` };
    }
    try {
      const kms = await this.#aws.kms(region);
      // The command is loaded with its client, on first use: most policies never judge keys.
      const { DescribeKeyCommand } = await import('@aws-sdk/client-kms');
      const metadata = (await kms.send(new DescribeKeyCommand({ KeyId: ref }))).KeyMetadata;
      const manager = metadata?.KeyManager;
      const fact: KmsKeyFact = {
        ref,
        region,
        ...(metadata?.Arn ? { arn: metadata.Arn } : {}),
        ...(manager === 'AWS' || manager === 'CUSTOMER'
          ? { keyManager: manager }
          : { unknown: 'DescribeKey did not say who manages the key' }),
      };
      this.#cache.set(cacheKey, fact);
      return fact;
    } catch (error) {
      if (isUnsupportedOperation(error)) {
        this.#aws.unsupported.remember(OPERATION);
        this.#log.warn('KMS keys could not be described', {
          operation: OPERATION,
          error: describeError(error),
        });
        return { ref, region, unknown: `${OPERATION} is not supported by this endpoint` };
      }
      if (!UNDESCRIBABLE.has(awsErrorName(error) ?? '')) throw error;
      // Not cached: a key policy may be fixed, and the next event should see it.
      return { ref, region, unknown: `${OPERATION} failed: ${describeError(error)}` };
    }
  }
}
