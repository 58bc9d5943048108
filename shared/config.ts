import { UsageError } from './errors.js';

/**
 * Settings that can come from an environment variable or a command-line flag; the flag wins
 * (the env var / flag table in the README's "Command line").
 */
export interface Settings {
  /** Path of the policy file. */
  policyPath: string;
  /** Overrides `alerts.topicArn`. */
  topicArn?: string;
  /** `true` forces dry-run whatever the policy says; `false`/absent leaves it to the policy. */
  forceDryRun: boolean;
  /** Role ARN globs whose calls are the enforcer's own and are skipped. */
  enforcerPrincipals: string[];
  /** How many times to look for a new clone before failing the event (default 6, about 15 s). */
  visibilityAttempts?: number;
}

export interface SettingFlags {
  policy?: string;
  topicArn?: string;
  dryRun?: boolean;
}

const TRUE_VALUES = new Set(['true', '1', 'yes']);
const FALSE_VALUES = new Set(['false', '0', 'no', '']);

function parseBooleanEnv(name: string, value: string | undefined): boolean {
  const normalised = (value ?? '').trim().toLowerCase();
  if (TRUE_VALUES.has(normalised)) return true;
  if (FALSE_VALUES.has(normalised)) return false;
  throw new UsageError(`${name}=${value} is not a boolean: use true or false`);
}

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export function resolveSettings(flags: SettingFlags = {}, env: NodeJS.ProcessEnv = process.env): Settings {
  const topicArn = flags.topicArn ?? (env.CLONEWARDEN_ALERT_TOPIC_ARN || undefined);
  if (topicArn !== undefined && !SNS_TOPIC_ARN.test(topicArn)) {
    const origin = flags.topicArn !== undefined ? '--topic-arn' : 'CLONEWARDEN_ALERT_TOPIC_ARN';
    throw new UsageError(
      `${origin}: "${topicArn.slice(0, 120)}" is not an SNS topic ARN (expected arn:aws:sns:<region>:<account>:<name>)`,
    );
  }
  const enforcerRole = env.CLONEWARDEN_ENFORCER_ROLE_ARN;
  const attempts = env.CLONEWARDEN_VISIBILITY_ATTEMPTS || undefined;
  if (attempts !== undefined && !/^(10|[1-9])$/.test(attempts)) {
    throw new UsageError(
      `CLONEWARDEN_VISIBILITY_ATTEMPTS=${attempts.slice(0, 20)} must be a whole number from 1 to 10`,
    );
  }
  return {
    policyPath: flags.policy ?? (env.CLONEWARDEN_POLICY || './clonewarden.yml'),
    ...(topicArn ? { topicArn } : {}),
    forceDryRun: flags.dryRun === true || parseBooleanEnv('CLONEWARDEN_DRY_RUN', env.CLONEWARDEN_DRY_RUN),
    enforcerPrincipals: enforcerRole
      ? enforcerRole
          .split(',')
          .map((arn) => arn.trim())
          .filter(Boolean)
      : [],
    ...(attempts ? { visibilityAttempts: Number(attempts) } : {}),
  };
}
