import * as z from 'zod/mini';
import { CREATION_RULE_ACTIONS, type RuleInput } from '../model/types.js';
import { parseIsoDate, positiveInteger } from './option-fields.js';
import { defineRule } from './rule-type.js';

const DAY_MS = 86_400_000;

/** Why `pattern` is not a valid JavaScript regular expression, or `undefined` when it is. */
function regExpProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (error) {
    // V8 says "Invalid regular expression: /(/: Unterminated group"; keep the reason only.
    return (error as Error).message.split(': ').pop();
  }
}

/** What one required tag's value must look like; `{}` means "present, any non-empty value". */
const tagSpec = () =>
  z
    .strictObject({
      pattern: z.optional(
        z.string().check(
          z.refine((pattern) => regExpProblem(pattern) === undefined, {
            error: (issue) =>
              `${JSON.stringify(issue.input)} is not a valid regular expression (${regExpProblem(String(issue.input))})`,
          }),
        ),
      ),
      enum: z.optional(
        z.array(z.string()).check(z.minLength(1, { error: 'list at least one allowed value' })),
      ),
      date: z.optional(z.boolean()),
      maxDaysAhead: z.optional(positiveInteger()),
    })
    .check(
      z.refine((spec) => spec.maxDaysAhead === undefined || spec.date === true, {
        error: 'maxDaysAhead only applies to dates; add date: true',
        path: ['maxDaysAhead'],
      }),
    );

type TagSpec = z.infer<ReturnType<typeof tagSpec>>;

/**
 * Tag keys a policy may require. `aws:` keys are AWS's own (they cannot be set or copied, in
 * any letter case) and `clonewarden:` keys are written by the enforcer, so requiring either
 * would either never pass or let a developer's own tag satisfy an enforcer-owned one.
 */
const tagKey = () =>
  z.string().check(
    z.minLength(1, { error: 'a tag key cannot be empty' }),
    z.maxLength(128, { error: 'a tag key is at most 128 characters' }),
    z.refine((key) => !key.toLowerCase().startsWith('clonewarden:'), {
      error: (issue) =>
        `tag ${String(issue.input)} is in the clonewarden: namespace, which only the enforcer writes; require a key of your own`,
    }),
    z.refine((key) => !key.toLowerCase().startsWith('aws:'), {
      error: (issue) =>
        `tag ${String(issue.input)} is in the aws: namespace, which AWS reserves; it cannot be required`,
    }),
  );

/** Checks one value against its spec: every problem found, each naming the tag and value. */
function checkTagValue(key: string, value: string, spec: TagSpec, now: Date): string[] {
  if (value.trim() === '') return [`tag ${key} is empty`];
  const problems: string[] = [];
  const trimmed = value.trim();
  if (trimmed !== value) problems.push(`tag ${key} has leading/trailing whitespace`);
  // The value is already a violation if padded; checking the trimmed value reports only the
  // other, independent problems instead of repeating the whitespace as a pattern mismatch.
  const shown = `tag ${key}=${trimmed}`;
  if (spec.pattern !== undefined && !new RegExp(spec.pattern).test(trimmed)) {
    problems.push(`${shown} does not match ${spec.pattern}`);
  }
  if (spec.enum !== undefined && !spec.enum.includes(trimmed)) {
    problems.push(`${shown} is not one of ${spec.enum.join(', ')}`);
  }
  if (spec.date) problems.push(...checkDate(shown, trimmed, spec.maxDaysAhead, now));
  return problems;
}

function checkDate(shown: string, value: string, maxDaysAhead: number | undefined, now: Date): string[] {
  const date = parseIsoDate(value);
  if (!date) return [`${shown} is not a date (use YYYY-MM-DD)`];
  if (maxDaysAhead === undefined) return [];
  // A day-only date covers the whole UTC day, so today's date is not yet in the past.
  const reference = date.dateOnly
    ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
    : now.getTime();
  const aheadMs = date.time - reference;
  if (aheadMs < 0) return [`${shown} is in the past`];
  if (aheadMs > maxDaysAhead * DAY_MS) {
    return [
      `${shown} is ${Math.ceil(aheadMs / DAY_MS)} days ahead, more than the maximum of ${maxDaysAhead}`,
    ];
  }
  return [];
}

const options = () => ({
  /** Copy a missing tag from the source (instance, volume, image or snapshot) when its value is valid there. */
  inheritFromSource: z._default(z.boolean(), false),
  tags: z
    .record(tagKey(), tagSpec())
    .check(z.refine((tags) => Object.keys(tags).length > 0, { error: 'list at least one required tag' })),
});

/** Keys present, on the clone, requested at creation or inherited from the source; values well-formed. */
export const requiredTagsRule = defineRule({
  type: 'required-tags',
  family: 'creation',
  actions: CREATION_RULE_ACTIONS,
  summary:
    'Tag keys must be present (on the clone, requested at creation, or inherited from the source) with values matching a pattern, an enum or a date.',
  options,
  fixHint: (ids) =>
    `Add the missing tags, or correct the values the policy rejects, on ${ids} (the violation messages say which).`,
  example: {
    id: 'labels',
    type: 'required-tags',
    severity: 'medium',
    action: 'tag',
    resources: ['image', 'snapshot'],
    inheritFromSource: true,
    tags: {
      Owner: { pattern: '^[a-z0-9._-]+@example\\.com$' },
      CostCenter: { enum: ['cc-100', 'cc-200'] },
      Expiry: { date: true, maxDaysAhead: 90 },
    },
  },
  labelKeys: (opts) => Object.keys(opts.tags),
  evaluate(opts, input) {
    const violations: string[] = [];
    const inheritTags: Record<string, string> = {};
    const requested = input.event.requestedTags[input.clone.kind] ?? {};
    for (const [key, spec] of Object.entries(opts.tags)) {
      const value = input.clone.tags[key] ?? requested[key];
      if (value !== undefined) {
        violations.push(...checkTagValue(key, value, spec, input.now));
        continue;
      }
      if (!opts.inheritFromSource) {
        violations.push(`missing required tag ${key}`);
        continue;
      }
      const inherited = inheritFrom(input, key, spec);
      if (inherited.value !== undefined) inheritTags[key] = inherited.value;
      else violations.push(`missing required tag ${key} (${inherited.why})`);
    }
    return Object.keys(inheritTags).length > 0 ? { violations, inheritTags } : { violations };
  },
});

/**
 * A missing tag can come from the source, but only with a value the policy accepts: copying
 * a bad value would turn one violation into two resources carrying it.
 */
function inheritFrom(input: RuleInput, key: string, spec: TagSpec): { value?: string; why: string } {
  const source = input.facts.source;
  const sourceName = source?.id ?? input.event.source?.id;
  if (!source?.found) {
    return { why: `could not inherit it: source ${sourceName ?? 'unknown'} could not be read` };
  }
  const value = source.tags[key];
  if (value === undefined) return { why: `source ${source.id} does not have it either` };
  const problems = checkTagValue(key, value, spec, input.now);
  if (problems.length > 0) return { why: `not inherited from source ${source.id}: ${problems.join('; ')}` };
  return { value, why: '' };
}
