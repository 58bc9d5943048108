import { describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/model/types.js';
import { allowedPrincipalsRule } from '../../shared/rules/allowed-principals.js';
import { PLATFORM_ROLE, ruleInput } from '../support/rule-input.js';

const OPTIONS = { principals: ['arn:aws:iam::*:role/ImageBuilder*', 'arn:aws:iam::*:role/Platform*'] };

const role = (arn: string): Principal => ({ ...PLATFORM_ROLE, arn });

describe('Rule: allowed-principals', () => {
  it.each([
    { case: 'a role matching a glob', principal: role('arn:aws:iam::111122223333:role/PlatformEngineer') },
    {
      case: 'a role with a path matching "*" across "/"',
      principal: role('arn:aws:iam::111122223333:role/ImageBuilder/team/x'),
    },
  ])('passes $case', ({ principal }) => {
    // Prepare
    const input = ruleInput({ event: { principal } });

    // Act
    const outcome = allowedPrincipalsRule.evaluate(OPTIONS, input);

    // Assess
    expect(outcome).toEqual({ violations: [] });
  });

  it.each([
    { case: 'an unlisted role', arn: 'arn:aws:iam::111122223333:role/Developer' },
    {
      case: 'a differently cased role (globs are case-sensitive)',
      arn: 'arn:aws:iam::111122223333:role/platformEngineer',
    },
    { case: 'an IAM user', arn: 'arn:aws:iam::111122223333:user/jane' },
  ])('reports $case, naming the caller, the event and the allowed globs', ({ arn }) => {
    // Prepare
    const input = ruleInput({ event: { principal: role(arn) } });

    // Act
    const outcome = allowedPrincipalsRule.evaluate(OPTIONS, input);

    // Assess
    expect(outcome.violations).toEqual([
      `${arn} may not run CreateImage; allowed: arn:aws:iam::*:role/ImageBuilder*, arn:aws:iam::*:role/Platform*`,
    ]);
  });

  it('passes a trusted AWS service even when it is not listed', () => {
    // Prepare
    const principal: Principal = {
      type: 'AWSService',
      arn: 'backup.amazonaws.com',
      display: 'backup.amazonaws.com',
    };
    const input = ruleInput({ event: { principal }, callerIsTrustedService: true });

    // Act
    const outcome = allowedPrincipalsRule.evaluate(OPTIONS, input);

    // Assess
    expect(outcome).toEqual({ violations: [] });
  });

  it.each([
    { eventName: 'CopyImage', expected: 1 },
    { eventName: 'CreateImage', expected: 0 },
  ])(
    'with events limited to CopyImage, judges $eventName with $expected violation(s)',
    ({ eventName, expected }) => {
      // Prepare
      const input = ruleInput({
        event: { eventName, principal: role('arn:aws:iam::111122223333:role/Developer') },
      });

      // Act
      const outcome = allowedPrincipalsRule.evaluate({ ...OPTIONS, events: ['CopyImage'] }, input);

      // Assess
      expect(outcome.violations).toHaveLength(expected);
    },
  );

  it('reports an unknown caller (clone found by a scan) as unknown, not as a violation', () => {
    // Prepare
    const principal: Principal = { type: 'Unknown', arn: '', display: 'unknown' };
    const input = ruleInput({ event: { principal } });

    // Act
    const outcome = allowedPrincipalsRule.evaluate(OPTIONS, input);

    // Assess
    expect(outcome).toEqual({
      violations: [],
      unknowns: [
        'the caller is unknown (the clone was found by a scan, not an event): principals not checked',
      ],
    });
  });
});
