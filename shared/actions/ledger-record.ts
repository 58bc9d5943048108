import { type CloneLedger, changeLedgerItem, recordNewItem } from '../aws/clone-ledger.js';
import type { RecordShares } from '../aws/ec2-clone-actions.js';
import { shareToken, TAG } from '../model/clonewarden-tags.js';
import { type LedgerItem, type LedgerStatus, ledgerPartition } from '../model/ledger-item.js';
import type { CloneEvent, CloneFacts, Verdict } from '../model/types.js';

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
    const ruleIds =
      status === 'exempt'
        ? []
        : [
            ...new Set(
              verdict.violations
                .filter((v) => v.resource === clone.id && v.action !== 'report')
                .map((v) => v.rule),
            ),
          ];
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
