import { OrganizationUnavailableError } from '../model/errors.js';
import type { EnforcerLog } from '../model/log.js';
import type { OrganizationFact } from '../model/types.js';
import { listOrganizationAccounts, type MemberAccount } from './active-accounts.js';
import { awsErrorName, describeError, isOrganizationNotReadable } from './aws-error.js';
import type { AwsClients } from './clients.js';
import { describeOwnOrganization } from './organization-accounts.js';
import { AwsOrganizationalUnitPaths, type OrganizationalUnitPaths } from './organizational-unit-paths.js';

/** Our AWS Organization as the role may read it: the enforcer's only view of it. */
export interface OrganizationDirectory {
  /** The organization and its accounts, for the sharing rules (`organization: true`). */
  read(): Promise<OrganizationFact>;
  /**
   * One account, or undefined when it is not a member: organization mode's membership check.
   * @throws {OrganizationUnavailableError} when the caller may not ask Organizations at all.
   */
  describe(accountId: string): Promise<MemberAccount | undefined>;
}

/** How long a `describe` answer is reused: names rarely change, and a new account must not wait long. */
interface DescribeCacheTimes {
  memberMs: number;
  notMemberMs: number;
}

const CACHE_TIMES: DescribeCacheTimes = { memberMs: 60 * 60_000, notMemberMs: 5 * 60_000 };

/**
 * `describe`: errors that mean the hub cannot check membership at all, with what to do about
 * each. Organization mode cannot work without it, so these fail loudly instead of guessing.
 */
const UNAVAILABLE: Readonly<Record<string, string>> = {
  AWSOrganizationsNotInUseException: 'the hub account is not in an AWS Organization',
  AccessDeniedException:
    'the hub may not call organizations:DescribeAccount: deploy it in the management account or a delegated administrator account (docs/deploy.md)',
};

/**
 * The one Organizations adapter. `read` calls DescribeOrganization and ListAccounts once per
 * container and keeps the answer: membership changes rarely, and a burst of shares must not cost
 * a burst of Organizations calls (its API is rate-limited per account). A refusal is kept too, as
 * an unknown; a throttle or a 5xx is not kept, so that the event is retried.
 * `describe` calls DescribeAccount per account, cached: a member for an hour, an account outside
 * the organization for five minutes (so that a freshly invited account is governed soon).
 * Both answer in the management account and in a delegated administrator account ("Delegated
 * administrator for AWS Organizations": read-only Describe/List operations).
 */
export class AwsOrganizationDirectory implements OrganizationDirectory, OrganizationalUnitPaths {
  readonly #aws: AwsClients;
  readonly #log: EnforcerLog;
  readonly #now: () => number;
  readonly #times: DescribeCacheTimes;
  #cached: Promise<OrganizationFact> | undefined;
  readonly #accounts = new Map<string, { until: number; answer: Promise<MemberAccount | undefined> }>();
  readonly #units: AwsOrganizationalUnitPaths;

  constructor(
    aws: AwsClients,
    options: { log: EnforcerLog; now?: () => number; cacheTimes?: DescribeCacheTimes },
  ) {
    this.#aws = aws;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#times = options.cacheTimes ?? CACHE_TIMES;
    this.#units = new AwsOrganizationalUnitPaths(aws, { now: this.#now, cacheMs: this.#times.memberMs });
  }

  read(): Promise<OrganizationFact> {
    this.#cached ??= this.#readOnce().catch((error: unknown) => {
      this.#cached = undefined;
      throw error;
    });
    return this.#cached;
  }

  describe(accountId: string): Promise<MemberAccount | undefined> {
    const cached = this.#accounts.get(accountId);
    if (cached && cached.until > this.#now()) return cached.answer;
    // The promise is cached at once, so that concurrent lookups of one account make one call.
    const entry = { until: Number.POSITIVE_INFINITY, answer: this.#describeOnce(accountId) };
    this.#accounts.set(accountId, entry);
    entry.answer.then(
      (account) => {
        entry.until = this.#now() + (account ? this.#times.memberMs : this.#times.notMemberMs);
      },
      () => this.#accounts.delete(accountId),
    );
    return entry.answer;
  }

  /** The OUs above `accountId` (ListParents), cached per account for as long as a member's name. */
  organizationalUnitsOf(accountId: string): Promise<string[]> {
    return this.#units.organizationalUnitsOf(accountId);
  }

  async #readOnce(): Promise<OrganizationFact> {
    const organization = await describeOwnOrganization(this.#aws, this.#log);
    if (!organization.readable) return { known: false, reason: organization.reason };
    if (!organization.arn || !organization.id) {
      return { known: false, reason: 'DescribeOrganization named no organization' };
    }
    const base = { known: true as const, arn: organization.arn, id: organization.id };
    try {
      const accounts = new Set((await listOrganizationAccounts(this.#aws)).map((account) => account.id));
      return { ...base, accounts };
    } catch (error) {
      if (!isOrganizationNotReadable(error)) throw error;
      this.#log.warn("the organization's accounts could not be listed", { error: describeError(error) });
      return { ...base, accountsUnknown: describeError(error) };
    }
  }

  async #describeOnce(accountId: string): Promise<MemberAccount | undefined> {
    const client = await this.#aws.organizations();
    const { DescribeAccountCommand } = await import('@aws-sdk/client-organizations');
    try {
      const { Account } = await client.send(new DescribeAccountCommand({ AccountId: accountId }));
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
