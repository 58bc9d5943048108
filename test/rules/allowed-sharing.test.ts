import { describe, expect, it } from 'vitest';
import type { Share } from '../../shared/model/clonewarden-tags.js';
import type { OrganizationFact, ShareRuleInput } from '../../shared/model/types.js';
import { allowedSharingRule } from '../../shared/rules/allowed-sharing.js';

const ORG: OrganizationFact = {
  known: true,
  arn: 'arn:aws:organizations::111122223333:organization/o-abcdefghij',
  id: 'o-abcdefghij',
  accounts: new Set(['222233334444']),
};
const OU = 'arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefgh34';
const OTHER_OU = 'arn:aws:organizations::999999999999:ou/o-zzzzzzzzzz/ou-ab12-cdefgh34';

function judge(
  grant: Share,
  options: { accounts?: string[]; organization?: boolean },
  organization?: OrganizationFact,
) {
  const input = { grant, ...(organization ? { organization } : {}) } as ShareRuleInput;
  return allowedSharingRule.evaluate(
    { accounts: options.accounts ?? [], organization: options.organization ?? false },
    input,
  );
}

describe('Rule: allowed-sharing', () => {
  it.each<[string, Share, { accounts?: string[]; organization?: boolean }, boolean]>([
    [
      'public, even with every allowance',
      { kind: 'group', value: 'all' },
      { accounts: ['444455556666'], organization: true },
      false,
    ],
    ['a listed account', { kind: 'account', value: '444455556666' }, { accounts: ['444455556666'] }, true],
    [
      'an unlisted account',
      { kind: 'account', value: '555566667777' },
      { accounts: ['444455556666'] },
      false,
    ],
    [
      'a member account with organization on',
      { kind: 'account', value: '222233334444' },
      { organization: true },
      true,
    ],
    ['a member account with organization off', { kind: 'account', value: '222233334444' }, {}, false],
    [
      'our organization',
      { kind: 'organization', value: ORG.known ? ORG.arn : '' },
      { organization: true },
      true,
    ],
    ['an OU of our organization', { kind: 'organizational-unit', value: OU }, { organization: true }, true],
    [
      "another organization's OU",
      { kind: 'organizational-unit', value: OTHER_OU },
      { organization: true },
      false,
    ],
  ])('%s: allowed is %s', (_case, grant, options, allowed) => {
    // Act
    const outcome = judge(grant, options, ORG);

    // Assess
    expect(outcome.violations.length === 0).toBe(allowed);
  });

  it('names the grant and what is allowed in its message', () => {
    // Act
    const outcome = judge({ kind: 'group', value: 'all' }, {}, ORG);

    // Assess
    expect(outcome.violations).toEqual(['public share (group all): a clone may never be made public']);
  });

  it('treats an account as foreign, with an unknown, when the member accounts could not be listed', () => {
    // Act
    const outcome = judge(
      { kind: 'account', value: '222233334444' },
      { organization: true },
      { known: true, arn: 'arn:x', id: 'o-abcdefghij', accountsUnknown: 'AccessDeniedException: no' },
    );

    // Assess
    expect(outcome.violations).toHaveLength(1);
    expect(outcome.unknowns).toEqual([
      "the organization's accounts could not be listed (AccessDeniedException: no): account 222233334444 treated as foreign",
    ]);
  });
});
