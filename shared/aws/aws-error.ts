/** Small readers for SDK v3 errors, which are plain objects with `name` and `$metadata`. */

interface SdkErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export function awsErrorName(error: unknown): string | undefined {
  return (error as SdkErrorShape | undefined)?.name;
}

function httpStatusOf(error: unknown): number | undefined {
  return (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** `InvalidAMIID.NotFound`, `InvalidSnapshot.NotFound`, `InvalidInstanceID.NotFound`, … */
export function isNotFound(error: unknown): boolean {
  const name = awsErrorName(error) ?? '';
  return name.endsWith('.NotFound') || name === 'InvalidAMIID.Unavailable';
}

/**
 * Organizations errors that mean "you may not know", not "try again": the role lacks the
 * permission (or one Organizations needs on its behalf, `AccessDeniedForDependencyException`),
 * the account is in no organization, or ListAccounts is called from a member account (only the
 * management account or a delegated administrator may call it).
 */
const ORGANIZATION_NOT_READABLE = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'AWSOrganizationsNotInUseException',
  'AccessDeniedForDependencyException',
]);

/** Organizations refused to say (see above): a throttle or a 5xx is not matched, so that it is retried. */
export function isOrganizationNotReadable(error: unknown): boolean {
  return ORGANIZATION_NOT_READABLE.has(awsErrorName(error) ?? '');
}

const UNSUPPORTED_NAMES = new Set([
  'InvalidAction',
  'NotImplemented',
  'UnsupportedOperation',
  'UnknownOperationException',
]);

/**
 * The endpoint does not implement the API at all. AWS answers that with `InvalidAction`;
 * emulators such as moto answer HTTP 500/501 with a non-AWS (HTML) body, which the SDK can only
 * report as a deserialisation error. A real AWS 500 carries an `InternalError` code and is *not*
 * matched here: that one is transient and must fail the event so that it is retried.
 */
export function isUnsupportedOperation(error: unknown): boolean {
  const name = awsErrorName(error) ?? '';
  if (UNSUPPORTED_NAMES.has(name)) return true;
  const status = httpStatusOf(error);
  const message = (error as SdkErrorShape | undefined)?.message ?? '';
  return (
    (status === 500 || status === 501) &&
    /Deserialization error|XML parse error|not.*implemented/i.test(message)
  );
}

export function describeError(error: unknown): string {
  const shape = error as SdkErrorShape | undefined;
  const name = shape?.name ?? 'Error';
  const message = (shape?.message ?? String(error)).split('\n')[0]!.slice(0, 300);
  return `${name}: ${message}`;
}

/** True for DynamoDB's refusal of a conditional write: the item is not as the condition expected. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return awsErrorName(error) === 'ConditionalCheckFailedException';
}
