import type { AwsClients } from '../aws/clients.js';
import { Ec2CloneListing } from '../aws/clone-listing.js';
import { Ec2CloneShareReader } from '../aws/clone-shares.js';
import { SecurityHubFindings } from '../aws/security-hub-findings.js';
import type { EnforcerLog, EnforcerMetrics } from '../model/log.js';
import { loadPolicy } from '../policy/load-policy.js';
import type { Settings } from '../settings/resolve-settings.js';
import { type AuditContext, SHARE_LOOKUP_CONCURRENCY } from './audit-context.js';
import { auditRegions } from './audit-policy-figures.js';

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
}

/**
 * Wires the real adapters to an audit run over the account's home region and the configured
 * regions. Dry-run (flag, env var or the policy's top-level `dryRun`) imports no findings.
 */
export async function createAuditContext(options: AuditContextOptions): Promise<AuditContext> {
  const policy = await loadPolicy(options.settings.policyPath, options.aws);
  const { aws, account } = options;
  const regions = auditRegions(aws.region, options.regions ?? policy.audit.regions);
  const sources = {
    listing: new Ec2CloneListing(aws),
    shares: new Ec2CloneShareReader(aws),
  };
  return {
    policy,
    homeRegion: aws.region,
    account,
    scopes: regions.map((region) => ({ account, region })),
    sources: () => sources,
    ...(policy.audit.securityHub.enabled ? { hub: new SecurityHubFindings(aws) } : {}),
    dryRun: options.settings.forceDryRun || policy.dryRun,
    log: options.log,
    metrics: options.metrics,
    now: options.now ?? (() => new Date()),
    shareChecks: policy.audit.shareChecks,
    concurrency: SHARE_LOOKUP_CONCURRENCY,
  };
}
