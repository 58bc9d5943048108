import { checkPolicyFile } from '../policy/load-policy.js';

/**
 * Says on stderr, before a run, what in the policy can never take effect (no rules, a lapsed
 * exemption, …; `clonewarden validate` explains each): without it, a replay that judges nothing
 * looks like a clean account. An invalid policy throws, as loading it would.
 */
export async function notePolicyWarnings(command: string, policyPath: string, now: Date): Promise<void> {
  const { warnings } = await checkPolicyFile(policyPath, now);
  for (const warning of warnings) process.stderr.write(`clonewarden ${command}: policy: ${warning}\n`);
}
