import type { CloneLedger } from '../aws/clone-ledger.js';
import type { DiskImageLookup } from '../aws/disk-images.js';
import type { CloneActions } from '../aws/ec2-clone-actions.js';
import type { CloneFactsReader } from '../aws/ec2-clone-facts.js';
import type { RestoreActions } from '../aws/ec2-restore-actions.js';
import type { RestoreFactsReader } from '../aws/ec2-restore-facts.js';
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
  /** The facts of the restoring family; its clone cache lives as long as the context (a container). */
  restoreFacts: RestoreFactsReader;
  actions: CloneActions;
  /** The restoring family's own write: stopping restored instances. */
  restoreActions: RestoreActions;
  alerts: AlertPublisher;
  /** clonewarden's record; the functions always have one, the CLI only with CLONEWARDEN_LEDGER_TABLE. */
  ledger?: CloneLedger;
  /** Which image a snapshot is a disk of, so that the tamper guard reads a disk's image's item. */
  diskImages?: DiskImageLookup;
  log: EnforcerLog;
  metrics: EnforcerMetrics;
  now: () => Date;
  /**
   * Organization mode (`CLONEWARDEN_MEMBER_ROLE` set): opens the account each event happened in,
   * whose adapters then replace `facts`, `shareFacts` and `actions`. Absent, everything happens in the
   * caller's own account, as before.
   */
  accounts?: EnforceAccounts;
  /** The event's account's name in the organization, once opened: alerts and verdicts carry it. */
  accountName?: string;
  /**
   * The policy's overrides per OU or account (absent when it has none): `enforceRecord` replaces
   * `policy` and `dryRun` with the ones in force in the event's account.
   */
  scopes?: PolicyScopes;
}

/** The policy in force in one account: the base policy with its OU's and its own overrides applied. */
export interface PolicyScopes {
  policyIn(accountId: string): Promise<{ policy: Policy; dryRun: boolean; applied: string[] }>;
}

/** The adapters that read and act in one account, and its name. */
export interface AccountAdapters {
  accountName: string;
  facts: CloneFactsReader;
  shareFacts: ShareFactsReader;
  restoreFacts: RestoreFactsReader;
  actions: CloneActions;
  restoreActions: RestoreActions;
  diskImages?: DiskImageLookup;
}

/** Organization mode: the door to the account an event happened in. */
export interface EnforceAccounts {
  /** @throws {AccountOutsideOrganizationError} for an account outside the hub's organization. */
  open(accountId: string): Promise<AccountAdapters>;
}
