import { describe, expect, it } from 'vitest';
import { compileArnGlob } from '../../shared/model/arn-glob.js';

describe('Events: compileArnGlob', () => {
  it.each([
    [
      'an exact ARN',
      'arn:aws:iam::111122223333:role/Platform',
      'arn:aws:iam::111122223333:role/Platform',
      true,
    ],
    [
      '* across the account field',
      'arn:aws:iam::*:role/Platform',
      'arn:aws:iam::444455556666:role/Platform',
      true,
    ],
    [
      '* across / in a role path',
      'arn:aws:iam::*:role/*/Admin',
      'arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/Admin',
      true,
    ],
    ['* across :', 'arn:*', 'arn:aws:iam::1:role/x', true],
    ['a trailing * matching nothing', 'arn:aws:iam::1:role/Platform*', 'arn:aws:iam::1:role/Platform', true],
    ['? as exactly one character', 'arn:aws:iam::1:role/Dev?', 'arn:aws:iam::1:role/Dev1', true],
    ['? not matching zero characters', 'arn:aws:iam::1:role/Dev?', 'arn:aws:iam::1:role/Dev', false],
    ['? not matching two characters', 'arn:aws:iam::1:role/Dev?', 'arn:aws:iam::1:role/Dev12', false],
    ['. as a literal dot', 'backup.amazonaws.com', 'backupXamazonaws.com', false],
    [
      '+ ( ) [ ] $ ^ | \\ as literals',
      'arn:aws:iam::1:role/a+(b)[c]$^|\\',
      'arn:aws:iam::1:role/a+(b)[c]$^|\\',
      true,
    ],
    ['+ not as a regex quantifier', 'arn:aws:iam::1+:role/x', 'arn:aws:iam::11:role/x', false],
    ['case (case-sensitive)', 'arn:aws:iam::*:role/platform', 'arn:aws:iam::1:role/Platform', false],
    [
      'a prefix only (anchored at the end)',
      'arn:aws:iam::1:role/Platform',
      'arn:aws:iam::1:role/PlatformAdmin',
      false,
    ],
    ['a suffix only (anchored at the start)', 'role/Platform', 'arn:aws:iam::1:role/Platform', false],
    ['a literal * in the ARN against ?', 'arn:aws:iam::1:role/a?c', 'arn:aws:iam::1:role/a*c', true],
    ['a literal * in the ARN against a literal', 'arn:aws:iam::1:role/abc', 'arn:aws:iam::1:role/a*c', false],
    ['a newline in the ARN against *', 'arn:*', 'arn:aws\n:x', true],
    ['an empty pattern against an empty ARN', '', '', true],
    ['an empty pattern against an ARN', '', 'arn:aws:iam::1:root', false],
  ])('matches %s: %s vs %s → %s', (_case, pattern, arn, expected) => {
    // Prepare
    const matches = compileArnGlob(pattern);

    // Act
    const result = matches(arn);

    // Assess
    expect(result).toBe(expected);
  });

  it('can be reused for many ARNs', () => {
    // Prepare
    const matches = compileArnGlob('arn:aws:iam::*:role/aws-service-role/backup.amazonaws.com/*');

    // Act
    const results = [
      'arn:aws:iam::111122223333:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup',
      'arn:aws:iam::111122223333:role/aws-service-role/dlm.amazonaws.com/AWSServiceRoleForDLM',
    ].map(matches);

    // Assess
    expect(results).toEqual([true, false]);
  });

  it('takes bounded time on a pathological pattern that would make a backtracking regex explode', () => {
    // Prepare
    const matches = compileArnGlob(`${'*a'.repeat(30)}*b`);
    const arn = 'a'.repeat(2048);
    const started = performance.now();

    // Act
    const result = matches(arn);

    // Assess
    expect(result).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
