import type { z } from 'zod';
import type {
  EventFamily,
  FactNeeds,
  RuleAction,
  RuleInput,
  RuleOutcome,
  ShareRuleInput,
} from '../model/types.js';

/** What a rule judges: one clone at birth (`RuleInput`) or one added grant (`ShareRuleInput`). */
export type FamilyRuleInput = RuleInput | ShareRuleInput;
/**
 * A rule type is a registry entry, in the Cloud Custodian style: its `type` name, a strict
 * schema for its own options, an example, a pure `evaluate` and the fix hint its alerts show.
 * The policy schema is generated from the registry and alerts find the hint through it, so
 * adding a rule type is one new file plus one line in `registry.ts`, and touches no other file.
 */
export interface RuleType<
  Options extends z.ZodRawShape = z.ZodRawShape,
  Input extends FamilyRuleInput = FamilyRuleInput,
> {
  /** The `type:` value in the policy file, e.g. `max-generation`. */
  readonly type: string;
  /**
   * The event family whose events it judges (`creation`: a clone's birth). The engine runs a
   * rule only on events of its family; each family's engine step builds the rule's input.
   */
  readonly family: EventFamily;
  /** The `action:` values a policy may give it, e.g. `[report, tag, quarantine]`. */
  readonly actions: readonly [RuleAction, ...RuleAction[]];
  /** One line for `clonewarden validate` and the docs. */
  readonly summary: string;
  /** The rule's own option fields; the common fields (id, severity, action, resources) are added by the policy schema. */
  readonly options: Options;
  /**
   * What the developer changes so that the next clone passes, for the alert's "how to fix":
   * plain text around `ids`, the failing clones as the alert lists them.
   */
  fixHint(ids: string): string;
  /** A complete rule entry as it appears in a policy file, common fields included. */
  readonly example: Record<string, unknown>;
  /**
   * Facts beyond the usual ones that this rule's options need (they cost extra calls, so they
   * are read only when a policy rule asks). Absent: the usual facts suffice.
   */
  needs?(options: z.infer<z.ZodObject<Options>>): Partial<FactNeeds>;
  /**
   * Pure: judges one clone (a creation rule) or one added grant (a sharing rule, `ShareRuleInput`).
   * Never calls AWS; unknown facts become `unknowns`, not violations.
   */
  evaluate(options: z.infer<z.ZodObject<Options>>, input: Input): RuleOutcome;
}

/** Declares a rule type with its options' types inferred from their schema. */
export function defineRule<Options extends z.ZodRawShape, Input extends FamilyRuleInput = RuleInput>(
  rule: RuleType<Options, Input>,
): RuleType<Options, Input> {
  return rule;
}
