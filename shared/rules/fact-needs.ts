import type { FactNeeds } from '../model/types.js';
import { ruleTypeByName } from './registry.js';

/** What a policy that asks for nothing extra needs: only the usual facts. */
const NO_EXTRA_FACTS: FactNeeds = { diskEncryption: false, kmsKeyManager: false, kmsAliases: [] };

/**
 * The extra facts a policy's rules ask for, merged: the facts reader fetches these and no more,
 * so that a policy without encryption rules never calls KMS.
 */
export function factNeedsOf(rules: readonly { type: string }[]): FactNeeds {
  const needs: FactNeeds = { ...NO_EXTRA_FACTS, kmsAliases: [] };
  for (const rule of rules) {
    const ruleType = ruleTypeByName(rule.type);
    // biome-ignore lint/suspicious/noExplicitAny: the policy schema validated these options against this very rule type.
    const asked = ruleType.needs?.(rule as any) ?? {};
    needs.diskEncryption ||= asked.diskEncryption ?? false;
    needs.kmsKeyManager ||= asked.kmsKeyManager ?? false;
    needs.kmsAliases.push(...(asked.kmsAliases ?? []));
  }
  needs.kmsAliases = [...new Set(needs.kmsAliases)];
  return needs;
}
