import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../shared/model/errors.js';
import { ENVIRONMENT_SCHEMA, readEnvironment } from '../../shared/settings/environment.js';

function errorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected readEnvironment to throw');
}

const VARIABLES = Object.keys(ENVIRONMENT_SCHEMA.shape);

describe('Settings: readEnvironment', () => {
  it('reads every variable it knows, and ignores the rest of the environment', () => {
    // Act
    const environment = readEnvironment({
      CLONEWARDEN_POLICY: 'prod/clonewarden.yml',
      CLONEWARDEN_ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:alerts',
      CLONEWARDEN_DRY_RUN: 'Yes',
      CLONEWARDEN_ENFORCER_ROLE_ARN: 'arn:aws:iam::*:role/a, arn:aws:iam::*:role/b',
      CLONEWARDEN_VISIBILITY_ATTEMPTS: '10',
      CLONEWARDEN_RECONCILE_LIMIT: '0',
      CLONEWARDEN_LOG_LEVEL: 'DEBUG',
      CLONEWARDEN_IDEMPOTENCY_TABLE: 'clonewarden-prod-idempotency',
      CLONEWARDEN_MEMBER_ROLE: 'security/clonewarden-member',
      PATH: '/usr/bin',
    });

    // Assess
    expect(environment).toEqual({
      CLONEWARDEN_POLICY: 'prod/clonewarden.yml',
      CLONEWARDEN_ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:alerts',
      CLONEWARDEN_DRY_RUN: true,
      CLONEWARDEN_ENFORCER_ROLE_ARN: ['arn:aws:iam::*:role/a', 'arn:aws:iam::*:role/b'],
      CLONEWARDEN_VISIBILITY_ATTEMPTS: 10,
      CLONEWARDEN_RECONCILE_LIMIT: 0,
      CLONEWARDEN_LOG_LEVEL: 'debug',
      CLONEWARDEN_IDEMPOTENCY_TABLE: 'clonewarden-prod-idempotency',
      CLONEWARDEN_MEMBER_ROLE: 'security/clonewarden-member',
    });
  });

  it('reads a blank variable as an unset one', () => {
    // Act
    const environment = readEnvironment(Object.fromEntries(VARIABLES.map((name) => [name, ' '])));

    // Assess
    expect(Object.values(environment).filter((value) => value !== undefined)).toEqual([]);
  });

  it.each([
    [
      'CLONEWARDEN_VISIBILITY_ATTEMPTS',
      'abc',
      'CLONEWARDEN_VISIBILITY_ATTEMPTS=abc must be a whole number from 1 to 10',
    ],
    [
      'CLONEWARDEN_RECONCILE_LIMIT',
      '-1',
      'CLONEWARDEN_RECONCILE_LIMIT=-1 must be a whole number of clones (0 or more)',
    ],
    ['CLONEWARDEN_LOG_LEVEL', 'loud', 'CLONEWARDEN_LOG_LEVEL=loud must be one of debug, info, warn, error'],
    ['CLONEWARDEN_DRY_RUN', 'on', 'CLONEWARDEN_DRY_RUN=on is not a boolean: use true or false'],
    [
      'CLONEWARDEN_IDEMPOTENCY_TABLE',
      'a b',
      'CLONEWARDEN_IDEMPOTENCY_TABLE=a b must be a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ - .)',
    ],
    [
      'CLONEWARDEN_MEMBER_ROLE',
      'arn:aws:iam::111122223333:role/x',
      'CLONEWARDEN_MEMBER_ROLE=arn:aws:iam::111122223333:role/x must be an IAM role name (optionally with its path), e.g. clonewarden-member',
    ],
    [
      'CLONEWARDEN_ALERT_TOPIC_ARN',
      'alerts',
      'CLONEWARDEN_ALERT_TOPIC_ARN: "alerts" is not an SNS topic ARN (expected arn:aws:sns:<region>:<account>:<name>)',
    ],
  ])('refuses %s=%s, naming the variable and the fix', (name, value, message) => {
    // Act
    const error = errorOf(() => readEnvironment({ [name]: value }));

    // Assess
    expect(error.message).toBe(message);
  });

  it('names every bad variable, one per line, and keeps a hostile value on its line', () => {
    // Act
    const error = errorOf(() =>
      readEnvironment({ CLONEWARDEN_VISIBILITY_ATTEMPTS: '0', CLONEWARDEN_LOG_LEVEL: 'x\nFAKE: y' }),
    );

    // Assess
    expect(error.message.split('\n')).toEqual([
      'CLONEWARDEN_VISIBILITY_ATTEMPTS=0 must be a whole number from 1 to 10',
      'CLONEWARDEN_LOG_LEVEL=x FAKE: y must be one of debug, info, warn, error',
    ]);
  });

  it("is documented, every variable, in README's Command line table", () => {
    // Prepare
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(
      readme.indexOf('## Command line'),
      readme.indexOf('\n## ', readme.indexOf('## Command line') + 1),
    );
    const documented = [...section.matchAll(/^\| `(CLONEWARDEN_[A-Z_]+)/gm)].map((match) => match[1]);

    // Assess
    expect(documented.sort()).toEqual([...VARIABLES].sort());
  });
});
