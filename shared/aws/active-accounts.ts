import type { AwsClients } from './clients.js';
// Its own file (not organization-directory.ts): the daily prune's fan-out lists accounts and
// calls nothing else of Organizations, so its role is granted ListAccounts only
// (test/packaging/iam-least-privilege). The enforcer's directory and the audit read through it too.

/** An account of the organization, as AWS Organizations describes it. */
export interface MemberAccount {
  id: string;
  /** The account's name in the organization: set by the organization's administrators. */
  name: string;
  /** `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, when Organizations says. */
  status?: string;
}

/**
 * Every account of the organization, every page of ListAccounts (20 per page at most), in its
 * order, with its name and status. `State` replaces the deprecated `Status` ("ListAccounts",
 * AWS Organizations API reference); either is read. Errors are the caller's to judge
 * (`isOrganizationNotReadable`).
 */
export async function listOrganizationAccounts(aws: AwsClients): Promise<MemberAccount[]> {
  // Imported here, not at the top: most runs never list the organization's accounts.
  const { paginateListAccounts } = await import('@aws-sdk/client-organizations');
  const client = await aws.organizations();
  const accounts: MemberAccount[] = [];
  for await (const page of paginateListAccounts({ client }, {})) {
    for (const account of page.Accounts ?? []) {
      if (!account.Id) continue;
      const status = account.State ?? account.Status;
      accounts.push({ id: account.Id, name: account.Name ?? '', ...(status ? { status } : {}) });
    }
  }
  return accounts;
}

/**
 * Whether clonewarden works in the account: Organizations says ACTIVE. Suspended and closing
 * accounts are left out (their resources can no longer be changed, the member role may not be
 * assumed), and so is an account without a status: the API reference marks every field of
 * `Account` optional, although AWS (and moto) always return `State` and `Status`, so a missing
 * one is an answer we cannot trust, and the prune deletes nothing on a guess.
 */
export function isActiveAccount(account: Pick<MemberAccount, 'status'>): boolean {
  return account.status === 'ACTIVE';
}

/** The organization's ACTIVE accounts: the accounts the daily prune covers. */
export async function listActiveAccounts(aws: AwsClients): Promise<MemberAccount[]> {
  return (await listOrganizationAccounts(aws)).filter(isActiveAccount);
}
