import { type CloneLedger, changeLedgerItem, recordNewItem } from '../aws/clone-ledger.js';
import type { RecordShares } from '../aws/ec2-clone-actions.js';
import { shareToken, TAG } from '../model/clonewarden-tags.js';
import {
  type LedgerChange,
  type LedgerItem,
  type LedgerStatus,
  ledgerPartition,
  trustOnFirstUse,
} from '../model/ledger-item.js';
import type { CloneEvent, CloneFact, CloneFacts, Verdict } from '../model/types.js';

/** How a creation verdict came about: enforce saw the call, or reconcile rebuilt it. */
export type BirthOrigin = 'event' | 'reconcile';

/**
 * The ledger items a creation verdict records, one per new clone (an image's disks are listed
 * on it): status and rule ids as the verdict decided them, lineage as the engine resolved it
 * from the creation event, so that writing them needs no read.
 */
export function birthItems(event: CloneEvent, verdict: Verdict, facts: CloneFacts, origin: BirthOrigin) {
  return facts.clones.map((clone): LedgerItem => {
    const tagged = verdict.actions.find((a) => a.type === 'tag' && a.target === clone.id);
    const status = ((tagged?.type === 'tag' && tagged.tags[TAG.status]) || 'compliant') as LedgerStatus;
    const lineage = verdict.lineage?.[clone.id];
    const ruleIds = status === 'exempt' ? [] : markingRules(verdict, clone.id);
    const createdBy = event.principal.callerArn ?? event.principal.arn;
    return {
      pk: ledgerPartition(event.account, clone.region),
      id: clone.id,
      account: event.account,
      region: clone.region,
      kind: clone.kind,
      version: 1,
      status,
      lineage: {
        source: lineage?.source ?? 'unknown',
        parent: lineage?.parent ?? 'unknown',
        root: lineage?.root ?? 'unknown',
        generation: lineage?.generation ?? 1,
      },
      createdBy: createdBy || event.principal.display,
      createdAt: event.eventTime,
      eventId: event.eventId,
      origin,
      ruleIds,
      quarantineShares: [],
      backingSnapshotIds: clone.backingSnapshotIds,
      history: [
        { at: event.eventTime, status, eventId: event.eventId, ...(createdBy ? { by: createdBy } : {}) },
      ],
    };
  });
}

/**
 * Writes the birth items, never over a newer item: a retry of the same event finds its own item
 * and goes on; an item another event wrote first is kept, and said so.
 */
export async function recordBirths(ledger: CloneLedger, items: readonly LedgerItem[]): Promise<string[]> {
  const notes: string[] = [];
  for (const item of items) {
    const stored = await recordNewItem(ledger, item);
    if (stored.eventId !== item.eventId) {
      notes.push(`${item.id}: the ledger already held it from ${stored.eventId}; its item was kept`);
    }
  }
  return notes;
}

/**
 * Records shares quarantine is about to remove on the clone's item (a disk's as `snap-…:u=…`),
 * before they are removed: a crash after removal still knows what to give back. A retry adds
 * nothing twice, and an item that moved on (released meanwhile) is left alone.
 */
export function sharesRecorder(
  ledger: CloneLedger,
  item: { account: string; region: string; id: string },
  cause: { eventId: string; at: string },
  diskId?: string,
): RecordShares {
  return async (shares) => {
    const tokens = shares.map((share) => (diskId ? `${diskId}:${shareToken(share)}` : shareToken(share)));
    await changeLedgerItem(ledger, item, (stored) => {
      const fresh = tokens.filter((token) => !stored.quarantineShares.includes(token));
      if (fresh.length === 0 || stored.status !== 'quarantined') return undefined;
      return {
        ...cause,
        set: { quarantineShares: [...stored.quarantineShares, ...fresh] },
      };
    });
  };
}

/** The rule ids a verdict marks the clone with: those whose action does more than report. */
function markingRules(verdict: Verdict, cloneId: string): string[] {
  const marking = verdict.violations.filter((v) => v.resource === cloneId && v.action !== 'report');
  return [...new Set(marking.map((v) => v.rule))];
}

/**
 * Moves an existing clone's item to `quarantined`, with the verdict's rule ids added to those it
 * held, before a quarantine that did not come with the clone's birth (a share that broke a rule
 * asking for it): release gives back only what the item records, and the shares the quarantine
 * removes are recorded on it. A clone the ledger does not hold yet is taken in from its tags
 * first (trust on first use). A retry finds the change made and writes nothing. Returns the item.
 */
export async function recordQuarantine(
  ledger: CloneLedger,
  verdict: Verdict,
  clone: CloneFact,
): Promise<LedgerItem> {
  const key = { account: verdict.account, region: clone.region, id: clone.id };
  const by = verdict.principal?.callerArn ?? verdict.principal?.arn;
  const at = new Date().toISOString();
  const ruleIds = markingRules(verdict, clone.id);
  const decide = (stored: LedgerItem): LedgerChange | undefined => {
    const held = [...new Set([...stored.ruleIds, ...ruleIds])];
    if (stored.status === 'quarantined' && held.length === stored.ruleIds.length) return undefined;
    const cause = { eventId: verdict.eventId, at, ...(by ? { by } : {}) };
    return {
      ...cause,
      status: 'quarantined',
      note: `quarantined (${verdict.eventName})`,
      set: { ruleIds: held },
    };
  };
  const changed = await changeLedgerItem(ledger, key, decide);
  if (changed) return changed;
  const { kind, tags, backingSnapshotIds, createdAt } = clone;
  const tagged = { ...key, kind, tags, backingSnapshotIds, ...(createdAt ? { createdAt } : {}) };
  await recordNewItem(ledger, trustOnFirstUse(tagged, at));
  // Found now: written just above, or by another writer that came first.
  return (await changeLedgerItem(ledger, key, decide))!;
}
