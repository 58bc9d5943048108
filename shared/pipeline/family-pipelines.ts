import type { GovernedEvent, Verdict } from '../model/types.js';
import type { EnforceContext } from './enforce-context.js';
import { enforceCreation } from './families/creation.js';

type FamilyPipeline<Family extends GovernedEvent['family']> = (
  event: Extract<GovernedEvent, { family: Family }>,
  context: EnforceContext,
) => Promise<Verdict>;

/**
 * How each event family is enforced once its record is parsed, one file each under `families/`:
 * a family added to `shared/events/event-table.ts` adds its pipeline here, and
 * `enforceRecord` dispatches on `event.family` without a branch of its own.
 *
 * Creation (CreateImage, CopySnapshot, …: most events) is bundled with the handler; the other
 * families, with their engines, are loaded on their first event in a container, so that they
 * are not parsed on every cold start (bench/bundle-import.ts).
 */
export const FAMILY_PIPELINES: {
  readonly [Family in GovernedEvent['family']]: () => Promise<FamilyPipeline<Family>>;
} = {
  creation: async () => enforceCreation,
  sharing: async () => (await import('./families/sharing.js')).enforceSharing,
  restoring: async () => (await import('./families/restoring.js')).enforceRestoring,
  'state-change': async () => (await import('./families/state-change.js')).enforceStateChange,
  tampering: async () => (await import('./families/tampering.js')).enforceTampering,
};

type FamilyScreen<Family extends GovernedEvent['family']> = (
  event: Extract<GovernedEvent, { family: Family }>,
  context: EnforceContext,
) => Promise<Verdict | undefined>;

/**
 * Families that can tell from a read, before the idempotency store is asked, that an event needs
 * nothing done (`screenRecord`): a screen returns that `skipped` verdict, or `undefined` to go on.
 */
export const FAMILY_SCREENS: {
  readonly [Family in GovernedEvent['family']]?: () => Promise<FamilyScreen<Family>>;
} = {
  restoring: async () => (await import('./families/restoring.js')).screenRestoring,
};
