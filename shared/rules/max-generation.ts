import { CREATION_RULE_ACTIONS, type Lineage } from '../model/types.js';
import { positiveInteger } from './option-fields.js';
import { defineRule } from './rule-type.js';

const options = () => ({
  /** The deepest clone-of-clone allowed: 1 forbids copies of clones. */
  max: positiveInteger(),
});

/** Clone-of-clone depth is at most `max`. */
export const maxGenerationRule = defineRule({
  type: 'max-generation',
  family: 'creation',
  actions: CREATION_RULE_ACTIONS,
  summary: 'Clone-of-clone depth must not exceed max (1 is a clone of an original).',
  options,
  fixHint: (ids) =>
    `${ids} is a copy of a copy, deeper than the policy allows. Clone from the root of its family (see the lineage) instead, and delete this copy if it is not needed.`,
  example: { id: 'clone-depth', type: 'max-generation', severity: 'high', action: 'quarantine', max: 2 },
  evaluate(opts, input) {
    const { generation } = input.lineage;
    if (!Number.isInteger(generation) || generation < 1) {
      return { violations: [], unknowns: [`generation of ${input.clone.id} is unknown: depth not checked`] };
    }
    if (generation <= opts.max) return { violations: [] };
    return {
      violations: [
        `generation ${generation} exceeds the maximum of ${opts.max} (${familyPath(input.lineage, input.clone.id)})`,
      ],
    };
  },
});

/** `root → … → parent → clone`, with `…` standing for the generations in between. */
function familyPath(lineage: Lineage, cloneId: string): string {
  const steps = [lineage.root];
  if (lineage.generation > 2) steps.push('…');
  if (lineage.parent !== lineage.root) steps.push(lineage.parent);
  steps.push(cloneId);
  return steps.join(' → ');
}
