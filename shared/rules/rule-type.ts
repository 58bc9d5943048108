import type { z } from 'zod';
import type {
  EventFamily,
  FactNeeds,
  RestoreRuleInput,
  RuleAction,
  RuleInput,
  RuleOutcome,
  ShareRuleInput,
} from '../model/types.js';

/**
 * What a rule judges: one clone at birth (`RuleInput`), one added grant (`ShareRuleInput`) or
 * one restore of a clone (`RestoreRuleInput`).
 */
export type FamilyRuleInput = RuleInput | ShareRuleInput | RestoreRuleInput;
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
   * The tag keys the rule requires, for rules that label clones: an image's disks (its backing
   * snapshots) carry the image's values of them, so that cost allocation by tag sees the disks.
   */
  labelKeys?(options: z.infer<z.ZodObject<Options>>): string[];
  /**
   * Pure: judges one clone (a creation rule), one added grant (a sharing rule, `ShareRuleInput`)
   * or one restore (a restoring rule, `RestoreRuleInput`). Never calls AWS; unknown facts become
   * `unknowns`, not violations.
   */
  evaluate(options: z.infer<z.ZodObject<Options>>, input: Input): RuleOutcome;
}

/** A rule type as its file declares it: its option fields built by a function, on first use. */
export interface RuleDefinition<Options extends z.ZodRawShape, Input extends FamilyRuleInput>
  extends Omit<RuleType<Options, Input>, 'options'> {
  /** Builds the rule's own option fields (see {@link RuleType.options}). */
  options(): Options;
}

/**
 * Declares a rule type with its options' types inferred from their schema. The option schemas
 * are built the first time `options` is read, when a policy is validated: the engine never reads
 * them, so the functions' cold start does not pay for every rule type's schemas.
 */
export function defineRule<Options extends z.ZodRawShape, Input extends FamilyRuleInput = RuleInput>(
  definition: RuleDefinition<Options, Input>,
): RuleType<Options, Input> {
  const { options: buildOptions, ...rule } = definition;
  let options: Options | undefined;
  return {
    ...rule,
    get options() {
      options ??= buildOptions();
      return options;
    },
  };
}
