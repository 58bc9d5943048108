import * as z from 'zod/mini';
import { RESTORE_RULE_ACTIONS, type RestoreRuleInput, type RuleOutcome } from '../model/types.js';
import { positiveInteger } from './option-fields.js';
import { defineRule } from './rule-type.js';

const DAY_MS = 86_400_000;

/** What may make a clone unfit to restore. */
const RESTORE_REFUSALS = ['quarantined', 'deprecated', 'disabled', 'inconsistent-capture'] as const;
type Refusal = (typeof RESTORE_REFUSALS)[number];

const options = () => ({
  /** The clones that may not be restored; all four when absent. */
  refuse: z._default(
    z.array(z.enum(RESTORE_REFUSALS)).check(
      z.minLength(1, {
        error: `list at least one of ${RESTORE_REFUSALS.join(', ')}, or leave refuse out for all`,
      }),
    ),
    () => [...RESTORE_REFUSALS],
  ),
  /** The oldest a clone may be, in days, to be restored: an old clone brings back old software. */
  maxSourceAgeDays: z.optional(positiveInteger()),
});

/** Each refusal: whether the clone is refused for it, and the message when it is. */
const REFUSAL_CHECKS: Readonly<Record<Refusal, (input: RestoreRuleInput) => string | undefined>> = {
  quarantined: ({ clone, birth }) =>
    birth.quarantined ? `${clone.id} is quarantined by clonewarden` : undefined,
  deprecated: ({ clone }) => (clone.deprecated ? `${clone.id} is deprecated` : undefined),
  disabled: ({ clone }) => (clone.state === 'disabled' ? `${clone.id} is disabled` : undefined),
  'inconsistent-capture': ({ clone, birth }) =>
    birth.inconsistentCapture.length > 0
      ? `${clone.id} was captured from a running machine (rule ${birth.inconsistentCapture.join(', ')}): its file system may not be clean and replicated data may be stale`
      : undefined,
};

/**
 * A restore (RunInstances from an image, CreateVolume from a snapshot) brings a clone back to
 * life with everything on it: a quarantined or deprecated clone, or one captured while its
 * machine was running, should not come back unnoticed.
 */
export const allowedRestoreRule = defineRule({
  type: 'allowed-restore',
  family: 'restoring',
  actions: RESTORE_RULE_ACTIONS,
  summary:
    'Instances and volumes may be restored only from clones that are not quarantined, deprecated, disabled, captured inconsistently or older than maxSourceAgeDays.',
  options,
  fixHint: (ids) =>
    `Restore from a current, compliant clone instead of ${ids}. If the clone was captured from a running machine, check the file system (fsck, chkdsk) and resync replicated data (database replicas, cluster members) from a healthy peer before putting what was restored to use.`,
  example: {
    id: 'restore-only-good-clones',
    type: 'allowed-restore',
    severity: 'high',
    action: 'tag',
    refuse: [...RESTORE_REFUSALS],
    maxSourceAgeDays: 180,
  },
  evaluate(opts, input: RestoreRuleInput): RuleOutcome {
    const violations = opts.refuse.flatMap((refusal) => REFUSAL_CHECKS[refusal](input) ?? []);
    if (opts.maxSourceAgeDays === undefined) return { violations };
    const { clone, now } = input;
    const created = clone.createdAt === undefined ? Number.NaN : Date.parse(clone.createdAt);
    if (Number.isNaN(created)) {
      return { violations, unknowns: [`creation date of ${clone.id} is unknown: its age was not checked`] };
    }
    const ageDays = Math.floor((now.getTime() - created) / DAY_MS);
    if (now.getTime() - created > opts.maxSourceAgeDays * DAY_MS) {
      violations.push(
        `${clone.id} is ${ageDays} days old (created ${clone.createdAt}), more than the maximum of ${opts.maxSourceAgeDays}: it brings back old software`,
      );
    }
    return { violations };
  },
});
