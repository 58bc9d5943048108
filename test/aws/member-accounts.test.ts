import { describe, expect, it } from 'vitest';
import type { MemberAccount } from '../../shared/aws/active-accounts.js';
import { createAwsClients } from '../../shared/aws/clients.js';
import { MemberAccounts } from '../../shared/aws/member-accounts.js';
import type { OrganizationDirectory } from '../../shared/aws/organization-directory.js';
import { AccountOutsideOrganizationError } from '../../shared/model/errors.js';

const HUB = '111111111111';
const MEMBER = '222222222222';

/** An organization of the hub and one member; counts the lookups. */
function directory(): Pick<OrganizationDirectory, 'describe'> & { asked: string[] } {
  const accounts: Record<string, MemberAccount> = {
    [HUB]: { id: HUB, name: 'security' },
    [MEMBER]: { id: MEMBER, name: 'payments-prod' },
  };
  const asked: string[] = [];
  return {
    asked,
    async describe(accountId) {
      asked.push(accountId);
      return accounts[accountId];
    },
  };
}

const identity = { whoAmI: async () => ({ arn: `arn:aws:sts::${HUB}:assumed-role/x/y`, account: HUB }) };

describe('AWS: MemberAccounts', () => {
  it("opens a member account through its role, and the hub's own account with the hub's clients", async () => {
    // Prepare
    const aws = createAwsClients({ region: 'eu-west-1', memberRole: 'clonewarden-member' });
    const accounts = new MemberAccounts(aws, { directory: directory(), identity });

    // Act
    const member = await accounts.open(MEMBER, 'us-east-1');
    const hub = await accounts.open(HUB);

    // Assess
    expect(member).toMatchObject({ accountId: MEMBER, accountName: 'payments-prod' });
    expect(member.aws).toBe(aws.forAccount(MEMBER, 'us-east-1'));
    expect(hub).toMatchObject({ accountId: HUB, accountName: 'security' });
    expect(hub.aws).toBe(aws);
  });

  it.each([
    [
      '999999999999',
      "account 999999999999 is not a member of the hub's organization: nothing there is clonewarden's to act on",
    ],
    ['12345', '"12345" is not an AWS account id'],
    ['../../etc', '"../../etc" is not an AWS account id'],
  ])('refuses %s with a clear reason, before assuming anything', async (accountId, reason) => {
    // Prepare
    const aws = createAwsClients({ region: 'eu-west-1', memberRole: 'clonewarden-member' });
    const lookups = directory();
    const accounts = new MemberAccounts(aws, { directory: lookups, identity });

    // Act
    const error = await accounts.open(accountId).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AccountOutsideOrganizationError);
    expect((error as Error).message).toBe(reason);
    expect(lookups.asked).toEqual(/^\d{12}$/.test(accountId) ? [accountId] : []);
  });
});
