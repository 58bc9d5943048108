import type { PolicyDocumentReader } from '../aws/policy-documents.js';
import { policyReadError } from '../aws/policy-documents.js';
import { PolicyValidationError } from '../model/errors.js';
import type { EnforcerLog } from '../model/log.js';
import { parsePolicy } from './load-policy.js';
import type { Policy } from './schema.js';

/** How long a function keeps the policy it read before it looks again (`CLONEWARDEN_POLICY_REFRESH_SECONDS`). */
export const DEFAULT_POLICY_REFRESH_MS = 5 * 60_000;

/** An update of the policy that did not validate, and was not put in force. */
export interface PolicyRejection {
  /** `s3://bucket/key` or `ssm:/name`. */
  origin: string;
  /** The rejected version (ETag or parameter version): it is alerted once. */
  version: string;
  /** The version still in force. */
  keptVersion: string;
  /** The validation problems, one line each, as `clonewarden validate` prints them. */
  problems: string[];
  message: string;
}

export interface RefreshingPolicyOptions {
  refreshMs?: number;
  log: EnforcerLog;
  /** Called once per rejected version, with the policy kept in force; a failure is logged and the next look tries again. */
  onRejected(rejection: PolicyRejection, kept: Policy): Promise<void>;
  now?: () => number;
}

interface GoodPolicy {
  policy: Policy;
  version: string;
}

/**
 * The policy kept in S3 or SSM, as one function container sees it: read and validated on first
 * use, looked at again every `refreshMs`, and replaced only by a version that validates. An
 * invalid first read fails loudly (there is nothing good to keep); an invalid update keeps the
 * last good policy and is reported once per version; a failed read keeps it too, and is retried
 * at the next look.
 */
export class RefreshingPolicy {
  readonly #reader: PolicyDocumentReader;
  readonly #options: RefreshingPolicyOptions;
  readonly #now: () => number;
  #good: GoodPolicy | undefined;
  #nextLook = 0;
  #looking: Promise<Policy> | undefined;
  /** Versions already judged invalid and reported: not parsed or reported again. */
  readonly #rejected = new Set<string>();

  constructor(reader: PolicyDocumentReader, options: RefreshingPolicyOptions) {
    this.#reader = reader;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The policy in force now. @throws {PolicyValidationError} when no valid policy was ever read. */
  current(): Promise<Policy> {
    if (this.#good && this.#now() < this.#nextLook) return Promise.resolve(this.#good.policy);
    // One look at a time: concurrent callers share it.
    this.#looking ??= this.#look().finally(() => {
      this.#looking = undefined;
    });
    return this.#looking;
  }

  async #look(): Promise<Policy> {
    const good = this.#good;
    this.#nextLook = this.#now() + (this.#options.refreshMs ?? DEFAULT_POLICY_REFRESH_MS);
    let document: Awaited<ReturnType<PolicyDocumentReader['read']>>;
    try {
      document = await this.#reader.read();
    } catch (error) {
      if (!good)
        throw error instanceof PolicyValidationError ? error : policyReadError(this.#reader.origin, error);
      this.#options.log.warn('the policy could not be read again; the last good one stays in force', {
        origin: this.#reader.origin,
        error: String(error),
      });
      return good.policy;
    }
    if (good?.version === document.version || (good && this.#rejected.has(document.version))) {
      return good.policy;
    }
    try {
      this.#good = { policy: parsePolicy(document.text, this.#reader.origin), version: document.version };
      if (good) this.#options.log.info('a new policy is in force', { origin: this.#reader.origin });
      return this.#good.policy;
    } catch (error) {
      if (!(error instanceof PolicyValidationError) || !good) throw error;
      await this.#reject(document.version, good, error);
      return good.policy;
    }
  }

  async #reject(version: string, kept: GoodPolicy, error: PolicyValidationError): Promise<void> {
    const origin = this.#reader.origin;
    const keptVersion = kept.version;
    const rejection = { origin, version, keptVersion, problems: error.problems, message: error.message };
    this.#options.log.error('the updated policy is invalid; the last good one stays in force', {
      origin,
      version,
      keptVersion,
      problems: error.problems.slice(0, 50),
    });
    try {
      await this.#options.onRejected(rejection, kept.policy);
      this.#rejected.add(version);
    } catch (alertError) {
      // Not marked: the next look parses it again and tries the alert again.
      this.#options.log.error('the invalid policy could not be reported', { error: String(alertError) });
    }
  }
}
