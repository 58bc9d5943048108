import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { AwsOrganizationAccounts } from '../../shared/aws/organization-accounts.js';
import { OrganizationUnavailableError } from '../../shared/model/errors.js';

// moto implements both calls (test/integration/audit-organization.test.ts); refusals are staged here.
const organizationsMock = mockClient(OrganizationsClient);
const refused = (name: string) => Object.assign(new Error(`${name} for this caller`), { name });

describe("Adapter: the audit's view of the organization", () => {
  beforeEach(() => organizationsMock.reset());
  afterAll(() => organizationsMock.restore());

  it.each([
    'AccessDeniedException',
    'AWSOrganizationsNotInUseException',
    'AccessDeniedForDependencyException',
  ])('answers no organization id, with a warning, on %s, as the enforcer does', async (name) => {
    // Prepare
    organizationsMock.on(DescribeOrganizationCommand).rejects(refused(name));
    const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const organization = new AwsOrganizationAccounts(createAwsClients({ region: 'eu-west-1' }), { log });

    // Act
    const id = await organization.organizationId();

    // Assess
    expect(id).toBeUndefined();
    expect(log.warn).toHaveBeenCalledWith('our AWS Organization could not be read', {
      error: `${name}: ${name} for this caller`,
    });
  });

  it('fails loudly when the accounts may not be listed, and passes any other error on, to be retried', async () => {
    // Prepare
    const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const organization = new AwsOrganizationAccounts(createAwsClients({ region: 'eu-west-1' }), { log });
    organizationsMock
      .on(ListAccountsCommand)
      .rejectsOnce(refused('AccessDeniedForDependencyException'))
      .rejectsOnce(refused('ConcurrentModificationException'));

    // Act
    const denied = await organization.members().catch((error: unknown) => error);
    const other = await organization.members().catch((error: unknown) => error);

    // Assess
    expect(denied).toBeInstanceOf(OrganizationUnavailableError);
    expect(other).toMatchObject({ name: 'ConcurrentModificationException' });
    expect(other).not.toBeInstanceOf(OrganizationUnavailableError);
  });
});
