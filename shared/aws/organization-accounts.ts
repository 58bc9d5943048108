import { OrganizationUnavailableError } from '../model/errors.js';
import type { EnforcerLog } from '../model/log.js';
import { listOrganizationAccounts, type MemberAccount } from './active-accounts.js';
import { describeError, isOrganizationNotReadable } from './aws-error.js';
import type { AwsClients } from './clients.js';

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

/** DescribeOrganization's answer, or why it could not be had. */
export type OwnOrganization =
  | { readable: true; arn?: string | undefined; id?: string | undefined }
  | { readable: false; reason: string };

/**
 * Our AWS Organization (DescribeOrganization), for the audit and the enforcer's directory alike.
 * A refusal (`isOrganizationNotReadable`) is logged as a warning and answered as unreadable; any
 * other error (a throttle, a 5xx) is thrown, so that the caller retries.
 */
export async function describeOwnOrganization(aws: AwsClients, log: EnforcerLog): Promise<OwnOrganization> {
  const client = await aws.organizations();
  // Loaded with the client, on first use: most events never read the organization.
  const { DescribeOrganizationCommand } = await import('@aws-sdk/client-organizations');
  try {
    const { Organization } = await client.send(new DescribeOrganizationCommand({}));
    return { readable: true, arn: Organization?.Arn, id: Organization?.Id };
  } catch (error) {
    if (!isOrganizationNotReadable(error)) throw error;
    log.warn('our AWS Organization could not be read', { error: describeError(error) });
    return { readable: false, reason: describeError(error) };
  }
}

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
    const organization = await describeOwnOrganization(this.#aws, this.#log);
    return organization.readable ? organization.id : undefined;
  }

  async members(): Promise<MemberAccount[]> {
    try {
      return await listOrganizationAccounts(this.#aws);
    } catch (error) {
      if (!isOrganizationNotReadable(error)) throw error;
      throw new OrganizationUnavailableError(
        `the organization's accounts could not be listed: run from the management account or a delegated administrator account (docs/deploy.md) (${describeError(error)})`,
        { cause: error },
      );
    }
  }
}
