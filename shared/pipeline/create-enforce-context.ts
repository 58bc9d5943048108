import type { AwsClients } from '../aws/clients.js';
import { Ec2CloneActions } from '../aws/ec2-clone-actions.js';
import { DEFAULT_VISIBILITY_RETRY, Ec2CloneFacts, type VisibilityRetry } from '../aws/ec2-clone-facts.js';
import { MemberAccounts } from '../aws/member-accounts.js';
import { SnsAlertPublisher } from '../aws/sns-alert-publisher.js';
import type { EnforcerLog, EnforcerMetrics } from '../model/log.js';
import type { Settings } from '../settings/resolve-settings.js';
import type { EnforceAccounts, EnforceContext } from './enforce-context.js';

export interface ContextOptions {
  settings: Settings;
  aws: AwsClients;
  log: EnforcerLog;
  metrics: EnforcerMetrics;
  now?: () => Date;
  visibilityRetry?: VisibilityRetry;
}

/**
 * Wires the real adapters to the pipeline. The Lambda handler and the CLI both call this, so
 * they run the same code on the same policy semantics.
 */
export async function createEnforceContext(options: ContextOptions): Promise<EnforceContext> {
  // Loaded on first use, not at import: the YAML parser and the policy schema are needed once
  // per container, and keeping them out of module init keeps the Lambda's import time close to
  // the EC2 client's own (bench/bundle-import.ts measures both, and the first event).
  const { loadPolicy } = await import('../policy/load-policy.js');
  const policy = await loadPolicy(options.settings.policyPath);
  const now = options.now ?? (() => new Date());
  const topicArn = options.settings.topicArn ?? policy.alerts.topicArn;
  const attempts = options.settings.visibilityAttempts;
  const visibilityRetry =
    options.visibilityRetry ?? (attempts ? { ...DEFAULT_VISIBILITY_RETRY, attempts } : undefined);
  const adaptersFor = (aws: AwsClients) => ({
    facts: new Ec2CloneFacts(aws, {
      log: options.log,
      now,
      ...(visibilityRetry ? { retry: visibilityRetry } : {}),
    }),
    actions: new Ec2CloneActions(aws, { log: options.log, now }),
  });
  return {
    policy,
    dryRun: options.settings.forceDryRun || policy.dryRun,
    ...(topicArn ? { topicArn } : {}),
    enforcerPrincipals: options.settings.enforcerPrincipals,
    ...adaptersFor(options.aws),
    ...(options.settings.memberRole ? { accounts: eventAccounts(options.aws, adaptersFor) } : {}),
    // Alerts always leave from the hub: its topic, its clients.
    alerts: new SnsAlertPublisher(options.aws),
    log: options.log,
    metrics: options.metrics,
    now,
  };
}

/**
 * Organization mode: each event's account, checked against the organization, with adapters whose
 * clients act there (the member role's, or the hub's own for the hub's account).
 */
function eventAccounts(
  aws: AwsClients,
  adaptersFor: (aws: AwsClients) => Pick<EnforceContext, 'facts' | 'actions'>,
): EnforceAccounts {
  const accounts = new MemberAccounts(aws);
  return {
    async open(accountId) {
      const opened = await accounts.open(accountId);
      return { accountName: opened.accountName, ...adaptersFor(opened.aws) };
    },
  };
}
