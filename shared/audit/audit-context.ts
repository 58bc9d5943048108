import type { OrganizationAccountList } from '../aws/organization-accounts.js';
import type { FindingsHub } from '../aws/security-hub-findings.js';
import type { EnforcerLog, EnforcerMetrics } from '../model/log.js';
import type { Policy } from '../policy/schema.js';
import type { EstateScope, EstateSources } from './read-estate.js';

/** What an audit run works with; the CLI and the scheduled function build it the same way. */
export interface AuditContext {
  policy: Policy;
  /** Where Security Hub findings and the stored report go. */
  homeRegion: string;
  /** The account the clients act in. */
  account: string;
  /** Every (account, region) to read, in order. */
  scopes: EstateScope[];
  /** The adapters for one scope: organization mode hands out one set per account. */
  sources(scope: EstateScope): EstateSources;
  /** Our organization: its id tells our own organization's and OUs' shares from foreign ones. */
  organization: Pick<OrganizationAccountList, 'organizationId'>;
  /**
   * Organization mode: the scopes are the organization's accounts. A member account that cannot
   * be read (its member role missing, say) is a failure of the run, not the end of it.
   */
  organizationMode: boolean;
  /** Present when the policy sets `audit.securityHub.enabled`. */
  hub?: FindingsHub;
  /** Dry-run reads and reports, and imports nothing into Security Hub. */
  dryRun: boolean;
  log: EnforcerLog;
  metrics: EnforcerMetrics;
  now: () => Date;
  /** Share look-ups per scope at most. */
  shareChecks: number;
  /** Share look-ups in flight at once. */
  concurrency: number;
}

/** Share look-ups in flight: EC2 refills Describe tokens at about 20 a second per account. */
export const SHARE_LOOKUP_CONCURRENCY = 8;
