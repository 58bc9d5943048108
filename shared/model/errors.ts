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
    options?: ErrorOptions & { ledgerStatus?: string },
  ) {
    super(
      options?.ledgerStatus
        ? `${resourceId} is not quarantined (the ledger holds it as ${options.ledgerStatus}, whatever its tags say); nothing to release`
        : `${resourceId} is not quarantined (no clonewarden:status=quarantined tag); nothing to release`,
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

/** Other writers kept changing a ledger item between our read and our write. Retried by Lambda. */
export class LedgerConflictError extends CloneWardenError {
  constructor(
    readonly resourceId: string,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(`the ledger item of ${resourceId} changed under ${attempts} attempts to update it`, options);
    this.name = 'LedgerConflictError';
  }
}

/** `release` was asked to give a clone back to everyone without saying so. */
export class PublicShareRefusedError extends CloneWardenError {
  constructor(
    readonly resourceId: string,
    options?: ErrorOptions,
  ) {
    super(
      `${resourceId} was shared with everyone (group: all) before its quarantine; release will not make it public again unless you pass --allow-public, because anyone in any AWS account could then copy it`,
      options,
    );
    this.name = 'PublicShareRefusedError';
  }
}

/** A Lambda function was deployed without its ledger table. */
export class LedgerRequiredError extends CloneWardenError {
  constructor(options?: ErrorOptions) {
    super(
      'CLONEWARDEN_LEDGER_TABLE is not set: the functions keep their state in the ledger table, and without it a tag anyone may write would decide releases, prune dates and lineage',
      options,
    );
    this.name = 'LedgerRequiredError';
  }
}

/**
 * Organization mode: the account an event or a clone belongs to is not a member of the hub's
 * organization (or is no account id at all). Never retried: nothing there is clonewarden's to act on.
 */
export class AccountOutsideOrganizationError extends CloneWardenError {
  constructor(
    readonly accountId: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
    this.name = 'AccountOutsideOrganizationError';
  }
}

/** Organization mode was asked for, but the hub cannot use AWS Organizations (not in one, or not allowed). */
export class OrganizationUnavailableError extends CloneWardenError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OrganizationUnavailableError';
  }
}

/**
 * The audit's link signer (CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER) is configured but cannot be
 * used: the parameter is missing, unreadable or not the key it should hold. The audit still
 * delivers, with a link signed by its own role session; the message names the setting and the
 * fix, and never holds the parameter's value.
 */
export class LinkSignerUnavailableError extends CloneWardenError {
  constructor(
    readonly parameterName: string,
    reason: string,
    fix: string,
    options?: ErrorOptions,
  ) {
    super(`CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER=${parameterName}: ${reason}; fix: ${fix}`, options);
    this.name = 'LinkSignerUnavailableError';
  }
}
