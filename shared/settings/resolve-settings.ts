import { LedgerRequiredError, UsageError } from '../model/errors.js';
import {
  type Environment,
  type LogLevel,
  MEMBER_ROLE_NAME,
  memberRoleProblem,
  policyLocation,
  policyLocationProblem,
  readEnvironment,
  SNS_TOPIC_ARN,
  topicArnProblem,
} from './environment.js';

/**
 * Settings that can come from an environment variable or a command-line flag; the flag wins
 * (the env var / flag table in the README's "Command line").
 */
export interface Settings {
  /** Where the policy is: a file path (the packaged file by default), `s3://bucket/key` or `ssm:/name`. */
  policyPath: string;
  /** How long a function keeps a policy read from S3 or SSM before it looks again (default 5 min). */
  policyRefreshMs?: number;
  /** Overrides `alerts.topicArn`. */
  topicArn?: string;
  /** `true` forces dry-run whatever the policy says; `false`/absent leaves it to the policy. */
  forceDryRun: boolean;
  /** Role ARN globs whose calls are the enforcer's own and are skipped. */
  enforcerPrincipals: string[];
  /** How many times to look for a new clone before failing the event (default 6, about 15 s). */
  visibilityAttempts?: number;
  /** Clones without a verdict that one prune run evaluates (default 500). */
  reconcileLimit?: number;
  /** How much the CLI says on stderr (default warn). */
  logLevel?: LogLevel;
  /** The DynamoDB table that makes the enforce function idempotent; unset, duplicates are enforced again. */
  idempotencyTable?: string;
  /**
   * clonewarden's ledger (DynamoDB): the record that tags only mirror. The functions require it;
   * without it the CLI falls back to the tags and says what that cannot guarantee.
   */
  ledgerTable?: string;
  /**
   * Organization mode, on when set: the role (name, or path/name) that the hub assumes in a member
   * account to act where an event happened or a clone lives.
   */
  memberRole?: string;
  /** The S3 bucket the scheduled audit writes its reports to. */
  reportBucket?: string;
  /**
   * The SSM SecureString parameter holding the access key of the IAM user that signs the audit's
   * 7-day link; unset, the function's own role session signs it (a link that lives hours).
   */
  auditLinkSignerParameter?: string;
  /** Organization mode: the SQS queue the daily prune puts one job per account and region on. */
  pruneQueueUrl?: string;
  /** Organization mode: the regions the daily prune covers in every account (default: the hub's). */
  pruneRegions?: string[];
}

/** The command-line flags that override a variable. */
export interface SettingFlags {
  policy?: string;
  topicArn?: string;
  dryRun?: boolean;
  /** `--reconcile-limit`, as typed. */
  reconcileLimit?: string;
  /** `--member-role`, as typed. */
  memberRole?: string;
}

/** Which variable each flag overrides: an overridden variable is not read, so a bad one cannot fail the run. */
const OVERRIDES: { [Flag in keyof SettingFlags]-?: keyof Environment } = {
  policy: 'CLONEWARDEN_POLICY',
  topicArn: 'CLONEWARDEN_ALERT_TOPIC_ARN',
  dryRun: 'CLONEWARDEN_DRY_RUN',
  reconcileLimit: 'CLONEWARDEN_RECONCILE_LIMIT',
  memberRole: 'CLONEWARDEN_MEMBER_ROLE',
};

function checkFlags(flags: SettingFlags): void {
  if (flags.policy !== undefined && !policyLocation(flags.policy)) {
    throw new UsageError(policyLocationProblem('--policy', flags.policy));
  }
  if (flags.topicArn !== undefined && !SNS_TOPIC_ARN.test(flags.topicArn)) {
    throw new UsageError(topicArnProblem('--topic-arn', flags.topicArn));
  }
  if (flags.reconcileLimit !== undefined && !/^\d{1,9}$/.test(flags.reconcileLimit)) {
    throw new UsageError(
      `--reconcile-limit ${flags.reconcileLimit.slice(0, 20)} is not a whole number of clones`,
    );
  }
  if (flags.memberRole !== undefined && !MEMBER_ROLE_NAME.test(flags.memberRole)) {
    throw new UsageError(memberRoleProblem('--member-role', flags.memberRole));
  }
}

/** The environment with the variables a flag overrides left out. */
function notOverridden(flags: SettingFlags, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rest = { ...env };
  for (const [flag, variable] of Object.entries(OVERRIDES)) {
    // `dryRun: false` is "no --dry-run": it leaves the variable in charge.
    const value = flags[flag as keyof SettingFlags];
    if (value !== undefined && value !== false) delete rest[variable];
  }
  return rest;
}

/** The settings: `ENVIRONMENT_SCHEMA` over `env`, with the command-line flags on top. */
export function resolveSettings(flags: SettingFlags = {}, env: NodeJS.ProcessEnv = process.env): Settings {
  checkFlags(flags);
  const vars = readEnvironment(notOverridden(flags, env));
  const topicArn = flags.topicArn ?? vars.CLONEWARDEN_ALERT_TOPIC_ARN;
  const memberRole = flags.memberRole ?? vars.CLONEWARDEN_MEMBER_ROLE;
  const reconcileLimit =
    flags.reconcileLimit !== undefined ? Number(flags.reconcileLimit) : vars.CLONEWARDEN_RECONCILE_LIMIT;
  const policyPath = flags.policy ?? vars.CLONEWARDEN_POLICY ?? './clonewarden.yml';
  return {
    policyPath,
    ...(vars.CLONEWARDEN_POLICY_REFRESH_SECONDS !== undefined
      ? { policyRefreshMs: vars.CLONEWARDEN_POLICY_REFRESH_SECONDS * 1000 }
      : {}),
    ...(topicArn ? { topicArn } : {}),
    forceDryRun: flags.dryRun === true || vars.CLONEWARDEN_DRY_RUN === true,
    enforcerPrincipals: vars.CLONEWARDEN_ENFORCER_ROLE_ARN ?? [],
    ...(vars.CLONEWARDEN_VISIBILITY_ATTEMPTS
      ? { visibilityAttempts: vars.CLONEWARDEN_VISIBILITY_ATTEMPTS }
      : {}),
    ...(reconcileLimit !== undefined ? { reconcileLimit } : {}),
    ...(vars.CLONEWARDEN_LOG_LEVEL ? { logLevel: vars.CLONEWARDEN_LOG_LEVEL } : {}),
    ...(vars.CLONEWARDEN_IDEMPOTENCY_TABLE ? { idempotencyTable: vars.CLONEWARDEN_IDEMPOTENCY_TABLE } : {}),
    ...(vars.CLONEWARDEN_LEDGER_TABLE ? { ledgerTable: vars.CLONEWARDEN_LEDGER_TABLE } : {}),
    ...(memberRole ? { memberRole } : {}),
    ...(vars.CLONEWARDEN_REPORT_BUCKET ? { reportBucket: vars.CLONEWARDEN_REPORT_BUCKET } : {}),
    ...(vars.CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER
      ? { auditLinkSignerParameter: vars.CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER }
      : {}),
    ...(vars.CLONEWARDEN_PRUNE_QUEUE_URL ? { pruneQueueUrl: vars.CLONEWARDEN_PRUNE_QUEUE_URL } : {}),
    ...(vars.CLONEWARDEN_PRUNE_REGIONS ? { pruneRegions: vars.CLONEWARDEN_PRUNE_REGIONS } : {}),
  };
}

/**
 * The settings of a Lambda function, which keeps its state in the ledger: without the table a
 * forged tag would decide releases, prune dates and lineage, so the function refuses to run.
 *
 * @throws {LedgerRequiredError} when CLONEWARDEN_LEDGER_TABLE is not set.
 */
export function functionSettings(env: NodeJS.ProcessEnv = process.env): Settings & { ledgerTable: string } {
  const settings = resolveSettings({}, env);
  if (!settings.ledgerTable) throw new LedgerRequiredError();
  return { ...settings, ledgerTable: settings.ledgerTable };
}
