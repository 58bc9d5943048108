import type { GovernedEvent, Verdict } from '../model/types.js';
import type { EnforceContext } from './enforce-context.js';
import { enforceCreation } from './families/creation.js';
import { enforceSharing } from './families/sharing.js';

type FamilyPipeline<Family extends GovernedEvent['family']> = (
  event: Extract<GovernedEvent, { family: Family }>,
  context: EnforceContext,
) => Promise<Verdict>;

/**
 * How each event family is enforced once its record is parsed, one file each under `families/`:
 * a family added to `shared/events/event-table.ts` adds its pipeline here, and
 * `enforceRecord` dispatches on `event.family` without a branch of its own.
 */
export const FAMILY_PIPELINES: { readonly [Family in GovernedEvent['family']]: FamilyPipeline<Family> } = {
  creation: enforceCreation,
  sharing: enforceSharing,
};
