import { DescribeOrganizationCommand, paginateListAccounts } from '@aws-sdk/client-organizations';
import type { EnforcerLog } from '../model/log.js';
import type { OrganizationFact } from '../model/types.js';
import { awsErrorName, describeError } from './aws-error.js';
import type { AwsClients } from './clients.js';

/** Our AWS Organization as the role may read it: the enforcer's only view of it. */
export interface OrganizationDirectory {
  read(): Promise<OrganizationFact>;
}

/**
 * Errors that mean "you may not know", not "try again": the role lacks the permission, the
 * account is in no organization, or ListAccounts is called from a member account (only the
 * management account or a delegated administrator may call it).
 */
const NOT_READABLE = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'AWSOrganizationsNotInUseException',
  'AccessDeniedForDependencyException',
]);

/**
 * Reads DescribeOrganization and ListAccounts once per container and keeps the answer: the
 * membership of an organization changes rarely, and a burst of shares must not cost a burst of
 * Organizations calls (its API is rate-limited per account). A refusal is kept too, as an
 * unknown; a throttle or a 5xx is not kept, so that the event is retried.
 */
export class AwsOrganizationDirectory implements OrganizationDirectory {
  readonly #aws: AwsClients;
  readonly #log: EnforcerLog;
  #cached: Promise<OrganizationFact> | undefined;

  constructor(aws: AwsClients, options: { log: EnforcerLog }) {
    this.#aws = aws;
    this.#log = options.log;
  }

  read(): Promise<OrganizationFact> {
    this.#cached ??= this.#readOnce().catch((error: unknown) => {
      this.#cached = undefined;
      throw error;
    });
    return this.#cached;
  }

  async #readOnce(): Promise<OrganizationFact> {
    const client = await this.#aws.organizations();
    let organization: { Arn?: string; Id?: string } | undefined;
    try {
      organization = (await client.send(new DescribeOrganizationCommand({}))).Organization;
    } catch (error) {
      if (!NOT_READABLE.has(awsErrorName(error) ?? '')) throw error;
      this.#log.warn('our AWS Organization could not be read', { error: describeError(error) });
      return { known: false, reason: describeError(error) };
    }
    if (!organization?.Arn || !organization.Id) {
      return { known: false, reason: 'DescribeOrganization named no organization' };
    }
    const base = { known: true as const, arn: organization.Arn, id: organization.Id };
    try {
      const accounts = new Set<string>();
      for await (const page of paginateListAccounts({ client }, {})) {
        for (const account of page.Accounts ?? []) if (account.Id) accounts.add(account.Id);
      }
      return { ...base, accounts };
    } catch (error) {
      if (!NOT_READABLE.has(awsErrorName(error) ?? '')) throw error;
      this.#log.warn("the organization's accounts could not be listed", { error: describeError(error) });
      return { ...base, accountsUnknown: describeError(error) };
    }
  }
}
