import { CloneWardenError } from '../model/errors.js';

/**
 * Who a member-role session says it is, in the member account's CloudTrail
 * (`userIdentity.arn` = `assumed-role/<member role>/<RoleSessionName>`, plus
 * `userIdentity.sessionContext.sourceIdentity` when one was set).
 */
export type MemberSessionOwner =
  /** A hub function: a fixed session name `clonewarden-<function>`, no source identity. */
  | { readonly kind: 'function'; readonly function: string }
  /** A person running the CLI: named after the caller, with that name as source identity. */
  | { readonly kind: 'operator' };

/** The AssumeRole parameters that name a member-role session. */
export interface MemberSessionName {
  readonly RoleSessionName: string;
  readonly SourceIdentity?: string;
}

/** The caller, as STS GetCallerIdentity returns it. */
export interface CallerIdentity {
  readonly Arn?: string | undefined;
  readonly UserId?: string | undefined;
}

/** The session name of a member-role session opened without an owner (tests, benchmarks). */
export const DEFAULT_MEMBER_SESSION = 'clonewarden';

const OPERATOR_SESSION_PREFIX = 'clonewarden-cli-';

// RoleSessionName and SourceIdentity both allow `[\w+=,.@-]`; RoleSessionName 2–64 characters,
// SourceIdentity 2–64 and not starting with `aws:` (STS API reference, AssumeRole).
const NOT_ALLOWED = /[^\w+=,.@-]+/g;
const MAX_LENGTH = 64;

/** The session name of a hub function's member-role sessions: fixed, and never a source identity. */
export function functionSessionName(functionName: string): MemberSessionName {
  return { RoleSessionName: allowedCharacters(`clonewarden-${functionName}`).slice(0, MAX_LENGTH) };
}

/**
 * An operator's member-role session: `clonewarden-cli-<caller>` and source identity `<caller>`,
 * where the caller is the last part of its ARN (the user name, or the session name of an assumed
 * role: the person behind a shared role), reduced to the characters STS allows. A caller whose
 * name is too short to be a source identity (a one-letter user) is named by its unique id.
 */
export function operatorSessionName(caller: CallerIdentity): MemberSessionName {
  let name = allowedCharacters(lastArnPart(caller.Arn ?? '')).slice(0, MAX_LENGTH);
  if (name.length < 2) name = allowedCharacters(caller.UserId ?? '').slice(0, MAX_LENGTH);
  if (name.length < 2)
    throw new CloneWardenError('STS GetCallerIdentity named no caller: cannot name the session');
  return {
    RoleSessionName: `${OPERATOR_SESSION_PREFIX}${name}`.slice(0, MAX_LENGTH),
    SourceIdentity: name,
  };
}

/** `arn:aws:sts::1:assumed-role/Role/alice` → `alice`; `arn:aws:iam::1:root` → `root`. */
function lastArnPart(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  return resource.slice(resource.lastIndexOf('/') + 1);
}

function allowedCharacters(text: string): string {
  return text.replace(NOT_ALLOWED, '-');
}
