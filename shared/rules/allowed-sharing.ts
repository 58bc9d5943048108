import * as z from 'zod/mini';
import type { Share } from '../model/clonewarden-tags.js';
import { organizationIdOf } from '../model/organization-arn.js';
import type { OrganizationFact, RuleAction, RuleOutcome, ShareRuleInput } from '../model/types.js';
import { accountId } from './option-fields.js';
import { defineRule } from './rule-type.js';

/** What a sharing rule may ask for: alert, remove the grants that broke it, or quarantine the clone. */
const SHARING_RULE_ACTIONS = ['report', 'revert', 'quarantine'] as const satisfies readonly RuleAction[];

const options = () => ({
  /** Accounts that may receive shares, besides the organization's when `organization` is on. */
  accounts: z._default(z.array(accountId()), []),
  /** Any account, OU or the organization itself of our own AWS Organization may receive shares. */
  organization: z._default(z.boolean(), false),
});

/** Who may receive a share of a clone; public (`group: all`) never. */
export const allowedSharingRule = defineRule({
  type: 'allowed-sharing',
  family: 'sharing',
  actions: SHARING_RULE_ACTIONS,
  summary:
    'Images and snapshots may be shared only with these accounts, or with our own AWS Organization; never made public.',
  options,
  fixHint: (ids) =>
    `Share ${ids} only with the accounts the policy allows (or the organization, where it allows it), never publicly, and not at all while it is quarantined. If the grantee needs it, ask the security team to add the account to the rule.`,
  example: {
    id: 'no-foreign-shares',
    type: 'allowed-sharing',
    severity: 'critical',
    action: 'revert',
    accounts: ['111122223333'],
    organization: true,
  },
  evaluate(opts, input: ShareRuleInput): RuleOutcome {
    const { grant } = input;
    if (grant.kind === 'group') {
      return { violations: [`${describeGrant(grant)}: a clone may never be made public`] };
    }
    if (grant.kind === 'account' && opts.accounts.includes(grant.value)) return { violations: [] };
    if (!opts.organization) {
      return {
        violations: [`${describeGrant(grant)} is not allowed; allowed: ${allowedList(opts.accounts)}`],
      };
    }
    return judgeAgainstOrganization(grant, input.organization, opts.accounts);
  },
});

/** With `organization: true`: ours passes; a grantee we cannot place is an unknown, and foreign. */
function judgeAgainstOrganization(
  grant: Share,
  organization: OrganizationFact | undefined,
  accounts: readonly string[],
): RuleOutcome {
  const foreign = `${describeGrant(grant)} is not in our AWS Organization; allowed: ${allowedList(accounts)} and the organization`;
  if (!organization?.known) {
    const why = organization && !organization.known ? organization.reason : 'not read';
    return {
      violations: [foreign],
      unknowns: [
        `our AWS Organization could not be read (${why}): ${describeGrant(grant)} treated as foreign`,
      ],
    };
  }
  if (grant.kind === 'organization')
    return grant.value === organization.arn ? { violations: [] } : { violations: [foreign] };
  if (grant.kind === 'organizational-unit') {
    return organizationIdOf(grant.value) === organization.id ? { violations: [] } : { violations: [foreign] };
  }
  if (!organization.accounts) {
    return {
      violations: [foreign],
      unknowns: [
        `the organization's accounts could not be listed (${organization.accountsUnknown ?? 'ListAccounts refused'}): ${describeGrant(grant)} treated as foreign`,
      ],
    };
  }
  return organization.accounts.has(grant.value) ? { violations: [] } : { violations: [foreign] };
}

const GRANT_WORDS: Record<Share['kind'], string> = {
  account: 'account',
  group: 'public share (group',
  organization: 'organization',
  'organizational-unit': 'organizational unit',
};

/** `account 444455556666`, `public share (group all)`, `organization arn:…`. */
function describeGrant(grant: Share): string {
  return grant.kind === 'group'
    ? `${GRANT_WORDS.group} ${grant.value})`
    : `${GRANT_WORDS[grant.kind]} ${grant.value}`;
}

function allowedList(accounts: readonly string[]): string {
  return accounts.length > 0 ? accounts.join(', ') : 'no account';
}
