import { describe, expect, it } from 'vitest';
import { UserIdentitySchema } from '../../shared/events/cloudtrail-schema.js';
import { resolvePrincipal } from '../../shared/events/resolve-principal.js';
import type { Principal } from '../../shared/model/types.js';
import { type Json, loadFixture } from './fixtures.js';

const identityOf = (raw: Json) => UserIdentitySchema.parse(raw);

describe('Events: resolvePrincipal', () => {
  it.each<[string, string, Principal]>([
    [
      'an assumed role, matched on the role from sessionIssuer',
      'create-image-assumed-role',
      {
        type: 'AssumedRole',
        arn: 'arn:aws:iam::210987654321:role/PlatformEngineer',
        callerArn: 'arn:aws:sts::210987654321:assumed-role/PlatformEngineer/ops_user',
        sessionName: 'ops_user',
        accountId: '210987654321',
        display: 'role/PlatformEngineer (session ops_user)',
      },
    ],
    [
      'an SSO role, keeping its aws-reserved path',
      'create-image-sso-noreboot-tagged',
      {
        type: 'AssumedRole',
        arn: 'arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PowerUserAccess_fedcba9876543210',
        callerArn:
          'arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_PowerUserAccess_fedcba9876543210/sam.lee@example.org',
        sessionName: 'sam.lee@example.org',
        accountId: '444455556666',
        display: 'role/AWSReservedSSO_PowerUserAccess_fedcba9876543210 (session sam.lee@example.org)',
      },
    ],
    [
      'an IAM user',
      'create-snapshot-iam-user',
      {
        type: 'IAMUser',
        arn: 'arn:aws:iam::777788889999:user/snapshot-bot',
        callerArn: 'arn:aws:iam::777788889999:user/snapshot-bot',
        accountId: '777788889999',
        display: 'user/snapshot-bot',
      },
    ],
    [
      'a role used by AWS Backup, with invokedBy',
      'copy-snapshot-cross-region',
      {
        type: 'AssumedRole',
        arn: 'arn:aws:iam::556677889900:role/service-role/AWSBackupDefaultServiceRole',
        callerArn:
          'arn:aws:sts::556677889900:assumed-role/AWSBackupDefaultServiceRole/AWSBackup-AWSBackupDefaultServiceRole',
        sessionName: 'AWSBackup-AWSBackupDefaultServiceRole',
        accountId: '556677889900',
        invokedBy: 'backup.amazonaws.com',
        display:
          'role/AWSBackupDefaultServiceRole (session AWSBackup-AWSBackupDefaultServiceRole) via backup.amazonaws.com',
      },
    ],
    [
      'the root user',
      'register-image',
      {
        type: 'Root',
        arn: 'arn:aws:iam::665544332211:root',
        callerArn: 'arn:aws:iam::665544332211:root',
        accountId: '665544332211',
        display: 'root',
      },
    ],
  ])('resolves %s (%s)', (_case, fixture, expected) => {
    // Prepare
    const identity = identityOf(loadFixture(fixture).userIdentity);

    // Act
    const principal = resolvePrincipal(identity);

    // Assess
    expect(principal).toEqual(expected);
  });

  it.each<[string, Json, Principal]>([
    [
      'an assumed role without sessionIssuer, deriving the role ARN from the STS ARN (path unknown)',
      {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:jane',
        arn: 'arn:aws:sts::111122223333:assumed-role/DevAdministrator/jane',
        accountId: '111122223333',
      },
      {
        type: 'AssumedRole',
        arn: 'arn:aws:iam::111122223333:role/DevAdministrator',
        callerArn: 'arn:aws:sts::111122223333:assumed-role/DevAdministrator/jane',
        sessionName: 'jane',
        accountId: '111122223333',
        display: 'role/DevAdministrator (session jane)',
      },
    ],
    [
      'an assumed role in another partition without sessionIssuer',
      { type: 'AssumedRole', arn: 'arn:aws-cn:sts::111122223333:assumed-role/Ops/s1' },
      {
        type: 'AssumedRole',
        arn: 'arn:aws-cn:iam::111122223333:role/Ops',
        callerArn: 'arn:aws-cn:sts::111122223333:assumed-role/Ops/s1',
        sessionName: 's1',
        accountId: '111122223333',
        display: 'role/Ops (session s1)',
      },
    ],
    [
      'root without an arn',
      { type: 'Root', accountId: '111122223333', principalId: '111122223333' },
      { type: 'Root', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333', display: 'root' },
    ],
    [
      'a federated user, matched on the IAM user who federated',
      {
        type: 'FederatedUser',
        principalId: '111122223333:Bob',
        arn: 'arn:aws:sts::111122223333:federated-user/Bob',
        accountId: '111122223333',
        sessionContext: {
          sessionIssuer: {
            type: 'IAMUser',
            principalId: 'AIDAEXAMPLE',
            arn: 'arn:aws:iam::111122223333:user/Alice',
            accountId: '111122223333',
            userName: 'Alice',
          },
        },
      },
      {
        type: 'FederatedUser',
        arn: 'arn:aws:iam::111122223333:user/Alice',
        callerArn: 'arn:aws:sts::111122223333:federated-user/Bob',
        sessionName: 'Bob',
        accountId: '111122223333',
        display: 'federated-user/Bob via user/Alice',
      },
    ],
    [
      'an AWS service, named by invokedBy',
      { type: 'AWSService', invokedBy: 'backup.amazonaws.com' },
      {
        type: 'AWSService',
        arn: 'backup.amazonaws.com',
        invokedBy: 'backup.amazonaws.com',
        display: 'service backup.amazonaws.com',
      },
    ],
    [
      'another AWS account, as IAM names a whole account',
      { type: 'AWSAccount', principalId: 'AIDAEXAMPLE', accountId: '999988887777' },
      {
        type: 'AWSAccount',
        arn: 'arn:aws:iam::999988887777:root',
        accountId: '999988887777',
        display: 'account 999988887777',
      },
    ],
    [
      'an IAM user without an arn',
      { type: 'IAMUser', accountId: '111122223333', userName: 'carol' },
      {
        type: 'IAMUser',
        arn: 'arn:aws:iam::111122223333:user/carol',
        accountId: '111122223333',
        display: 'user/carol',
      },
    ],
    [
      'an IAM user with a path, labelled by name',
      { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/ops/db-admin', accountId: '111122223333' },
      {
        type: 'IAMUser',
        arn: 'arn:aws:iam::111122223333:user/ops/db-admin',
        callerArn: 'arn:aws:iam::111122223333:user/ops/db-admin',
        accountId: '111122223333',
        display: 'user/db-admin',
      },
    ],
    [
      'an identity type clonewarden does not know',
      { type: 'IdentityCenterUser', principalId: 'd-1234567890.abcd', accountId: '111122223333' },
      {
        type: 'Unknown',
        arn: '',
        accountId: '111122223333',
        display: 'IdentityCenterUser d-1234567890.abcd',
      },
    ],
    [
      'an identity type named like an Object.prototype member',
      { type: 'constructor', arn: 'arn:aws:iam::111122223333:user/x' },
      {
        type: 'Unknown',
        arn: 'arn:aws:iam::111122223333:user/x',
        callerArn: 'arn:aws:iam::111122223333:user/x',
        display: 'constructor arn:aws:iam::111122223333:user/x',
      },
    ],
    [
      'an IAM user calling through a service (invokedBy on any type)',
      {
        type: 'IAMUser',
        arn: 'arn:aws:iam::1:user/u',
        userName: 'u',
        invokedBy: 'cloudformation.amazonaws.com',
      },
      {
        type: 'IAMUser',
        arn: 'arn:aws:iam::1:user/u',
        callerArn: 'arn:aws:iam::1:user/u',
        invokedBy: 'cloudformation.amazonaws.com',
        display: 'user/u via cloudformation.amazonaws.com',
      },
    ],
  ])('resolves %s', (_case, raw, expected) => {
    // Prepare
    const identity = identityOf(raw);

    // Act
    const principal = resolvePrincipal(identity);

    // Assess
    expect(principal).toEqual(expected);
  });

  it.each([undefined, null])(
    'resolves a missing userIdentity (%s) to Unknown with an empty arn',
    (identity) => {
      // Act
      const principal = resolvePrincipal(identity);

      // Assess
      expect(principal).toEqual({ type: 'Unknown', arn: '', display: 'unknown caller' });
    },
  );
});
