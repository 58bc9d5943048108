import { AccountOutsideOrganizationError } from '../model/errors.js';
import type { CallerIdentity } from './caller-identity.js';
import type { AwsClients } from './clients.js';
import { HubAccount } from './hub-account.js';
import type { OrganizationDirectory } from './organization-directory.js';

/** An account opened for work: who it is, and the clients that act in it. */
export interface OpenedAccount {
  accountId: string;
  /** Its name in the organization. */
  accountName: string;
  /** The hub's own clients for the hub's account, the member role's for any other. */
  aws: AwsClients;
}

/** Opens the account an event or a clone belongs to: the one door to a member account. */
interface AccountOpener {
  /**
   * The clients for `accountId`, with `region` as their home (default: the hub's region).
   * @throws {AccountOutsideOrganizationError} for an id that is not an account of the organization.
   */
  open(accountId: string, region?: string): Promise<OpenedAccount>;
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * The hub's clients for one account of the organization: its own in the hub's account (no role
 * to assume there), the member role's (`forAccount`) in any other. Enforce, the CLI, the audit
 * and the organization prune's worker all open accounts this way.
 */
export function clientsInAccount(
  hub: AwsClients,
  accountId: string,
  options: { isHub: boolean; region?: string | undefined },
): AwsClients {
  const region = options.region ?? hub.region;
  return options.isHub ? hub.inRegion(region) : hub.forAccount(accountId, region);
}

/**
 * Organization mode's account plumbing, for enforce and the CLI (the prune fan-out and the audit use
 * `clientsInAccount` and `HubAccount` alone: their roles may not call DescribeAccount): checks
 * membership with Organizations (cached), then hands out the hub's own clients for the
 * hub's account (no role to assume there) or `aws.forAccount` for a member account.
 *
 * @example
 * const hub = createAwsClients({ region, memberRole: 'clonewarden-member' });
 * const accounts = new MemberAccounts(hub, { directory: new AwsOrganizationDirectory(hub, { log }) });
 * const { aws, accountName } = await accounts.open('111122223333', 'eu-west-1');
 */
export class MemberAccounts implements AccountOpener {
  readonly #aws: AwsClients;
  readonly #directory: Pick<OrganizationDirectory, 'describe'>;
  readonly #hub: HubAccount;

  constructor(
    aws: AwsClients,
    options: { directory: Pick<OrganizationDirectory, 'describe'>; identity?: CallerIdentity },
  ) {
    this.#aws = aws;
    this.#directory = options.directory;
    this.#hub = new HubAccount(aws, options.identity ? { identity: options.identity } : {});
  }

  async open(accountId: string, region?: string): Promise<OpenedAccount> {
    // The id comes from a CloudTrail record or a flag: it goes into a role ARN only once checked.
    if (!ACCOUNT_ID.test(accountId)) {
      const shown = JSON.stringify(accountId.slice(0, 40));
      throw new AccountOutsideOrganizationError(accountId, `${shown} is not an AWS account id`);
    }
    const member = await this.#directory.describe(accountId);
    if (!member) {
      throw new AccountOutsideOrganizationError(
        accountId,
        `account ${accountId} is not a member of the hub's organization: nothing there is clonewarden's to act on`,
      );
    }
    const isHub = accountId === (await this.#hub.id());
    const aws = clientsInAccount(this.#aws, accountId, { isHub, region });
    return { accountId, accountName: member.name, aws };
  }
}
