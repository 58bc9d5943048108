import { ListParentsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { AwsOrganizationalUnitPaths } from '../../shared/aws/organizational-unit-paths.js';
import { OrganizationUnavailableError } from '../../shared/model/errors.js';

// moto answers ListParents too (test/integration/organization.test.ts); a loop is easier to stage here.
const organizationsMock = mockClient(OrganizationsClient);

describe('Adapter: the OUs above an account', () => {
  beforeEach(() => organizationsMock.reset());
  afterAll(() => organizationsMock.restore());

  it('walks up to the root, outermost OU first, and reads each account once within the hour', async () => {
    // Prepare: account → ou-inner → ou-outer → root.
    organizationsMock
      .on(ListParentsCommand, { ChildId: '222233334444' })
      .resolves({ Parents: [{ Id: 'ou-ab12-inner', Type: 'ORGANIZATIONAL_UNIT' }] })
      .on(ListParentsCommand, { ChildId: 'ou-ab12-inner' })
      .resolves({ Parents: [{ Id: 'ou-ab12-outer', Type: 'ORGANIZATIONAL_UNIT' }] })
      .on(ListParentsCommand, { ChildId: 'ou-ab12-outer' })
      .resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });
    let now = 0;
    const paths = new AwsOrganizationalUnitPaths(createAwsClients({ region: 'eu-west-1' }), {
      now: () => now,
      cacheMs: 1000,
    });

    // Act
    const first = await paths.organizationalUnitsOf('222233334444');
    const again = await paths.organizationalUnitsOf('222233334444');
    now = 1001;
    await paths.organizationalUnitsOf('222233334444');

    // Assess
    expect(first).toEqual(['ou-ab12-outer', 'ou-ab12-inner']);
    expect(again).toEqual(first);
    expect(organizationsMock.commandCalls(ListParentsCommand)).toHaveLength(6);
  });

  it('refuses a path that never reaches the root instead of looping', async () => {
    // Prepare
    organizationsMock
      .on(ListParentsCommand)
      .resolves({ Parents: [{ Id: 'ou-ab12-loop', Type: 'ORGANIZATIONAL_UNIT' }] });
    const paths = new AwsOrganizationalUnitPaths(createAwsClients({ region: 'eu-west-1' }));

    // Act
    const refused = await paths.organizationalUnitsOf('222233334444').catch((error: unknown) => error);

    // Assess: five levels at most under the root, so six calls, then the error.
    expect(refused).toBeInstanceOf(OrganizationUnavailableError);
    expect(organizationsMock.commandCalls(ListParentsCommand)).toHaveLength(6);
  });
});
