import * as z from 'zod/mini';
import { AWS_REGION_NAME } from '../model/aws-region.js';
import { UsageError } from '../model/errors.js';
import '../model/zod-english.js';

/** An SNS topic ARN: alerts go nowhere else. */
export const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const TRUE_VALUES = ['true', '1', 'yes'];
const FALSE_VALUES = ['false', '0', 'no'];
/**
 * The role the hub assumes in each member account: an IAM role name, with its path if it has one
 * (`clonewarden-member`, `security/clonewarden-member`). Names: 1 to 64 of A-Z a-z 0-9 + = , . @ _ -
 * ("IAM object quotas" and CreateRole's RoleName, IAM API reference).
 */
export const MEMBER_ROLE_NAME = /^(?:[\w+=,.@-]{1,64}\/){0,8}[\w+=,.@-]{1,64}$/;
/** An SQS queue URL: scheme, host, then /<12-digit account>/<queue name> ("Queue and message identifiers"). */
const PRUNE_QUEUE_URL = /^https?:\/\/[A-Za-z0-9.:-]+\/\d{12}\/[A-Za-z0-9_-]{1,80}$/;
/** The CLI's log levels, quietest last. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Where the policy is read from: the packaged file (default), an S3 object or an SSM parameter
 * (`CLONEWARDEN_POLICY`, `--policy`). S3 bucket names: 3 to 63 of a-z 0-9 . - ("Bucket naming
 * rules", S3 user guide); SSM parameter names: a-z A-Z 0-9 _ . - /, at most 2048 with their path
 * ("Requirements and constraints for parameter names", Systems Manager user guide).
 */
export type PolicyLocation =
  | { kind: 'file'; path: string }
  | { kind: 's3'; bucket: string; key: string }
  | { kind: 'ssm'; name: string };

const S3_POLICY = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.{1,1024})$/;
const SSM_POLICY = /^ssm:(\/?[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*)$/;
/** An SSM parameter name: `name` or `/path/to/name`, at most 2048 characters (as above). */
const SSM_PARAMETER_NAME = /^(?=.{1,2048}$)\/?[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;

/** `s3://bucket/key`, `ssm:/name` or a file path; undefined for a malformed `s3:`/`ssm:` form. */
export function policyLocation(value: string): PolicyLocation | undefined {
  const s3 = S3_POLICY.exec(value);
  if (s3) return { kind: 's3', bucket: s3[1]!, key: s3[2]! };
  const ssm = SSM_POLICY.exec(value);
  if (ssm && ssm[1]!.length <= 2048) return { kind: 'ssm', name: ssm[1]! };
  if (/^(s3|ssm):/i.test(value)) return undefined;
  return { kind: 'file', path: value };
}

/**
 * An empty variable is an unset one: `VAR=` in a shell, or an empty CloudFormation parameter,
 * means "use the default".
 */
const unlessBlank = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.transform((value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value)),
    z.optional(schema),
  );

const trimmed = () => z.string().check(z.trim());
const wholeNumber = (pattern: RegExp) =>
  z.pipe(
    trimmed().check(z.regex(pattern)),
    z.transform((text: string) => Number(text)),
  );

/**
 * Every `CLONEWARDEN_*` variable the functions and the CLI read, and what a valid value is. Unknown
 * variables are ignored: the rest of the environment is the runtime's. README ("Command line")
 * documents each one, and a test keeps that table complete.
 */
export const ENVIRONMENT_SCHEMA = z.object({
  CLONEWARDEN_POLICY: unlessBlank(trimmed().check(z.refine((value) => policyLocation(value) !== undefined))),
  // Seconds a function keeps the policy it read from S3 or SSM before it looks again (0 to 3600).
  CLONEWARDEN_POLICY_REFRESH_SECONDS: unlessBlank(
    z.pipe(wholeNumber(/^\d{1,4}$/), z.number().check(z.maximum(3600))),
  ),
  CLONEWARDEN_ALERT_TOPIC_ARN: unlessBlank(z.string().check(z.regex(SNS_TOPIC_ARN))),
  CLONEWARDEN_DRY_RUN: unlessBlank(
    z.pipe(
      z.pipe(trimmed().check(z.toLowerCase()), z.enum([...TRUE_VALUES, ...FALSE_VALUES])),
      z.transform((value: string) => TRUE_VALUES.includes(value)),
    ),
  ),
  CLONEWARDEN_ENFORCER_ROLE_ARN: unlessBlank(
    z.pipe(
      z.string(),
      z.transform((list: string) =>
        list
          .split(',')
          .map((arn) => arn.trim())
          .filter(Boolean),
      ),
    ),
  ),
  CLONEWARDEN_VISIBILITY_ATTEMPTS: unlessBlank(wholeNumber(/^(10|[1-9])$/)),
  CLONEWARDEN_RECONCILE_LIMIT: unlessBlank(wholeNumber(/^\d{1,9}$/)),
  CLONEWARDEN_LOG_LEVEL: unlessBlank(z.pipe(trimmed().check(z.toLowerCase()), z.enum(LOG_LEVELS))),
  // DynamoDB table names: 3 to 255 of a-z, A-Z, 0-9, _ - . ("Naming rules", DynamoDB developer guide).
  CLONEWARDEN_IDEMPOTENCY_TABLE: unlessBlank(trimmed().check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/))),
  CLONEWARDEN_LEDGER_TABLE: unlessBlank(trimmed().check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/))),
  CLONEWARDEN_MEMBER_ROLE: unlessBlank(trimmed().check(z.regex(MEMBER_ROLE_NAME))),
  // The organization prune's job queue: https://sqs.<region>.amazonaws.com/<account>/<name>
  // (or an emulator's endpoint, whose host differs; the path is what names the queue).
  CLONEWARDEN_PRUNE_QUEUE_URL: unlessBlank(trimmed().check(z.regex(PRUNE_QUEUE_URL))),
  CLONEWARDEN_PRUNE_REGIONS: unlessBlank(
    z.pipe(
      z.pipe(
        z.string(),
        z.transform((list: string) => [
          ...new Set(
            list
              .split(',')
              .map((region) => region.trim())
              .filter(Boolean),
          ),
        ]),
      ),
      z.array(z.string().check(z.regex(AWS_REGION_NAME))).check(z.minLength(1)),
    ),
  ),
  // S3 bucket names: 3 to 63 of a-z, 0-9, . and -, starting and ending with a letter or digit.
  CLONEWARDEN_REPORT_BUCKET: unlessBlank(trimmed().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/))),
  // The SecureString parameter that holds the audit link signer's access key (docs/audit.md).
  CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER: unlessBlank(trimmed().check(z.regex(SSM_PARAMETER_NAME))),
});

/** The environment, parsed: absent means unset (or blank). */
export type Environment = z.infer<typeof ENVIRONMENT_SCHEMA>;
type VariableName = keyof Environment;

/** A value in an error message: one line, bounded. The environment is the operator's, but still. */
const shown = (value: unknown, max = 120) =>
  String(value)
    .replace(/[\r\n]+/g, ' ')
    .slice(0, max);

/** What is wrong with a value, and the fix, per variable. */
const PROBLEMS: Record<VariableName, (value: unknown) => string> = {
  CLONEWARDEN_POLICY: (value) => policyLocationProblem('CLONEWARDEN_POLICY', String(value)),
  CLONEWARDEN_POLICY_REFRESH_SECONDS: (value) =>
    `CLONEWARDEN_POLICY_REFRESH_SECONDS=${shown(value, 20)} must be a whole number of seconds from 0 to 3600`,
  CLONEWARDEN_ALERT_TOPIC_ARN: (value) => topicArnProblem('CLONEWARDEN_ALERT_TOPIC_ARN', String(value)),
  CLONEWARDEN_DRY_RUN: (value) =>
    `CLONEWARDEN_DRY_RUN=${shown(value, 40)} is not a boolean: use true or false`,
  CLONEWARDEN_ENFORCER_ROLE_ARN: (value) =>
    `CLONEWARDEN_ENFORCER_ROLE_ARN=${shown(value)} must be role ARNs (globs allowed), separated by commas`,
  CLONEWARDEN_VISIBILITY_ATTEMPTS: (value) =>
    `CLONEWARDEN_VISIBILITY_ATTEMPTS=${shown(value, 20)} must be a whole number from 1 to 10`,
  CLONEWARDEN_RECONCILE_LIMIT: (value) =>
    `CLONEWARDEN_RECONCILE_LIMIT=${shown(value, 20)} must be a whole number of clones (0 or more)`,
  CLONEWARDEN_LOG_LEVEL: (value) =>
    `CLONEWARDEN_LOG_LEVEL=${shown(value, 20)} must be one of ${LOG_LEVELS.join(', ')}`,
  CLONEWARDEN_IDEMPOTENCY_TABLE: (value) =>
    `CLONEWARDEN_IDEMPOTENCY_TABLE=${shown(value)} must be a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ - .)`,
  CLONEWARDEN_LEDGER_TABLE: (value) =>
    `CLONEWARDEN_LEDGER_TABLE=${shown(value)} must be a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ - .)`,
  CLONEWARDEN_MEMBER_ROLE: (value) => memberRoleProblem('CLONEWARDEN_MEMBER_ROLE', String(value)),
  CLONEWARDEN_PRUNE_QUEUE_URL: (value) =>
    `CLONEWARDEN_PRUNE_QUEUE_URL=${shown(value)} must be an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)`,
  CLONEWARDEN_PRUNE_REGIONS: (value) =>
    `CLONEWARDEN_PRUNE_REGIONS=${shown(value)} must be region names separated by commas, e.g. eu-west-1,us-east-1`,
  CLONEWARDEN_REPORT_BUCKET: (value) =>
    `CLONEWARDEN_REPORT_BUCKET=${shown(value)} must be an S3 bucket name (3 to 63 of a-z 0-9 . -)`,
  CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER: (value) =>
    `CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER=${shown(value)} must be an SSM parameter name, e.g. /clonewarden/prod/audit-link-signer`,
};

/** The policy location message, the same for the variable and for `--policy`. */
export function policyLocationProblem(origin: string, value: string): string {
  return `${origin}=${shown(value)} must be the path of a policy file, s3://bucket/key or ssm:/parameter-name`;
}

/** The member role message, the same for the variable and for `--member-role`. */
export function memberRoleProblem(origin: string, value: string): string {
  return `${origin}=${shown(value, 80)} must be an IAM role name (optionally with its path), e.g. clonewarden-member`;
}

/** The topic ARN message, the same for the variable and for `--topic-arn`. */
export function topicArnProblem(origin: string, value: string): string {
  return `${origin}: "${value.slice(0, 120)}" is not an SNS topic ARN (expected arn:aws:sns:<region>:<account>:<name>)`;
}

/**
 * Parses the `CLONEWARDEN_*` variables, or throws a UsageError that names each bad variable, its
 * value and the fix (one problem per line).
 *
 * @example
 * readEnvironment({ CLONEWARDEN_VISIBILITY_ATTEMPTS: 'abc' });
 * // UsageError: CLONEWARDEN_VISIBILITY_ATTEMPTS=abc must be a whole number from 1 to 10
 */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const parsed = ENVIRONMENT_SCHEMA.safeParse(env);
  if (parsed.success) return parsed.data;
  const names = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0]) as VariableName))];
  throw new UsageError(names.map((name) => PROBLEMS[name](env[name])).join('\n'), { cause: parsed.error });
}
