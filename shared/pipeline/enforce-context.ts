import type { CloneActions } from '../aws/ec2-clone-actions.js';
import type { CloneFactsReader } from '../aws/ec2-clone-facts.js';
import type { ShareFactsReader } from '../aws/ec2-share-facts.js';
import type { AlertPublisher } from '../aws/sns-alert-publisher.js';
import type { EnforcerLog, EnforcerMetrics } from '../model/log.js';
import type { Policy } from '../policy/schema.js';

/** What enforcing one record needs: the policy, the effective settings and the adapters. */
export interface EnforceContext {
  policy: Policy;
  /** Effective dry-run (policy or forced by flag/env). */
  dryRun: boolean;
  /** Effective alert topic (flag/env, else the policy's). */
  topicArn?: string;
  enforcerPrincipals: string[];
  facts: CloneFactsReader;
  /** The facts of the sharing family: the shared clone, its status, our Organization. */
  shareFacts: ShareFactsReader;
  actions: CloneActions;
  alerts: AlertPublisher;
  log: EnforcerLog;
  metrics: EnforcerMetrics;
  now: () => Date;
}
