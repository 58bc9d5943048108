/**
 * The region a KMS alias is looked up in: an alias ARN names its own; a bare alias
 * (`alias/backup`) means the clone's region, because aliases and EBS keys are regional.
 */
export function kmsAliasRegion(alias: string, cloneRegion: string): string {
  return alias.startsWith('arn:') ? (alias.split(':')[3] ?? cloneRegion) : cloneRegion;
}
