import type { AwsClients } from '../aws/clients.js';
import { TAG_CLONE_STATUS } from '../aws/clone-status.js';
import { Ec2CloneActions } from '../aws/ec2-clone-actions.js';
import { DEFAULT_VISIBILITY_RETRY, Ec2CloneFacts, type VisibilityRetry } from '../aws/ec2-clone-facts.js';
import { Ec2ShareFacts } from '../aws/ec2-share-facts.js';
import { KmsKeys } from '../aws/kms-keys.js';
import { AwsOrganizationDirectory } from '../aws/organization-directory.js';
import { SnsAlertPublisher } from '../aws/sns-alert-publisher.js';
import type { EnforcerLog, EnforcerMetrics } from '../model/log.js';
import { factNeedsOf } from '../rules/fact-needs.js';
import type { Settings } from '../settings/resolve-settings.js';
import type { EnforceContext } from './enforce-context.js';

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
  return {
    policy,
    dryRun: options.settings.forceDryRun || policy.dryRun,
    ...(topicArn ? { topicArn } : {}),
    enforcerPrincipals: options.settings.enforcerPrincipals,
    facts: new Ec2CloneFacts(options.aws, {
      log: options.log,
      now,
      needs: factNeedsOf(policy.rules),
      kms: new KmsKeys(options.aws, options.log),
      ...(visibilityRetry ? { retry: visibilityRetry } : {}),
    }),
    // One context per container: the Organization is read at most once per container.
    shareFacts: new Ec2ShareFacts(options.aws, {
      status: TAG_CLONE_STATUS,
      organization: new AwsOrganizationDirectory(options.aws, { log: options.log }),
    }),
    actions: new Ec2CloneActions(options.aws, { log: options.log, now }),
    alerts: new SnsAlertPublisher(options.aws),
    log: options.log,
    metrics: options.metrics,
    now,
  };
}
