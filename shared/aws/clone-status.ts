import { TAG } from '../model/clonewarden-tags.js';

/**
 * Where a clone's status (`quarantined`, `violation`, `exempt`, …) is read. Today it is the
 * `clonewarden:status` tag the enforcer writes (and the deny policy keeps developers from
 * changing); a ledger of verdicts may become the source of truth, and then only this reader
 * changes. Its answer only ever restricts: a status never grants anything.
 */
export interface CloneStatusReader {
  statusOf(clone: { id: string; tags: Record<string, string> }): Promise<string | undefined>;
}

/** Reads the status from the clone's `clonewarden:status` tag. */
export const TAG_CLONE_STATUS: CloneStatusReader = {
  statusOf: async (clone) => clone.tags[TAG.status],
};
