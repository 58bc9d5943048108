import { describe, expect, it } from 'vitest';
import { UsageError } from '../../shared/model/errors.js';
import { resolveSettings } from '../../shared/settings/resolve-settings.js';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:clonewarden-alerts';
const OTHER_TOPIC = 'arn:aws:sns:eu-west-1:111122223333:security-alerts.fifo';

/** Resolves with a throw captured, so that a test can assert on the error itself. */
function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected resolveSettings to throw');
}

describe('Config: resolveSettings', () => {
  it('defaults to ./clonewarden.yml, no topic, no forced dry-run and no enforcer principals', () => {
    // Act
    const settings = resolveSettings({}, {});

    // Assess
    expect(settings).toEqual({ policyPath: './clonewarden.yml', forceDryRun: false, enforcerPrincipals: [] });
  });

  it.each([
    {
      case: 'the flag wins over the env var',
      flags: { policy: 'flag.yml' },
      env: { CLONEWARDEN_POLICY: 'env.yml' },
      expected: 'flag.yml',
    },
    {
      case: 'the env var applies without a flag',
      flags: {},
      env: { CLONEWARDEN_POLICY: 'env.yml' },
      expected: 'env.yml',
    },
    {
      case: 'an empty env var means the default',
      flags: {},
      env: { CLONEWARDEN_POLICY: '' },
      expected: './clonewarden.yml',
    },
  ])('resolves the policy path: $case', ({ flags, env, expected }) => {
    // Act
    const settings = resolveSettings(flags, env);

    // Assess
    expect(settings.policyPath).toBe(expected);
  });

  it.each([
    {
      case: 'the flag wins over the env var',
      flags: { topicArn: TOPIC },
      env: { CLONEWARDEN_ALERT_TOPIC_ARN: OTHER_TOPIC },
      expected: TOPIC,
    },
    {
      case: 'the env var applies without a flag',
      flags: {},
      env: { CLONEWARDEN_ALERT_TOPIC_ARN: OTHER_TOPIC },
      expected: OTHER_TOPIC,
    },
    {
      case: 'the flag wins even over an invalid env var',
      flags: { topicArn: TOPIC },
      env: { CLONEWARDEN_ALERT_TOPIC_ARN: 'nope' },
      expected: TOPIC,
    },
  ])('resolves the topic ARN: $case', ({ flags, env, expected }) => {
    // Act
    const settings = resolveSettings(flags, env);

    // Assess
    expect(settings.topicArn).toBe(expected);
  });

  it.each([
    {
      case: 'an SQS ARN from --topic-arn',
      flags: { topicArn: 'arn:aws:sqs:us-east-1:111122223333:q' },
      env: {},
      names: '--topic-arn',
    },
    {
      case: 'a bare name from --topic-arn',
      flags: { topicArn: 'clonewarden-alerts' },
      env: {},
      names: '--topic-arn',
    },
    {
      case: 'a short account id from the env var',
      flags: {},
      env: { CLONEWARDEN_ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:1111:t' },
      names: 'CLONEWARDEN_ALERT_TOPIC_ARN',
    },
  ])('refuses $case with a UsageError naming where it came from', ({ flags, env, names }) => {
    // Act
    const error = errorOf(() => resolveSettings(flags, env));

    // Assess
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message.startsWith(`${names}:`)).toBe(true);
    expect((error as UsageError).message).toContain('is not an SNS topic ARN');
  });

  it.each([
    { value: 'true', expected: true },
    { value: 'TRUE', expected: true },
    { value: ' yes ', expected: true },
    { value: '1', expected: true },
    { value: 'false', expected: false },
    { value: 'False', expected: false },
    { value: '0', expected: false },
    { value: 'no', expected: false },
    { value: '', expected: false },
    { value: undefined, expected: false },
  ])('reads CLONEWARDEN_DRY_RUN=$value as $expected', ({ value, expected }) => {
    // Prepare
    const env = value === undefined ? {} : { CLONEWARDEN_DRY_RUN: value };

    // Act
    const settings = resolveSettings({}, env);

    // Assess
    expect(settings.forceDryRun).toBe(expected);
  });

  it.each(['maybe', 'on', 'ture', '2'])(
    'refuses CLONEWARDEN_DRY_RUN=%s with a UsageError naming the variable',
    (value) => {
      // Act
      const error = errorOf(() => resolveSettings({}, { CLONEWARDEN_DRY_RUN: value }));

      // Assess
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toBe(
        `CLONEWARDEN_DRY_RUN=${value} is not a boolean: use true or false`,
      );
    },
  );

  it.each([
    { env: 'false', case: 'an env var that says false' },
    { env: 'garbage', case: 'an env var that is not a boolean' },
  ])('lets --dry-run win over $case', ({ env }) => {
    // Act
    const settings = resolveSettings({ dryRun: true }, { CLONEWARDEN_DRY_RUN: env });

    // Assess
    expect(settings.forceDryRun).toBe(true);
  });

  it('reads the enforcer role ARNs as a comma-separated list', () => {
    // Prepare
    const env = {
      CLONEWARDEN_ENFORCER_ROLE_ARN:
        ' arn:aws:iam::111122223333:role/enforcer-a ,,arn:aws:iam::*:role/enforcer-b',
    };

    // Act
    const settings = resolveSettings({}, env);

    // Assess
    expect(settings.enforcerPrincipals).toEqual([
      'arn:aws:iam::111122223333:role/enforcer-a',
      'arn:aws:iam::*:role/enforcer-b',
    ]);
  });

  it.each(['0', '11', 'abc', '3.5'])(
    'refuses CLONEWARDEN_VISIBILITY_ATTEMPTS=%s naming the variable',
    (value) => {
      // Act
      const error = errorOf(() => resolveSettings({}, { CLONEWARDEN_VISIBILITY_ATTEMPTS: value }));

      // Assess
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toContain('CLONEWARDEN_VISIBILITY_ATTEMPTS');
    },
  );

  it('reads CLONEWARDEN_VISIBILITY_ATTEMPTS as a number', () => {
    // Act
    const settings = resolveSettings({}, { CLONEWARDEN_VISIBILITY_ATTEMPTS: '3' });

    // Assess
    expect(settings.visibilityAttempts).toBe(3);
  });

  it.each([
    {
      case: 'the flag wins over the env var',
      flags: { reconcileLimit: '20' },
      env: { CLONEWARDEN_RECONCILE_LIMIT: '7' },
      expected: 20,
    },
    {
      case: 'the flag wins even over an invalid env var',
      flags: { reconcileLimit: '0' },
      env: { CLONEWARDEN_RECONCILE_LIMIT: 'all' },
      expected: 0,
    },
    {
      case: 'the env var applies without a flag',
      flags: {},
      env: { CLONEWARDEN_RECONCILE_LIMIT: '7' },
      expected: 7,
    },
    { case: 'unset leaves it to prune', flags: {}, env: {}, expected: undefined },
  ])('resolves the reconcile limit: $case', ({ flags, env, expected }) => {
    // Act
    const settings = resolveSettings(flags, env);

    // Assess
    expect(settings.reconcileLimit).toBe(expected);
  });

  it('refuses a --reconcile-limit that is not a whole number, naming the flag', () => {
    // Act
    const error = errorOf(() => resolveSettings({ reconcileLimit: '5x' }, {}));

    // Assess
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('--reconcile-limit 5x is not a whole number of clones');
  });

  it('reads the log level and the idempotency table', () => {
    // Act
    const settings = resolveSettings(
      {},
      { CLONEWARDEN_LOG_LEVEL: 'info', CLONEWARDEN_IDEMPOTENCY_TABLE: 'clonewarden-idempotency' },
    );

    // Assess
    expect(settings).toMatchObject({ logLevel: 'info', idempotencyTable: 'clonewarden-idempotency' });
  });

  it('turns organization mode on with the member role: the flag over the variable, which is then not read', () => {
    // Act
    const fromEnv = resolveSettings({}, { CLONEWARDEN_MEMBER_ROLE: 'clonewarden-member' });
    const fromFlag = resolveSettings(
      { memberRole: 'security/clonewarden-member' },
      { CLONEWARDEN_MEMBER_ROLE: 'not a role' },
    );
    const off = resolveSettings({}, {});

    // Assess
    expect(fromEnv.memberRole).toBe('clonewarden-member');
    expect(fromFlag.memberRole).toBe('security/clonewarden-member');
    expect(off.memberRole).toBeUndefined();
  });

  it('refuses a --member-role that is not a role name, naming the flag', () => {
    // Act
    const error = errorOf(() => resolveSettings({ memberRole: 'clonewarden member' }, {}));

    // Assess
    expect((error as UsageError).message).toBe(
      '--member-role=clonewarden member must be an IAM role name (optionally with its path), e.g. clonewarden-member',
    );
  });

  it('names the audit link signer parameter only when set, and refuses what is no SSM parameter name', () => {
    // Act
    const on = resolveSettings(
      {},
      { CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER: ' /clonewarden/prod/audit-link-signer ' },
    );
    const blank = resolveSettings({}, { CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER: '' });
    const error = errorOf(() =>
      resolveSettings({}, { CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER: 'clonewarden prod//signer' }),
    );

    // Assess
    expect(on.auditLinkSignerParameter).toBe('/clonewarden/prod/audit-link-signer');
    expect(blank).not.toHaveProperty('auditLinkSignerParameter');
    expect((error as UsageError).message).toBe(
      'CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER=clonewarden prod//signer must be an SSM parameter name, e.g. /clonewarden/prod/audit-link-signer',
    );
  });
});
