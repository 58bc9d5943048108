import { describe, expect, it } from 'vitest';
import { functionSessionName, operatorSessionName } from '../../shared/aws/member-session.js';

const ALLOWED = /^[\w+=,.@-]{2,64}$/;

describe('AWS: member-role session names', () => {
  it('names an operator behind a shared role by its session, as session name and source identity', () => {
    // Act
    const name = operatorSessionName({
      Arn: 'arn:aws:sts::111122223333:assumed-role/SecurityEngineer/alice@example.com',
      UserId: 'AROAEXAMPLE:alice@example.com',
    });

    // Assess
    expect(name).toEqual({
      RoleSessionName: 'clonewarden-cli-alice@example.com',
      SourceIdentity: 'alice@example.com',
    });
  });

  it('names an IAM user (with a path), a federated user and the root user by their last ARN part', () => {
    // Act
    const names = [
      'arn:aws:iam::111122223333:user/security/bob',
      'arn:aws:sts::111122223333:federated-user/carol',
      'arn:aws-us-gov:iam::111122223333:root',
    ].map((Arn) => operatorSessionName({ Arn }).SourceIdentity);

    // Assess
    expect(names).toEqual(['bob', 'carol', 'root']);
  });

  it('reduces odd characters to `-`, so a hostile name cannot break out of its field', () => {
    // Act
    const name = operatorSessionName({
      Arn: 'arn:aws:sts::111122223333:assumed-role/R/aws:evil name"\n<script>ü',
    });

    // Assess
    expect(name.SourceIdentity).toBe('aws-evil-name-script-');
    expect(name.SourceIdentity).not.toMatch(/^aws:/);
    expect(name.RoleSessionName).toBe('clonewarden-cli-aws-evil-name-script-');
    expect(name.RoleSessionName).toMatch(ALLOWED);
  });

  it('cuts a long name to 64 characters, in the session name after its prefix and in the source identity', () => {
    // Prepare
    const long = `${'a'.repeat(60)}${'b'.repeat(40)}`;

    // Act
    const name = operatorSessionName({ Arn: `arn:aws:iam::111122223333:user/${long}` });

    // Assess
    expect(name.SourceIdentity).toBe(long.slice(0, 64));
    expect(name.RoleSessionName).toBe(`clonewarden-cli-${'a'.repeat(48)}`);
    expect(name.RoleSessionName).toMatch(ALLOWED);
    expect(name.SourceIdentity).toMatch(ALLOWED);
  });

  it('names a caller too short to be a source identity by its unique id, and refuses a caller with neither', () => {
    // Act
    const short = operatorSessionName({
      Arn: 'arn:aws:iam::111122223333:user/a',
      UserId: 'AIDAEXAMPLEUSERID',
    });

    // Assess
    expect(short).toEqual({
      RoleSessionName: 'clonewarden-cli-AIDAEXAMPLEUSERID',
      SourceIdentity: 'AIDAEXAMPLEUSERID',
    });
    expect(() => operatorSessionName({ Arn: 'arn:aws:iam::111122223333:user/a' })).toThrow(/named no caller/);
    expect(() => operatorSessionName({})).toThrow(/named no caller/);
  });

  it('names a function’s sessions after the function, with no source identity', () => {
    // Act & Assess
    expect(functionSessionName('prune-worker')).toEqual({ RoleSessionName: 'clonewarden-prune-worker' });
  });
});
