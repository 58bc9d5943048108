import type { Principal } from '../model/types.js';
import type { UserIdentity } from './cloudtrail-schema.js';

type Resolver = (identity: UserIdentity) => Principal;

/** `arn:aws:sts::111122223333:assumed-role/RoleName/session-name` */
const ASSUMED_ROLE_ARN = /^arn:([^:]+):sts::([^:]*):assumed-role\/([^/]+)\/(.+)$/;
/** `arn:aws:sts::111122223333:federated-user/Name` */
const FEDERATED_USER_ARN = /^arn:[^:]+:sts::[^:]*:federated-user\/(.+)$/;

/**
 * Resolves CloudTrail's `userIdentity` to the {@link Principal} that policy globs match.
 *
 * - `IAMUser`: the user's ARN.
 * - `AssumedRole` (SSO included): the role's IAM ARN from `sessionContext.sessionIssuer.arn`, path
 *   and all (`role/aws-reserved/sso.amazonaws.com/…`). Without a session issuer it is derived from
 *   the STS session ARN, which does not carry the role's path.
 * - `FederatedUser`: the IAM user that called GetFederationToken, whose permissions bound the
 *   session; the federated name is chosen freely by that user, so it is not what policy names.
 * - `Root`: `arn:aws:iam::<account>:root`. `AWSAccount`: the same ARN for the other account,
 *   which is how IAM names a whole account.
 * - `AWSService`: the service, from `invokedBy` (e.g. `backup.amazonaws.com`).
 * - Anything else, or no identity at all: `Unknown`, with whatever ARN CloudTrail gave (or `''`).
 *
 * `invokedBy` is carried on every type: AWS Backup, for one, calls with the customer's role.
 *
 * @example
 * resolvePrincipal(record.userIdentity).arn; // 'arn:aws:iam::111122223333:role/DevAdministrator'
 */
export function resolvePrincipal(identity: UserIdentity | null | undefined): Principal {
  if (!identity) return { type: 'Unknown', arn: '', display: 'unknown caller' };
  const resolver = (identity.type && RESOLVERS.get(identity.type)) || resolveUnknown;
  const resolved = resolver(identity);
  const invokedBy = identity.invokedBy ?? undefined;
  if (!invokedBy || resolved.type === 'AWSService') return resolved;
  return { ...resolved, invokedBy, display: `${resolved.display} via ${invokedBy}` };
}

// A Map, not an object literal: `userIdentity.type` is input, and must not reach `constructor`.
const RESOLVERS: ReadonlyMap<string, Resolver> = new Map<string, Resolver>([
  ['IAMUser', resolveIamUser],
  ['AssumedRole', resolveAssumedRole],
  ['Root', resolveRoot],
  ['FederatedUser', resolveFederatedUser],
  ['AWSService', resolveAwsService],
  ['AWSAccount', resolveAwsAccount],
]);

function resolveIamUser(identity: UserIdentity): Principal {
  const accountId = identity.accountId ?? undefined;
  const arn =
    identity.arn ||
    (accountId && identity.userName ? `arn:aws:iam::${accountId}:user/${identity.userName}` : '');
  const name = identity.userName || lastSegment(arn) || identity.principalId || 'unknown';
  return withDefined({
    type: 'IAMUser',
    arn,
    callerArn: identity.arn ?? undefined,
    accountId,
    display: `user/${name}`,
  });
}

function resolveAssumedRole(identity: UserIdentity): Principal {
  const issuer = identity.sessionContext?.sessionIssuer ?? undefined;
  const session = identity.arn ? ASSUMED_ROLE_ARN.exec(identity.arn) : null;
  const accountId = identity.accountId ?? issuer?.accountId ?? session?.[2] ?? undefined;
  // The session ARN names the role but not its path: arn:aws:iam::A:role/R is only right for roles
  // at the root path. A glob on a path (SSO's aws-reserved/…) will not match the derived ARN.
  const derivedRoleArn = session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : undefined;
  const arn = issuer?.arn || derivedRoleArn || identity.arn || '';
  const roleName = issuer?.userName || session?.[3] || lastSegment(arn) || 'unknown';
  const sessionName = session?.[4] ?? sessionFromPrincipalId(identity.principalId);
  const display = sessionName ? `role/${roleName} (session ${sessionName})` : `role/${roleName}`;
  return withDefined({
    type: 'AssumedRole',
    arn,
    callerArn: identity.arn ?? undefined,
    sessionName,
    accountId,
    display,
  });
}

function resolveRoot(identity: UserIdentity): Principal {
  const accountId = identity.accountId ?? undefined;
  const arn = identity.arn || (accountId ? `arn:aws:iam::${accountId}:root` : '');
  return withDefined({ type: 'Root', arn, callerArn: identity.arn ?? undefined, accountId, display: 'root' });
}

function resolveFederatedUser(identity: UserIdentity): Principal {
  const issuer = identity.sessionContext?.sessionIssuer ?? undefined;
  const federatedName = identity.arn ? FEDERATED_USER_ARN.exec(identity.arn)?.[1] : undefined;
  const arn = issuer?.arn || identity.arn || '';
  const issuerLabel = issuer?.userName ? ` via user/${issuer.userName}` : '';
  return withDefined({
    type: 'FederatedUser',
    arn,
    callerArn: identity.arn ?? undefined,
    sessionName: federatedName,
    accountId: identity.accountId ?? issuer?.accountId ?? undefined,
    display: `federated-user/${federatedName ?? identity.principalId ?? 'unknown'}${issuerLabel}`,
  });
}

function resolveAwsService(identity: UserIdentity): Principal {
  const service = identity.invokedBy || identity.principalId || '';
  return withDefined({
    type: 'AWSService',
    arn: service,
    accountId: identity.accountId ?? undefined,
    invokedBy: identity.invokedBy ?? undefined,
    display: `service ${service || 'unknown'}`,
  });
}

function resolveAwsAccount(identity: UserIdentity): Principal {
  const accountId = identity.accountId ?? undefined;
  const arn = identity.arn || (accountId ? `arn:aws:iam::${accountId}:root` : '');
  return withDefined({
    type: 'AWSAccount',
    arn,
    callerArn: identity.arn ?? undefined,
    accountId,
    display: `account ${accountId ?? identity.principalId ?? 'unknown'}`,
  });
}

function resolveUnknown(identity: UserIdentity): Principal {
  const arn = identity.arn ?? '';
  const who = arn || identity.principalId || 'unknown caller';
  return withDefined({
    type: 'Unknown',
    arn,
    callerArn: identity.arn ?? undefined,
    accountId: identity.accountId ?? undefined,
    display: identity.type ? `${identity.type} ${who}` : who,
  });
}

/** `AROA…:jane.doe@example.com` → `jane.doe@example.com`. */
function sessionFromPrincipalId(principalId: string | null | undefined): string | undefined {
  const colon = principalId?.indexOf(':') ?? -1;
  return principalId && colon >= 0 ? principalId.slice(colon + 1) || undefined : undefined;
}

function lastSegment(arn: string): string | undefined {
  return arn.split(/[/:]/).pop() || undefined;
}

/** Drops `undefined` fields so that principals compare and serialise cleanly. */
function withDefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
