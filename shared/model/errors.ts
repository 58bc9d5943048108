import type { Verdict } from './types.js';

/**
 * One errors file for the core, in the Powertools style: a base class, `…Error` subclasses,
 * `this.name` set, and `{ cause }` always passed on.
 */
export class CloneWardenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CloneWardenError';
  }
}

/** The input is not a CloudTrail record we can use. Never retried: retrying cannot fix it. */
export class EventValidationError extends CloneWardenError {
  constructor(
    message: string,
    readonly issues: string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'EventValidationError';
  }
}

/** A well-formed record for an API clonewarden does not govern. */
export class EventNotSupportedError extends CloneWardenError {
  constructor(
    readonly eventName: string,
    options?: ErrorOptions,
  ) {
    super(`event ${eventName} is not governed by clonewarden`, options);
    this.name = 'EventNotSupportedError';
  }
}

/** The policy file is missing, is not YAML, or does not fit the schema. */
export class PolicyValidationError extends CloneWardenError {
  constructor(
    message: string,
    /** One line per problem, each starting with its path in the file, e.g. `rules[2].max: …`. */
    readonly problems: string[] = [],
    options?: ErrorOptions,
  ) {
    super(problems.length ? `${message}\n  ${problems.join('\n  ')}` : message, options);
    this.name = 'PolicyValidationError';
  }
}

/**
 * The new clone is still not visible after bounded retries (EC2 is eventually consistent). The
 * message names where it looked: the region and account the record names, because the usual
 * cause of a clone that never appears is a record from another account or region than the
 * credentials can see, not EC2's delay.
 */
export class CloneNotVisibleError extends CloneWardenError {
  constructor(
    readonly resourceId: string,
    readonly attempts: number,
    readonly where: { region: string; account: string },
    options?: ErrorOptions,
  ) {
    super(
      `${resourceId} is still not visible in ${where.region} after ${attempts} attempts; ` +
        `EC2 was asked in the region the record names (awsRegion ${where.region}, account ${where.account}): ` +
        'check that your credentials are for that account and the clone still exists there',
      options,
    );
    this.name = 'CloneNotVisibleError';
  }
}

/** One or more actions failed; the event must be retried so that nothing is left half-done. */
export class ActionFailedError extends CloneWardenError {
  /** The verdict as it stood when the action failed: which actions were done. */
  verdict?: Verdict;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ActionFailedError';
  }

  withVerdict(verdict: Verdict): this {
    this.verdict = verdict;
    return this;
  }
}

/** Bad command-line usage: exit code 2. */
export class UsageError extends CloneWardenError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** The SDK's credential chain found nothing: the user must log in or name a profile. */
export class MissingCredentialsError extends CloneWardenError {
  constructor(reason: string, options?: ErrorOptions) {
    super(
      `no AWS credentials (${reason.slice(0, 160)}): set AWS_PROFILE (after \`aws sso login --profile NAME\` for SSO), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
      options,
    );
    this.name = 'MissingCredentialsError';
  }
}

/** `release` was asked to lift a quarantine that is not there. */
export class NotQuarantinedError extends CloneWardenError {
  constructor(
    readonly resourceId: string,
    options?: ErrorOptions,
  ) {
    super(
      `${resourceId} is not quarantined (no clonewarden:status=quarantined tag); nothing to release`,
      options,
    );
    this.name = 'NotQuarantinedError';
  }
}

/** The clone does not exist, or the caller cannot see it, in this region. */
export class CloneNotFoundError extends CloneWardenError {
  constructor(
    readonly resourceId: string,
    readonly region: string,
    options?: ErrorOptions,
  ) {
    super(`${resourceId} was not found in ${region}`, options);
    this.name = 'CloneNotFoundError';
  }
}
