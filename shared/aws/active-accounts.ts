import type { AwsClients } from './clients.js';
import type { MemberAccount } from './organization-directory.js';
// Its own file (not organization-directory.ts): only the daily prune's fan-out lists accounts
// this way, so only its role is granted what the file calls (test/packaging/iam-least-privilege).

/**
 * The organization's ACTIVE accounts, every page of ListAccounts (20 per page at most): the
 * accounts the daily prune covers. Suspended and closing accounts are left out: their resources
 * can no longer be changed. `State` replaces the deprecated `Status` ("ListAccounts", AWS
 * Organizations API reference); either is read.
 */
export async function listActiveAccounts(aws: AwsClients): Promise<MemberAccount[]> {
  // Imported here, not at the top: only organization mode's daily run lists accounts.
  const { paginateListAccounts } = await import('@aws-sdk/client-organizations');
  const client = await aws.organizations();
  const accounts: MemberAccount[] = [];
  for await (const page of paginateListAccounts({ client }, {})) {
    for (const account of page.Accounts ?? []) {
      const state = account.State ?? account.Status;
      if (account.Id && state === 'ACTIVE')
        accounts.push({ id: account.Id, name: account.Name ?? '', status: state });
    }
  }
  return accounts;
}
