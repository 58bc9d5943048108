import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const QUARANTINED = { 'aws:ResourceTag/clonewarden:status': 'quarantined' };
const IMAGES = 'arn:aws:ec2:*::image/*';
const SNAPSHOTS = 'arn:aws:ec2:*::snapshot/*';
/** SCPs are limited to 5,120 characters ("Quotas for AWS Organizations"), whitespace excluded. */
const SCP_MAX_CHARACTERS = 5120;

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition: Record<string, Record<string, string | string[]>>;
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** IAM's ArnLike / StringLike matching: `*` is any run of characters, `?` any one character. */
function iamGlobMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

/** The enforcer's role name as serverless.yml declares it, with its variables filled in. */
function enforcerRoleName(stage: string, region: string): string {
  const config = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'));
  const template: string = config.resources.Resources.EnforceRole.Properties.RoleName;
  return template
    .replace(/\$\{sls:stage\}|\$\{opt:stage[^}]*\}|\$\{self:provider\.stage\}/g, stage)
    .replace(/\$\{aws:region\}|\$\{opt:region[^}]*\}|\$\{self:provider\.region\}/g, region);
}

const raw = readFileSync(join(ROOT, 'docs/deny-policy.json'), 'utf8');
const policy: { Version: string; Statement: Statement[] } = JSON.parse(raw);
const statement = (sid: string): Statement => {
  const found = policy.Statement.find((s) => s.Sid === sid);
  if (!found) throw new Error(`docs/deny-policy.json has no statement ${sid}`);
  return found;
};
const enforcerPatterns = (s: Statement) => asList(s.Condition.ArnNotLike?.['aws:PrincipalArn']);

describe('Deny policy: docs/deny-policy.json', () => {
  it('is an IAM policy document that fits in an SCP', () => {
    // Assess
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement.every((s) => s.Effect === 'Deny')).toBe(true);
    expect(new Set(policy.Statement.map((s) => s.Sid)).size).toBe(policy.Statement.length);
    expect(JSON.stringify(policy).length).toBeLessThanOrEqual(SCP_MAX_CHARACTERS);
  });

  it('blocks launching instances from quarantined images', () => {
    // Act
    const s = statement('DenyLaunchFromQuarantinedImages');

    // Assess
    expect(asList(s.Action)).toEqual(['ec2:RunInstances']);
    expect(asList(s.Resource)).toEqual([IMAGES]);
    expect(s.Condition).toEqual({ StringEquals: QUARANTINED });
  });

  it('blocks creating volumes from quarantined snapshots', () => {
    // Act
    const s = statement('DenyVolumesFromQuarantinedSnapshots');

    // Assess
    expect(asList(s.Action)).toEqual(['ec2:CreateVolume']);
    expect(asList(s.Resource)).toEqual([SNAPSHOTS]);
    expect(s.Condition).toEqual({ StringEquals: QUARANTINED });
  });

  it('blocks re-sharing, re-enabling and copying quarantined clones for anyone but the enforcer', () => {
    // Act
    const s = statement('DenyReleasingQuarantinedClonesExceptEnforcer');

    // Assess
    expect(asList(s.Action)).toEqual(
      expect.arrayContaining([
        'ec2:ModifyImageAttribute',
        'ec2:ModifySnapshotAttribute',
        'ec2:EnableImage',
        'ec2:DisableImageDeprecation',
        'ec2:CopyImage',
        'ec2:CopySnapshot',
        'ec2:CreateReplaceRootVolumeTask',
      ]),
    );
    expect(asList(s.Resource).sort()).toEqual([IMAGES, SNAPSHOTS]);
    expect(s.Condition.StringEquals).toEqual(QUARANTINED);
    expect(enforcerPatterns(s).length).toBeGreaterThan(0);
  });

  it('blocks anyone but the enforcer from writing or deleting clonewarden:* tags', () => {
    // Act: tag-on-create is authorised as ec2:CreateTags, so this also stops forged tags at creation.
    const s = statement('DenyClonewardenTagChangesExceptEnforcer');

    // Assess
    expect(asList(s.Action).sort()).toEqual(['ec2:CreateTags', 'ec2:DeleteTags']);
    expect(asList(s.Resource)).toEqual(['*']);
    expect(asList(s.Condition['ForAnyValue:StringLike']?.['aws:TagKeys'])).toEqual(['clonewarden:*']);
    expect(enforcerPatterns(s).length).toBeGreaterThan(0);
  });

  it('denies a forged clonewarden: tag from anyone but the enforcer, alone, mixed in, or at creation', () => {
    // Prepare: IAM's evaluation of this statement for one CreateTags request (tag-on-create in
    // RunInstances, CreateImage, CopyImage, CreateSnapshot… is authorised as ec2:CreateTags too).
    const s = statement('DenyClonewardenTagChangesExceptEnforcer');
    const enforcer = `arn:aws:iam::123456789012:role/${enforcerRoleName('prod', 'eu-west-1')}`;
    const developer = 'arn:aws:iam::123456789012:role/Developer';
    const denied = (principal: string, action: string, tagKeys: string[]) =>
      asList(s.Action).includes(action) &&
      tagKeys.some((key) =>
        asList(s.Condition['ForAnyValue:StringLike']?.['aws:TagKeys']).some((p) => iamGlobMatches(p, key)),
      ) &&
      !enforcerPatterns(s).some((p) => iamGlobMatches(p, principal));

    // Assess
    expect(denied(developer, 'ec2:CreateTags', ['clonewarden:status'])).toBe(true);
    expect(denied(developer, 'ec2:CreateTags', ['clonewarden:generation'])).toBe(true);
    expect(denied(developer, 'ec2:CreateTags', ['Owner', 'CostCenter', 'clonewarden:status'])).toBe(true);
    expect(denied(developer, 'ec2:DeleteTags', ['clonewarden:quarantine-shares'])).toBe(true);
    expect(denied(developer, 'ec2:CreateTags', ['Owner', 'CostCenter'])).toBe(false);
    expect(denied(enforcer, 'ec2:CreateTags', ['clonewarden:status', 'clonewarden:generation'])).toBe(false);
  });

  it('blocks deleting every tag of a governed clone at once (DeleteTags without keys)', () => {
    // Act: with no keys, aws:TagKeys is absent and ForAnyValue matches nothing.
    const s = statement('DenyDeletingAllTagsOfGovernedClonesExceptEnforcer');

    // Assess
    expect(asList(s.Action)).toEqual(['ec2:DeleteTags']);
    expect(s.Condition.Null).toEqual({
      'aws:TagKeys': 'true',
      'aws:ResourceTag/clonewarden:status': 'false',
    });
    expect(enforcerPatterns(s).length).toBeGreaterThan(0);
  });

  it('exempts exactly the enforcer role that serverless.yml names', () => {
    // Prepare
    const deployments = [
      ['prod', 'eu-west-1'],
      ['dev', 'us-east-1'],
      ['staging-2', 'ap-southeast-2'],
    ] as const;
    const exemptions = policy.Statement.filter((s) => s.Condition.ArnNotLike);

    // Act
    const enforcers = deployments.map(
      ([stage, region]) => `arn:aws:iam::123456789012:role/${enforcerRoleName(stage, region)}`,
    );
    const others = [
      'arn:aws:iam::123456789012:role/Developer',
      'arn:aws:iam::123456789012:role/clonewarden-prod-eu-west-1-enforce-copy',
      'arn:aws:iam::123456789012:user/clonewarden-prod-eu-west-1-enforce',
    ];

    // Assess
    expect(exemptions.length).toBe(3);
    for (const s of exemptions) {
      const patterns = enforcerPatterns(s);
      for (const arn of enforcers)
        expect(
          patterns.some((p) => iamGlobMatches(p, arn)),
          `${s.Sid}: ${arn}`,
        ).toBe(true);
      for (const arn of others)
        expect(
          patterns.some((p) => iamGlobMatches(p, arn)),
          `${s.Sid}: ${arn}`,
        ).toBe(false);
    }
  });

  it('exempts the member role that member/clonewarden-member.yml creates, and no look-alike', () => {
    // Prepare: the role name is the member template's MemberRoleName default.
    const member = parse(readFileSync(join(ROOT, 'member/clonewarden-member.yml'), 'utf8'));
    const roleName: string = member.Parameters.MemberRoleName.Default;
    const exemptions = policy.Statement.filter((s) => s.Condition.ArnNotLike);

    // Act
    const memberRole = `arn:aws:iam::210987654321:role/${roleName}`;
    // The audit's read-only role (AuditMemberRole, <MemberRoleName>-audit) writes no tag: not exempt.
    const auditRoleName = String(member.Resources.AuditMemberRole.Properties.RoleName['Fn::Sub']).replace(
      `\${MemberRoleName}`,
      roleName,
    );
    const lookAlikes = [
      `arn:aws:iam::210987654321:role/${roleName}-copy`,
      `arn:aws:iam::210987654321:user/${roleName}`,
      `arn:aws:iam::210987654321:role/${auditRoleName}`,
    ];

    // Assess
    expect(exemptions.length).toBe(3);
    for (const s of exemptions) {
      expect(
        enforcerPatterns(s).some((p) => iamGlobMatches(p, memberRole)),
        s.Sid,
      ).toBe(true);
      for (const arn of lookAlikes)
        expect(
          enforcerPatterns(s).some((p) => iamGlobMatches(p, arn)),
          `${s.Sid}: ${arn}`,
        ).toBe(false);
    }
  });
});
