import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { AwsOrganizationDirectory } from '../../shared/aws/organization-directory.js';

// moto implements Organizations (test/integration/enforce-sharing.test.ts); refusals are easier to stage here.
const organizationsMock = mockClient(OrganizationsClient);
const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
const ARN = 'arn:aws:organizations::111122223333:organization/o-abcdefghij';
const denied = (operation: string) =>
  Object.assign(new Error(`not allowed to ${operation}`), { name: 'AccessDeniedException' });

describe('Adapter: our AWS Organization', () => {
  beforeEach(() => organizationsMock.reset());
  afterAll(() => organizationsMock.restore());

  it('reads the organization and its accounts once per container', async () => {
    // Prepare
    organizationsMock
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { Arn: ARN, Id: 'o-abcdefghij' } });
    organizationsMock
      .on(ListAccountsCommand)
      .resolves({ Accounts: [{ Id: '111122223333' }, { Id: '222233334444' }] });
    const directory = new AwsOrganizationDirectory(createAwsClients({ region: 'eu-west-1' }), { log });

    // Act
    const first = await directory.read();
    const second = await directory.read();

    // Assess
    expect(first).toEqual({
      known: true,
      arn: ARN,
      id: 'o-abcdefghij',
      accounts: new Set(['111122223333', '222233334444']),
    });
    expect(second).toBe(first);
    expect(organizationsMock.commandCalls(DescribeOrganizationCommand)).toHaveLength(1);
    expect(organizationsMock.commandCalls(ListAccountsCommand)).toHaveLength(1);
  });

  it('records a refused ListAccounts as unknown accounts, and a refused DescribeOrganization as an unknown organization', async () => {
    // Prepare
    organizationsMock
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { Arn: ARN, Id: 'o-abcdefghij' } });
    organizationsMock.on(ListAccountsCommand).rejects(denied('ListAccounts'));
    const member = new AwsOrganizationDirectory(createAwsClients({ region: 'eu-west-1' }), { log });

    // Act
    const partly = await member.read();
    organizationsMock.on(DescribeOrganizationCommand).rejects(denied('DescribeOrganization'));
    const refused = await new AwsOrganizationDirectory(createAwsClients({ region: 'eu-west-1' }), {
      log,
    }).read();

    // Assess
    expect(partly).toEqual({
      known: true,
      arn: ARN,
      id: 'o-abcdefghij',
      accountsUnknown: 'AccessDeniedException: not allowed to ListAccounts',
    });
    expect(refused).toEqual({
      known: false,
      reason: 'AccessDeniedException: not allowed to DescribeOrganization',
    });
  });
});
