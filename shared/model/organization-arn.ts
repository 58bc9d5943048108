/** The `o-…` id in an organization or OU ARN (`…:organization/o-…`, `…:ou/o-…/ou-…`). */
const ORGANIZATION_ID = /:(?:organization|ou)\/(o-[a-z0-9]{10,32})(?:\/|$)/;

/**
 * The id of the organization an organization or OU ARN belongs to, or undefined when `arn` is
 * neither: `arn:aws:organizations::111122223333:ou/o-abc…/ou-…` → `o-abc…`.
 */
export function organizationIdOf(arn: string): string | undefined {
  return ORGANIZATION_ID.exec(arn)?.[1];
}
