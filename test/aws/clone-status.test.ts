import { describe, expect, it } from 'vitest';
import { LedgerCloneStatus, TAG_CLONE_STATUS } from '../../shared/aws/clone-status.js';
import { MemoryLedger } from '../support/memory-ledger.js';

const KEY = { account: '111122223333', region: 'eu-west-1', id: 'ami-0123456789abcdef0' };
const tagged = (status: string) => ({ ...KEY, tags: { 'clonewarden:status': status, Team: 'web' } });

describe('AWS: the clone status readers', () => {
  it('reads the clonewarden:status tag without a ledger', async () => {
    // Act & Assess
    expect(await TAG_CLONE_STATUS.statusOf(tagged('quarantined'))).toBe('quarantined');
    expect(await TAG_CLONE_STATUS.statusOf({ ...KEY, tags: {} })).toBeUndefined();
  });

  it("holds a clone quarantined by the ledger even when its status tag was rewritten to 'compliant'", async () => {
    // Prepare
    const ledger = new MemoryLedger();
    ledger.seed(KEY, { status: 'quarantined' });

    // Act
    const status = await new LedgerCloneStatus(ledger).statusOf(tagged('compliant'));

    // Assess
    expect(status).toBe('quarantined');
  });

  it('believes the ledger over a status tag that says more than it does', async () => {
    // Prepare
    const ledger = new MemoryLedger();
    ledger.seed(KEY, { status: 'exempt' });

    // Act
    const status = await new LedgerCloneStatus(ledger).statusOf(tagged('quarantined'));

    // Assess
    expect(status).toBe('exempt');
  });

  it('falls back to the tag for a clone the ledger does not hold (trust on first use), and writes nothing', async () => {
    // Prepare
    const journal: string[] = [];
    const ledger = new MemoryLedger(journal);

    // Act
    const status = await new LedgerCloneStatus(ledger).statusOf(tagged('quarantined'));

    // Assess
    expect(status).toBe('quarantined');
    expect(journal).toEqual([`ledger get ${KEY.id}`]);
    expect(ledger.items.size).toBe(0);
  });

  it("looks the clone up under its owner's account and its own region", async () => {
    // Prepare: the same id held in another account and another region only.
    const ledger = new MemoryLedger();
    ledger.seed({ ...KEY, account: '444455556666' }, { status: 'quarantined' });
    ledger.seed({ ...KEY, region: 'us-east-1' }, { status: 'quarantined' });

    // Act
    const status = await new LedgerCloneStatus(ledger).statusOf({ ...KEY, tags: {} });

    // Assess
    expect(status).toBeUndefined();
  });
});
