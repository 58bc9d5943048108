import type { AwsClients } from '../aws/clients.js';
import { DynamoDbCloneLedger } from '../aws/clone-ledger.js';
import { LedgerCloneStatus, TAG_CLONE_STATUS } from '../aws/clone-status.js';
import { type DiskImageLookup, Ec2DiskImages } from '../aws/disk-images.js';
import { Ec2CloneActions } from '../aws/ec2-clone-actions.js';
import { DEFAULT_VISIBILITY_RETRY, Ec2CloneFacts, type VisibilityRetry } from '../aws/ec2-clone-facts.js';
import { Ec2RestoreActions } from '../aws/ec2-restore-actions.js';
import { Ec2RestoreFacts } from '../aws/ec2-restore-facts.js';
import { Ec2ShareFacts } from '../aws/ec2-share-facts.js';
import { KmsKeys } from '../aws/kms-keys.js';
import { MemberAccounts } from '../aws/member-accounts.js';
import { AwsOrganizationDirectory, type OrganizationDirectory } from '../aws/organization-directory.js';
import type { OrganizationalUnitPaths } from '../aws/organizational-unit-paths.js';
import { SnsAlertPublisher } from '../aws/sns-alert-publisher.js';
import type { EnforcerLog, EnforcerMetrics } from '../model/log.js';
import { policyInAccount, rulesOfEveryScope } from '../policy/effective-policy.js';
import type { Policy } from '../policy/schema.js';
import { factNeedsOf } from '../rules/fact-needs.js';
import type { Settings } from '../settings/resolve-settings.js';
import type { AccountAdapters, EnforceAccounts, EnforceContext, PolicyScopes } from './enforce-context.js';

export interface ContextOptions {
  settings: Settings;
  aws: AwsClients;
  log: EnforcerLog;
  metrics: EnforcerMetrics;
  now?: () => Date;
  visibilityRetry?: VisibilityRetry;
  /**
   * Builds the lookup of an image's disks per account (default: `Ec2DiskImages`). The
   * integration tests pass one that reads moto's images unfiltered: moto lacks the filter.
   */
  diskImages?: (aws: AwsClients) => DiskImageLookup;
  /** The policy in force (see `policyInForce`); absent, it is loaded from `settings.policyPath`. */
  policy?: Policy;
}

/**
 * Wires the real adapters to the pipeline. The Lambda handler and the CLI both call this, so
 * they run the same code on the same policy semantics.
 */
export async function createEnforceContext(options: ContextOptions): Promise<EnforceContext> {
  // Loaded on first use, not at import: the YAML parser and the policy schema are needed once
  // per container, and keeping them out of module init keeps the Lambda's import time close to
  // the EC2 client's own (bench/bundle-import.ts measures both, and the first event).
  const policy =
    options.policy ??
    (await (await import('../policy/load-policy.js')).loadPolicy(options.settings.policyPath, options.aws));
  const now = options.now ?? (() => new Date());
  const topicArn = options.settings.topicArn ?? policy.alerts.topicArn;
  const attempts = options.settings.visibilityAttempts;
  const visibilityRetry =
    options.visibilityRetry ?? (attempts ? { ...DEFAULT_VISIBILITY_RETRY, attempts } : undefined);
  const table = options.settings.ledgerTable;
  const ledger = table ? new DynamoDbCloneLedger(options.aws, table) : undefined;
  const diskImagesFor = options.diskImages ?? ((aws: AwsClients) => new Ec2DiskImages(aws));
  // One directory per container, with the caller's (the hub's) clients: the Organization is read
  // at most once per container, and only the management or a delegated admin account may read it.
  const organization = new AwsOrganizationDirectory(options.aws, { log: options.log });
  // The facts any scope's rules need: an override may add an encryption rule.
  const needs = factNeedsOf(rulesOfEveryScope(policy));
  const adaptersFor = accountAdapters({
    ...(ledger ? { ledger } : {}),
    diskImagesFor,
    organization,
    needs,
    now,
    log: options.log,
    ...(visibilityRetry ? { visibilityRetry } : {}),
  });
  return {
    policy,
    dryRun: options.settings.forceDryRun || policy.dryRun,
    ...(Object.keys(policy.overrides).length > 0
      ? { scopes: policyScopes(policy, options.settings.forceDryRun, organization) }
      : {}),
    ...(topicArn ? { topicArn } : {}),
    enforcerPrincipals: options.settings.enforcerPrincipals,
    ...adaptersFor(options.aws),
    ...(options.settings.memberRole
      ? { accounts: eventAccounts(options.aws, organization, adaptersFor) }
      : {}),
    // Alerts always leave from the hub: its topic, its clients.
    alerts: new SnsAlertPublisher(options.aws),
    ...(ledger ? { ledger } : {}),
    log: options.log,
    metrics: options.metrics,
    now,
  };
}

/**
 * The policy's overrides: the policy in force in an event's account. Its OUs are read from
 * Organizations (cached per account) only when some override is keyed by an OU.
 */
function policyScopes(
  policy: Policy,
  forceDryRun: boolean,
  directory: OrganizationalUnitPaths,
): PolicyScopes {
  return {
    async policyIn(accountId) {
      const effective = await policyInAccount(policy, accountId, directory);
      return { ...effective, dryRun: forceDryRun || effective.policy.dryRun };
    },
  };
}

/**
 * Organization mode: each event's account, checked against the organization, with adapters whose
 * clients act there (the member role's, or the hub's own for the hub's account). The adapters are
 * kept per client set, so that their per-container caches (KMS keys) last as long as the hub's.
 */
function eventAccounts(
  aws: AwsClients,
  directory: OrganizationDirectory,
  adaptersFor: (aws: AwsClients) => Omit<AccountAdapters, 'accountName'>,
): EnforceAccounts {
  const accounts = new MemberAccounts(aws, { directory });
  const built = new WeakMap<AwsClients, Omit<AccountAdapters, 'accountName'>>();
  return {
    async open(accountId) {
      const opened = await accounts.open(accountId);
      let adapters = built.get(opened.aws);
      if (!adapters) {
        adapters = adaptersFor(opened.aws);
        built.set(opened.aws, adapters);
      }
      return { accountName: opened.accountName, ...adapters };
    },
  };
}

/** What the adapters of every account share: the hub's ledger and directory, the facts needed. */
interface SharedAdapterParts {
  ledger?: DynamoDbCloneLedger;
  diskImagesFor: (aws: AwsClients) => DiskImageLookup;
  organization: AwsOrganizationDirectory;
  needs: ReturnType<typeof factNeedsOf>;
  now: () => Date;
  log: EnforcerLog;
  visibilityRetry?: VisibilityRetry;
}

/**
 * The adapters that read and act in one account: the caller's own, or (organization mode) the
 * event's, so that keys, clones and grants are read where they live.
 */
function accountAdapters(parts: SharedAdapterParts) {
  const { ledger, organization, needs, now, log, visibilityRetry } = parts;
  return (aws: AwsClients) => {
    // An image's disks are looked up in the account that owns them; the ledger is the hub's.
    const diskImages = parts.diskImagesFor(aws);
    // The ledger decides a clone's status (a disk's: its image's); its tag only without a ledger (the CLI).
    const status = ledger ? new LedgerCloneStatus(ledger, { disks: diskImages }) : TAG_CLONE_STATUS;
    return {
      facts: new Ec2CloneFacts(aws, {
        log,
        now,
        needs,
        kms: new KmsKeys(aws, log),
        ...(visibilityRetry ? { retry: visibilityRetry } : {}),
      }),
      shareFacts: new Ec2ShareFacts(aws, { status, organization }),
      // The restored clone is remembered per container (see CLONE_CACHE_TTL_MS).
      restoreFacts: new Ec2RestoreFacts(aws, { status, now }),
      actions: new Ec2CloneActions(aws, { log, now }),
      restoreActions: new Ec2RestoreActions(aws),
      diskImages,
    };
  };
}
