import type { CloneLedger } from '../aws/clone-ledger.js';
import { TAG_PREFIX } from '../model/clonewarden-tags.js';
import { mirrorTags, tagsDisagreeing } from '../model/ledger-item.js';
import type { CloneEvent, CloneFacts } from '../model/types.js';

/** The clone a new clone descends from, when there is one to look up: a copy's source, or the origin. */
function parentClone(event: CloneEvent, facts: CloneFacts) {
  const source = event.source;
  if (source && (source.kind === 'image' || source.kind === 'snapshot')) {
    return facts.source?.found
      ? { id: source.id, region: source.region, where: 'source' as const }
      : undefined;
  }
  return facts.origin?.found
    ? { id: facts.origin.id, region: event.region, where: 'origin' as const }
    : undefined;
}

/** The facts with the parent's lineage tags replaced by the ledger's, and what that showed. */
export interface LedgerLineage {
  facts: CloneFacts;
  evidence: string[];
}

/**
 * A new clone's lineage comes from its parent's ledger item, not its tags: the parent's
 * `clonewarden:` tags are replaced by the item's mirror before the engine reads them, and a
 * disagreement is named as tampering (the ledger wins). One GetItem, and only when the clone has
 * a parent clone: a clone of an instance launched from no clone, or of a fresh volume, needs no
 * read. A parent the ledger does not hold keeps its tags, believed as trust on first use.
 */
export async function lineageFromLedger(
  event: CloneEvent,
  facts: CloneFacts,
  ledger: CloneLedger | undefined,
): Promise<LedgerLineage> {
  const parent = parentClone(event, facts);
  if (!ledger || !parent) return { facts, evidence: [] };
  const item = await ledger.get({ account: event.account, region: parent.region, id: parent.id });
  const current = parent.where === 'source' ? facts.source!.tags : facts.origin!.tags;
  if (!item) {
    const tagged = Object.keys(current).some((key) => key.startsWith(TAG_PREFIX));
    return {
      facts,
      evidence: tagged
        ? [
            `the ledger has no item for ${parent.id}: its clonewarden: tags were believed (trust on first use)`,
          ]
        : [],
    };
  }
  const disagreements = tagsDisagreeing(item, current, parent.id);
  const evidence = disagreements.map(
    ({ key, found, expected }) =>
      `tampering: ${parent.id}'s ${key} tag says ${found ?? '(removed)'}, the ledger ${expected ?? '(none)'}; the ledger wins`,
  );
  const tags = { ...withoutOwnTags(current), ...mirrorTags(item, parent.id) };
  const replaced: CloneFacts =
    parent.where === 'source'
      ? { ...facts, source: { ...facts.source!, tags } }
      : { ...facts, origin: { ...facts.origin!, tags } };
  return { facts: replaced, evidence: [`${parent.id}'s lineage is read from the ledger`, ...evidence] };
}

function withoutOwnTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !key.startsWith(TAG_PREFIX)));
}
