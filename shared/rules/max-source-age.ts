import { CREATION_RULE_ACTIONS } from '../model/types.js';
import { positiveInteger } from './option-fields.js';
import { defineRule } from './rule-type.js';

const DAY_MS = 86_400_000;

const options = () => ({
  /** The oldest a source image or snapshot may be, in days. */
  days: positiveInteger(),
});

/**
 * The image or snapshot being copied (CopyImage, CopySnapshot, RegisterImage) is not older than
 * `days`. Instance and volume sources pass: their disks have lived (and been patched) since launch,
 * so the age of the AMI or snapshot they started from says nothing about what is captured now,
 * and the facts carry no creation date for that origin anyway.
 */
export const maxSourceAgeRule = defineRule({
  type: 'max-source-age',
  family: 'creation',
  actions: CREATION_RULE_ACTIONS,
  summary:
    'The source image or snapshot of a copy must not be older than days (old clones bring back old vulnerabilities).',
  options,
  fixHint: (ids) =>
    `The source is older than the policy allows and may bring back fixed vulnerabilities. Clone from a recent, patched image or snapshot instead of ${ids}.`,
  example: { id: 'fresh-source', type: 'max-source-age', severity: 'medium', action: 'report', days: 180 },
  evaluate(opts, input) {
    const { source } = input.facts;
    const sourceKind = source?.kind ?? input.event.source?.kind;
    if (sourceKind === 'instance' || sourceKind === 'volume') return { violations: [] };
    const sourceId = source?.id ?? input.event.source?.id ?? 'unknown';
    if (!source?.found) {
      return { violations: [], unknowns: [`source ${sourceId} could not be read: its age was not checked`] };
    }
    if (source.kind !== 'image' && source.kind !== 'snapshot') return { violations: [] };
    const created = source.createdAt === undefined ? Number.NaN : Date.parse(source.createdAt);
    if (Number.isNaN(created)) {
      return {
        violations: [],
        unknowns: [`creation date of source ${source.id} is unknown: its age was not checked`],
      };
    }
    const ageMs = input.now.getTime() - created;
    if (ageMs <= opts.days * DAY_MS) return { violations: [] };
    const ageDays = Math.floor(ageMs / DAY_MS);
    return {
      violations: [
        `source ${source.id} is ${ageDays} days old (created ${source.createdAt}), more than the maximum of ${opts.days}`,
      ],
    };
  },
});
