import { PolicyValidationError } from '../model/errors.js';
import { checkPolicyFile, describeRuleTypes } from '../policy/load-policy.js';
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
    });
    if (values['rule-types']) {
      process.stdout.write(`${describeRuleTypes()}\n`);
      return 0;
    }
    const path =
      positionals[0] ?? resolveSettings({ ...(values.policy ? { policy: values.policy } : {}) }).policyPath;
    try {
      const { policy, warnings } = await checkPolicyFile(path, new Date());
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify({ valid: true, path, rules: policy.rules.map((r) => r.id), warnings })}\n`,
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
