import { describe, expect, it } from 'vitest';
import { recordQuarantine } from '../../shared/actions/ledger-record.js';
import type { CloneFact } from '../../shared/model/types.js';
import { MemoryLedger } from '../support/memory-ledger.js';
import { aVerdict, aViolation, IMAGE_ID, SNAPSHOT_ID } from '../support/verdict.js';

const KEY = { account: '111122223333', region: 'us-east-1', id: IMAGE_ID };

/** A share that broke a rule asking for quarantine (the sharing family's verdict). */
const shareVerdict = () =>
  aVerdict({
    eventName: 'ModifyImageAttribute',
    status: 'quarantined',
    violations: [
      aViolation({ rule: 'no-public', ruleType: 'allowed-sharing', action: 'quarantine' }),
      aViolation({ rule: 'just-say-so', ruleType: 'allowed-sharing', action: 'report' }),
    ],
  });

const clone = (tags: Record<string, string> = {}): CloneFact => ({
  kind: 'image',
  id: IMAGE_ID,
  region: 'us-east-1',
  tags,
  backingSnapshotIds: [SNAPSHOT_ID],
});

describe('Actions: recordQuarantine', () => {
  it("moves a held clone's item to quarantined, adding the rules that ask for more than a report", async () => {
    // Prepare
    const ledger = new MemoryLedger();
    ledger.seed(KEY, { status: 'violation', ruleIds: ['labels'] });

    // Act
    const item = await recordQuarantine(ledger, shareVerdict(), clone());

    // Assess
    expect(item).toMatchObject({ status: 'quarantined', version: 2, ruleIds: ['labels', 'no-public'] });
    expect(item.history.at(-1)).toMatchObject({
      status: 'quarantined',
      eventId: shareVerdict().eventId,
      by: 'arn:aws:sts::111122223333:assumed-role/Developer/jane@example.com',
      note: 'quarantined (ModifyImageAttribute)',
    });
    expect(await ledger.get(KEY)).toEqual(item);
  });

  it('writes nothing on a retry that finds the change made', async () => {
    // Prepare
    const journal: string[] = [];
    const ledger = new MemoryLedger(journal);
    ledger.seed(KEY, { status: 'compliant' });
    await recordQuarantine(ledger, shareVerdict(), clone());
    journal.length = 0;

    // Act
    const item = await recordQuarantine(ledger, shareVerdict(), clone());

    // Assess
    expect(item.version).toBe(2);
    expect(journal).toEqual([`ledger get ${IMAGE_ID}`]);
  });

  it('takes in a clone the ledger does not hold from its tags (trust on first use), then quarantines it', async () => {
    // Prepare
    const ledger = new MemoryLedger();
    const tags = { 'clonewarden:status': 'violation', 'clonewarden:root': 'ami-0fedcba9876543210' };

    // Act
    const item = await recordQuarantine(ledger, shareVerdict(), clone(tags));

    // Assess
    expect(item).toMatchObject({
      origin: 'trust-on-first-use',
      status: 'quarantined',
      version: 2,
      ruleIds: ['no-public'],
      backingSnapshotIds: [SNAPSHOT_ID],
      lineage: { root: 'ami-0fedcba9876543210' },
    });
    expect(item.history.map((entry) => entry.status)).toEqual(['violation', 'quarantined']);
  });
});
