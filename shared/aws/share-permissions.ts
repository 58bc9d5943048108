import type { CreateVolumePermission, LaunchPermission } from '@aws-sdk/client-ec2';
import type { Share } from '../model/clonewarden-tags.js';

/** An image's launch permission as a share (quarantine records it; the audit reports it). */
export function launchPermissionToShare(permission: LaunchPermission): Share[] {
  if (permission.Group) return [{ kind: 'group', value: permission.Group }];
  if (permission.UserId) return [{ kind: 'account', value: permission.UserId }];
  if (permission.OrganizationArn) return [{ kind: 'organization', value: permission.OrganizationArn }];
  if (permission.OrganizationalUnitArn)
    return [{ kind: 'organizational-unit', value: permission.OrganizationalUnitArn }];
  return [];
}

/** A snapshot's create-volume permission as a share: `all` (public) or one account. */
export function createVolumePermissionToShare(permission: CreateVolumePermission): Share[] {
  if (permission.Group) return [{ kind: 'group', value: permission.Group }];
  if (permission.UserId) return [{ kind: 'account', value: permission.UserId }];
  return [];
}
