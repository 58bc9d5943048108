import { isActiveAccount } from '../aws/active-accounts.js';
import type { AwsClients } from '../aws/clients.js';
import { dynamoDbLedgerRegion } from '../aws/clone-ledger-query.js';
import { Ec2CloneListing } from '../aws/clone-listing.js';
import { Ec2CloneShareReader } from '../aws/clone-shares.js';
import { clientsInAccount } from '../aws/member-accounts.js';
import { AwsOrganizationAccounts, type OrganizationAccountList } from '../aws/organization-accounts.js';
import { SecurityHubFindings } from '../aws/security-hub-findings.js';
import type { EnforcerLog, EnforcerMetrics } from '../model/log.js';
import { loadPolicy } from '../policy/load-policy.js';
import type { Settings } from '../settings/resolve-settings.js';
import { type AuditContext, SHARE_LOOKUP_CONCURRENCY } from './audit-context.js';
import { auditRegions } from './audit-policy-figures.js';
import type { EstateScope, EstateSources } from './read-estate.js';

export interface AuditContextOptions {
  settings: Settings;
  aws: AwsClients;
  /** The caller's account: from the Lambda context's function ARN, or STS in the CLI. */
  account: string;
  /** `--region` flags; when given they replace the policy's `audit.regions`. */
  regions?: string[];
  log: EnforcerLog;
  metrics: EnforcerMetrics;
  now?: () => Date;
  /** The organization's accounts; default: read with the caller's clients (AWS Organizations). */
  organization?: OrganizationAccountList;
}

/**
 * Organization mode: every active account of the organization in every audited region, the
 * caller's own account first, each with its name. The others are read through the member role.
 */
async function organizationScopes(
  organization: OrganizationAccountList,
  regions: string[],
  home: { account: string; log: EnforcerLog },
): Promise<EstateScope[]> {
  const members = await organization.members();
  const skipped = members.filter((member) => !isActiveAccount(member));
  if (skipped.length > 0)
    home.log.warn('accounts not audited: not active in the organization', {
      accounts: skipped.map((member) => `${member.id} (${member.status ?? 'no status'})`),
    });
  const open = members
    .filter(isActiveAccount)
    .sort((a, b) => Number(b.id === home.account) - Number(a.id === home.account));
  return open.flatMap((member) =>
    regions.map((region) => ({
      account: member.id,
      region,
      ...(member.name ? { accountName: member.name } : {}),
    })),
  );
}

/**
 * Wires the real adapters to an audit run over the account's home region and the configured
 * regions, or, in organization mode (`settings.memberRole`), over every active account of the
 * organization through the member role. Dry-run (flag, env var or the policy's top-level
 * `dryRun`) imports no findings.
 */
export async function createAuditContext(options: AuditContextOptions): Promise<AuditContext> {
  const policy = await loadPolicy(options.settings.policyPath, options.aws);
  const { aws, account, log } = options;
  const regions = auditRegions(aws.region, options.regions ?? policy.audit.regions);
  const organization = options.organization ?? new AwsOrganizationAccounts(aws, { log });
  const organizationMode = options.settings.memberRole !== undefined;
  const table = options.settings.ledgerTable;
  const ledger = table ? dynamoDbLedgerRegion(aws, table) : undefined;
  const sourcesByAccount = new Map<string, EstateSources>();
  const sources = (scope: EstateScope): EstateSources => {
    let found = sourcesByAccount.get(scope.account);
    if (!found) {
      const clients = clientsInAccount(aws, scope.account, { isHub: scope.account === account });
      found = {
        listing: new Ec2CloneListing(clients),
        shares: new Ec2CloneShareReader(clients),
        // The ledger (the hub's, for every account), when configured, decides each clone's
        // status; the tags otherwise.
        ...(ledger ? { ledger } : {}),
      };
      sourcesByAccount.set(scope.account, found);
    }
    return found;
  };
  return {
    policy,
    homeRegion: aws.region,
    account,
    scopes: organizationMode
      ? await organizationScopes(organization, regions, { account, log })
      : regions.map((region) => ({ account, region })),
    sources,
    organization,
    organizationMode,
    ...(policy.audit.securityHub.enabled ? { hub: new SecurityHubFindings(aws) } : {}),
    dryRun: options.settings.forceDryRun || policy.dryRun,
    log,
    metrics: options.metrics,
    now: options.now ?? (() => new Date()),
    shareChecks: policy.audit.shareChecks,
    concurrency: SHARE_LOOKUP_CONCURRENCY,
  };
}
