import { DescribeAccountCommand } from '@aws-sdk/client-organizations';
import { OrganizationUnavailableError } from '../model/errors.js';
import { awsErrorName, describeError } from './aws-error.js';
import type { AwsClients } from './clients.js';

/** An account of the organization, as AWS Organizations describes it. */
export interface MemberAccount {
  id: string;
  /** The account's name in the organization: set by the organization's administrators. */
  name: string;
  /** `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, when Organizations says. */
  status?: string;
}

/** What the hub knows of the organization's accounts. */
export interface OrganizationAccounts {
  /** The account, or undefined when it is not a member of the caller's organization. */
  describe(accountId: string): Promise<MemberAccount | undefined>;
}

/** How long an answer is reused: names rarely change, and a new account must not wait long. */
export interface DirectoryCacheTimes {
  memberMs: number;
  notMemberMs: number;
}

const CACHE_TIMES: DirectoryCacheTimes = { memberMs: 60 * 60_000, notMemberMs: 5 * 60_000 };

/** Organizations errors that mean the hub cannot ask at all, with what to do about each. */
const UNAVAILABLE: Readonly<Record<string, string>> = {
  AWSOrganizationsNotInUseException: 'the hub account is not in an AWS Organization',
  AccessDeniedException:
    'the hub may not call organizations:DescribeAccount: deploy it in the management account or a delegated administrator account (docs/deploy.md)',
};

/**
 * Organizations `DescribeAccount`, cached per account: membership for an hour, an account outside
 * the organization for five minutes (so that a freshly invited account is governed soon).
 * DescribeAccount answers in the management account and in any delegated administrator account
 * ("Delegated administrator for AWS Organizations": read-only Describe/List operations).
 */
export class OrganizationsAccountDirectory implements OrganizationAccounts {
  readonly #aws: AwsClients;
  readonly #now: () => number;
  readonly #times: DirectoryCacheTimes;
  readonly #cache = new Map<string, { until: number; answer: Promise<MemberAccount | undefined> }>();

  constructor(aws: AwsClients, options: { now?: () => number; cacheTimes?: DirectoryCacheTimes } = {}) {
    this.#aws = aws;
    this.#now = options.now ?? Date.now;
    this.#times = options.cacheTimes ?? CACHE_TIMES;
  }

  describe(accountId: string): Promise<MemberAccount | undefined> {
    const cached = this.#cache.get(accountId);
    if (cached && cached.until > this.#now()) return cached.answer;
    // The promise is cached at once, so that concurrent lookups of one account make one call.
    const entry = { until: Number.POSITIVE_INFINITY, answer: this.#lookUp(accountId) };
    this.#cache.set(accountId, entry);
    entry.answer.then(
      (account) => {
        entry.until = this.#now() + (account ? this.#times.memberMs : this.#times.notMemberMs);
      },
      () => this.#cache.delete(accountId),
    );
    return entry.answer;
  }

  async #lookUp(accountId: string): Promise<MemberAccount | undefined> {
    const organizations = await this.#aws.organizations();
    try {
      const { Account } = await organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
      if (!Account?.Id) return undefined;
      return {
        id: Account.Id,
        name: Account.Name ?? '',
        ...(Account.Status ? { status: Account.Status } : {}),
      };
    } catch (error) {
      const name = awsErrorName(error) ?? '';
      if (name === 'AccountNotFoundException') return undefined;
      const unavailable = UNAVAILABLE[name];
      if (unavailable && Object.hasOwn(UNAVAILABLE, name)) {
        throw new OrganizationUnavailableError(`${unavailable} (${describeError(error)})`, { cause: error });
      }
      throw error;
    }
  }
}
