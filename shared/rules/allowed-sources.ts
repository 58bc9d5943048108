import * as z from 'zod/mini';
import { compileArnGlob } from '../model/arn-glob.js';
import { CREATION_RULE_ACTIONS, type RuleOutcome, type SourceKind } from '../model/types.js';
import { principalGlob } from './option-fields.js';
import { defineRule } from './rule-type.js';

const SOURCE_KINDS = ['instance', 'volume', 'image', 'snapshot'] as const satisfies readonly SourceKind[];

const tagKey = () => z.string().check(z.minLength(1), z.maxLength(128));
const tagValues = () =>
  z
    .array(z.string().check(z.maxLength(256)))
    .check(z.minLength(1, { error: 'list at least one allowed value' }));

const options = () => ({
  /** Label key → the values the source may carry; the source must carry one listed value of each key. */
  sourceTags: z.record(tagKey(), tagValues()).check(
    z.refine((tags) => Object.keys(tags).length > 0, {
      error: 'name at least one label, e.g. { DataClass: [public, internal] }',
    }),
  ),
  /** The kinds of source that may be cloned at all; all four when left out. */
  sourceKinds: z.optional(
    z.array(z.enum(SOURCE_KINDS)).check(z.minLength(1, { error: 'list at least one source kind' })),
  ),
  /** Callers (ARN globs) that may clone any source, e.g. the AWS Backup role that backs up everything. */
  allowPrincipals: z._default(z.array(principalGlob()), []),
});

/**
 * Limits the kinds of workloads that are cloned, by the source's labels and kind. An allow-list
 * refuses what it cannot see: a source without the label, one that cannot be read, or one the
 * record does not name is refused, so removing a label (or the source) never opens the door.
 * The labels are set by whoever may tag the source, so this rule states intent and catches
 * mistakes; it is no barrier against someone who may tag the source (docs/policy.md).
 */
export const allowedSourcesRule = defineRule({
  type: 'allowed-sources',
  family: 'creation',
  actions: CREATION_RULE_ACTIONS,
  summary:
    'Only sources carrying one of the allowed values of each label in sourceTags (and of a kind in sourceKinds) may be cloned; a source without the label is refused.',
  options,
  fixHint: (ids) =>
    `The source may not be cloned under this policy (its kind or labels are not allowed). Delete ${ids}; if the workload may be cloned, ask the security team to label its source accordingly.`,
  example: {
    id: 'clone-only-approved-workloads',
    type: 'allowed-sources',
    severity: 'high',
    action: 'quarantine',
    sourceTags: { DataClass: ['public', 'internal'] },
    sourceKinds: ['instance', 'volume', 'image', 'snapshot'],
  },
  evaluate(opts, input) {
    if (opts.allowPrincipals.some((glob) => compileArnGlob(glob)(input.event.principal.arn))) {
      return { violations: [] };
    }
    const source = input.facts.source;
    const ref = source ?? input.event.source;
    if (!ref) {
      return {
        violations: ['the record does not name the source: it cannot be shown to be an allowed workload'],
      };
    }
    if (opts.sourceKinds && !opts.sourceKinds.includes(ref.kind)) {
      return {
        violations: [
          `source ${ref.kind} ${ref.id} may not be cloned: only ${opts.sourceKinds.join(', ')} may be`,
        ],
      };
    }
    if (!source?.found) {
      return {
        violations: [
          `source ${ref.kind} ${ref.id} could not be read (deleted, or in another account): its labels cannot be shown`,
        ],
      };
    }
    const outcome: RuleOutcome & { sourceLabels: Record<string, string> } = {
      violations: [],
      sourceLabels: {},
    };
    for (const [key, allowed] of Object.entries(opts.sourceTags)) {
      const value = Object.hasOwn(source.tags, key) ? source.tags[key] : undefined;
      if (value === undefined) {
        outcome.violations.push(`source ${source.id} has no ${key} label (allowed: ${allowed.join(', ')})`);
        continue;
      }
      outcome.sourceLabels[key] = value;
      if (!allowed.includes(value)) {
        outcome.violations.push(
          `source ${source.id} is labelled ${key}=${value}; allowed: ${allowed.join(', ')}`,
        );
      }
    }
    return outcome;
  },
});
