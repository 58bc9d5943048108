import {
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { AwsOrganizationDirectory } from '../../shared/aws/organization-directory.js';
import { OrganizationUnavailableError } from '../../shared/model/errors.js';

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

  it('describes a member account once an hour, an outsider once every five minutes, and concurrent lookups once', async () => {
    // Prepare
    organizationsMock
      .on(DescribeAccountCommand, { AccountId: '222233334444' })
      .resolves({ Account: { Id: '222233334444', Name: 'payments-prod', Status: 'ACTIVE' } });
    const notFound = Object.assign(new Error('no such account'), { name: 'AccountNotFoundException' });
    organizationsMock.on(DescribeAccountCommand, { AccountId: '999999999999' }).rejects(notFound);
    let clock = 0;
    const directory = new AwsOrganizationDirectory(createAwsClients({ region: 'eu-west-1' }), {
      log,
      now: () => clock,
    });
    const callsFor = (id: string) =>
      organizationsMock.commandCalls(DescribeAccountCommand).filter((c) => c.args[0].input.AccountId === id);

    // Act
    const [member, again] = await Promise.all([
      directory.describe('222233334444'),
      directory.describe('222233334444'),
    ]);
    const outsider = await directory.describe('999999999999');
    clock = 6 * 60_000;
    await directory.describe('222233334444');
    await directory.describe('999999999999');

    // Assess
    expect(member).toEqual({ id: '222233334444', name: 'payments-prod', status: 'ACTIVE' });
    expect(again).toBe(member);
    expect(outsider).toBeUndefined();
    expect(callsFor('222233334444')).toHaveLength(1);
    expect(callsFor('999999999999')).toHaveLength(2);
  });

  it('says why membership cannot be checked when the hub may not ask, and does not keep a failure', async () => {
    // Prepare
    organizationsMock.on(DescribeAccountCommand).rejects(denied('DescribeAccount'));
    const directory = new AwsOrganizationDirectory(createAwsClients({ region: 'eu-west-1' }), { log });

    // Act
    const refused = await directory.describe('222233334444').catch((error: unknown) => error);
    organizationsMock
      .on(DescribeAccountCommand)
      .resolves({ Account: { Id: '222233334444', Name: 'payments-prod' } });
    const later = await directory.describe('222233334444');

    // Assess
    expect(refused).toBeInstanceOf(OrganizationUnavailableError);
    expect((refused as Error).message).toContain('delegated administrator');
    expect(later).toEqual({ id: '222233334444', name: 'payments-prod' });
  });
});
