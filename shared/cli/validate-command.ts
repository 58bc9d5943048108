import { stringify } from 'yaml';
import type { OrganizationalUnitPaths } from '../aws/organizational-unit-paths.js';
import { PolicyValidationError, UsageError } from '../model/errors.js';
import { policyInAccount } from '../policy/effective-policy.js';
import { checkPolicyFile, describeRuleTypes } from '../policy/load-policy.js';
import { type Policy, SCOPE_ID } from '../policy/schema.js';
import { resolveSettings } from '../settings/resolve-settings.js';
import type { CliCommand } from './cli-command.js';
import { parseFlags } from './parse-flags.js';

export const validateCommand: CliCommand = {
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      policy: { type: 'string' },
      json: { type: 'boolean' },
      strict: { type: 'boolean' },
      'rule-types': { type: 'boolean' },
      account: { type: 'string' },
      ou: { type: 'string' },
      region: { type: 'string' },
    });
    const { account, ous } = scopeFlags(values);
    if (values['rule-types']) {
      process.stdout.write(`${describeRuleTypes()}\n`);
      return 0;
    }
    const path =
      positionals[0] ?? resolveSettings({ ...(values.policy ? { policy: values.policy } : {}) }).policyPath;
    try {
      const { policy, warnings } = await checkPolicyFile(path, new Date());
      const scoped =
        account === undefined
          ? undefined
          : await policyInAccount(
              policy,
              account,
              ous ? { organizationalUnitsOf: async () => ous } : organizationalUnitPaths(values.region),
            );
      if (values.json) {
        const effective = scoped ? { effective: printable(scoped.policy), overrides: scoped.applied } : {};
        process.stdout.write(
          `${JSON.stringify({ valid: true, path, rules: policy.rules.map((r) => r.id), warnings, ...effective })}\n`,
        );
      } else if (scoped) {
        const applied = scoped.applied.length > 0 ? scoped.applied.join(', then ') : 'none';
        process.stdout.write(
          `# the policy in force in account ${account} (overrides applied: ${applied})\n${stringify(printable(scoped.policy), { lineWidth: 0 })}`,
        );
      } else {
        process.stdout.write(
          `${path}: valid — ${policy.rules.length} rule(s)${policy.rules.map((r, i) => `${i ? ',' : ':'} ${r.id} (${r.type})`).join('')}` +
            `${policy.dryRun ? '; dryRun is on' : ''}\n`,
        );
        if (warnings.length > 0) {
          const count = warnings.length === 1 ? '1 warning' : `${warnings.length} warnings`;
          process.stderr.write(`${path}: ${count}\n${warnings.map((w) => `  ${w}`).join('\n')}\n`);
        }
      }
      return values.strict && warnings.length > 0 ? 2 : 0;
    } catch (error) {
      if (!(error instanceof PolicyValidationError)) throw error;
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ valid: false, path, problems: error.problems })}\n`);
      } else {
        process.stderr.write(
          `${path}: invalid policy\n${error.problems.map((p) => `  ${p}`).join('\n') || `  ${error.message}`}\n`,
        );
      }
      return 2;
    }
  },
};

/**
 * The account's OUs from Organizations (ListParents). `policyInAccount` asks only when some
 * override is keyed by an OU, so AWS is connected only then.
 */
function organizationalUnitPaths(region: string | undefined): OrganizationalUnitPaths {
  return {
    async organizationalUnitsOf(account) {
      // Loaded only here: `validate` without --account never touches AWS (nor loads its SDK).
      const { connectAws } = await import('./aws-command.js');
      const { AwsOrganizationalUnitPaths } = await import('../aws/organizational-unit-paths.js');
      const aws = await connectAws(region, { checkCredentials: true });
      return new AwsOrganizationalUnitPaths(aws).organizationalUnitsOf(account);
    },
  };
}

/** The effective policy as written in a file: the overrides are spent. */
function printable(policy: Policy): Omit<Policy, 'overrides'> {
  const { overrides: _spent, ...rest } = policy;
  return rest;
}

/** `--account ID` and `--ou OU,…`, checked. */
function scopeFlags(values: { account?: string | undefined; ou?: string | undefined }) {
  const account = values.account;
  if (account !== undefined && !/^\d{12}$/.test(account)) {
    throw new UsageError(`--account ${account.slice(0, 40)} is not a 12-digit account id`);
  }
  const ous = values.ou
    ?.split(',')
    .map((ou) => ou.trim())
    .filter(Boolean);
  if (ous?.some((ou) => !SCOPE_ID.test(ou) || !ou.startsWith('ou-'))) {
    throw new UsageError(
      `--ou ${values.ou?.slice(0, 80)} must be OU ids (ou-abcd-12345678), separated by commas`,
    );
  }
  if (ous && account === undefined) throw new UsageError('--ou goes with --account ID');
  return { account, ous };
}
