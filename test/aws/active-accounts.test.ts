import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  isActiveAccount,
  listActiveAccounts,
  listOrganizationAccounts,
} from '../../shared/aws/active-accounts.js';
import { createAwsClients } from '../../shared/aws/clients.js';

// moto always answers both State and Status (test/integration/prune-fanout.test.ts); the
// deprecated-only, missing and paged answers are staged here.
const organizationsMock = mockClient(OrganizationsClient);

describe('Adapter: the organization accounts (ListAccounts)', () => {
  beforeEach(() => organizationsMock.reset());
  afterAll(() => organizationsMock.restore());

  it('reads every page, State before the deprecated Status, and skips an entry without an id', async () => {
    // Prepare
    organizationsMock
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({
        Accounts: [
          { Id: '111122223333', Name: 'hub', State: 'ACTIVE', Status: 'ACTIVE' },
          { Name: 'no id', State: 'ACTIVE' },
        ],
        NextToken: 'page-2',
      })
      .on(ListAccountsCommand, { NextToken: 'page-2' })
      .resolves({
        Accounts: [
          { Id: '222233334444', Name: 'closing', State: 'PENDING_CLOSURE', Status: 'ACTIVE' },
          { Id: '333344445555', Status: 'SUSPENDED' },
          { Id: '444455556666', Name: 'silent' },
        ],
      });

    // Act
    const accounts = await listOrganizationAccounts(createAwsClients({ region: 'eu-west-1' }));

    // Assess
    expect(accounts).toEqual([
      { id: '111122223333', name: 'hub', status: 'ACTIVE' },
      { id: '222233334444', name: 'closing', status: 'PENDING_CLOSURE' },
      { id: '333344445555', name: '', status: 'SUSPENDED' },
      { id: '444455556666', name: 'silent' },
    ]);
    expect(organizationsMock.commandCalls(ListAccountsCommand)).toHaveLength(2);
  });

  it('counts an account as active only when Organizations says ACTIVE', async () => {
    // Prepare
    organizationsMock.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: '111122223333', Name: 'hub', State: 'ACTIVE' },
        { Id: '222233334444', Name: 'gone', State: 'SUSPENDED' },
        { Id: '444455556666', Name: 'silent' },
      ],
    });

    // Act
    const active = await listActiveAccounts(createAwsClients({ region: 'eu-west-1' }));

    // Assess
    expect(active).toEqual([{ id: '111122223333', name: 'hub', status: 'ACTIVE' }]);
    expect(isActiveAccount({})).toBe(false);
    expect(isActiveAccount({ status: 'PENDING_CLOSURE' })).toBe(false);
  });
});
