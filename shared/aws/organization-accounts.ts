import { DescribeOrganizationCommand, paginateListAccounts } from '@aws-sdk/client-organizations';
import { OrganizationUnavailableError } from '../model/errors.js';
import type { EnforcerLog } from '../model/log.js';
import { awsErrorName, describeError } from './aws-error.js';
import type { AwsClients } from './clients.js';
import type { MemberAccount } from './organization-directory.js';

/**
 * The organization as the audit reads it: its id (to tell a share with our own organization or
 * one of its OUs from a foreign one) and, in organization mode, every account with its name.
 * Its own file, not AwsOrganizationDirectory's, so that the audit's role is granted these two
 * calls and not the enforcer's DescribeAccount.
 */
export interface OrganizationAccountList {
  /** Our organization's id (`o-…`), or undefined when the caller is in none or may not ask. */
  organizationId(): Promise<string | undefined>;
  /**
   * Every account of the organization, with its name and status, in ListAccounts' order.
   * @throws {OrganizationUnavailableError} when the caller may not list them.
   */
  members(): Promise<MemberAccount[]>;
}

/** Errors that mean "you may not know" rather than "try again". */
const NOT_READABLE = new Set(['AccessDeniedException', 'AccessDenied', 'AWSOrganizationsNotInUseException']);

/**
 * DescribeOrganization answers in any account of the organization; ListAccounts only in the
 * management account or a delegated administrator ("Delegated administrator for AWS
 * Organizations"), where the hub is deployed.
 */
export class AwsOrganizationAccounts implements OrganizationAccountList {
  readonly #aws: AwsClients;
  readonly #log: EnforcerLog;

  constructor(aws: AwsClients, options: { log: EnforcerLog }) {
    this.#aws = aws;
    this.#log = options.log;
  }

  async organizationId(): Promise<string | undefined> {
    const client = await this.#aws.organizations();
    try {
      return (await client.send(new DescribeOrganizationCommand({}))).Organization?.Id;
    } catch (error) {
      if (!NOT_READABLE.has(awsErrorName(error) ?? '')) throw error;
      this.#log.warn('our AWS Organization could not be read', { error: describeError(error) });
      return undefined;
    }
  }

  async members(): Promise<MemberAccount[]> {
    const client = await this.#aws.organizations();
    const accounts: MemberAccount[] = [];
    try {
      for await (const page of paginateListAccounts({ client }, {})) {
        for (const account of page.Accounts ?? []) {
          if (!account.Id) continue;
          const status = account.State ?? account.Status;
          accounts.push({ id: account.Id, name: account.Name ?? '', ...(status ? { status } : {}) });
        }
      }
    } catch (error) {
      if (!NOT_READABLE.has(awsErrorName(error) ?? '')) throw error;
      throw new OrganizationUnavailableError(
        `the organization's accounts could not be listed: run from the management account or a delegated administrator account (docs/deploy.md) (${describeError(error)})`,
        { cause: error },
      );
    }
    return accounts;
  }
}
