import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';

/** Builds OUs and member accounts in the emulator's organization for integration tests. */
export interface OrganizationBuilder {
  /** The organization's root id. */
  root: string;
  /** Creates an OU under `parent` (the root by default), named `name` plus a unique suffix. */
  ou(name: string, parent?: string): Promise<string>;
  /** Creates a member account, moved under `parent` if given (else it stays at the root). */
  account(name: string, parent?: string): Promise<string>;
}

/**
 * The emulator's organization in `region`, created only if missing: moto keeps one organization
 * per account, shared by every test file that runs against the same emulator.
 */
export async function organizationIn(region: string): Promise<OrganizationBuilder> {
  const organizations = new OrganizationsClient({ region });
  const existing = await organizations.send(new DescribeOrganizationCommand({})).catch(() => undefined);
  if (!existing) await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const root = (await organizations.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  return {
    root,
    async ou(name, parent = root) {
      const created = await organizations.send(
        new CreateOrganizationalUnitCommand({ ParentId: parent, Name: `${name}-${Date.now()}` }),
      );
      return created.OrganizationalUnit!.Id!;
    },
    async account(name, parent) {
      const created = await organizations.send(
        new CreateAccountCommand({ AccountName: name, Email: `${name}-${Date.now()}@example.com` }),
      );
      const id = created.CreateAccountStatus!.AccountId!;
      if (parent) {
        await organizations.send(
          new MoveAccountCommand({ AccountId: id, SourceParentId: root, DestinationParentId: parent }),
        );
      }
      return id;
    },
  };
}
