import { describe, expect, it } from 'vitest';
import { openViolation } from '../../shared/audit/clone-finding.js';
import { readEstateScope } from '../../shared/audit/read-estate.js';
import type { LedgerRegionReader } from '../../shared/aws/clone-ledger-query.js';
import type { CloneListing } from '../../shared/aws/clone-listing.js';
import type { CloneShareReader } from '../../shared/aws/clone-shares.js';
import type { CloneRecord } from '../../shared/model/clone-record.js';
import { type LedgerItem, trustOnFirstUse } from '../../shared/model/ledger-item.js';
import { parsePolicy } from '../../shared/policy/load-policy.js';

const record = (kind: 'image' | 'snapshot', id: string, extra: Partial<CloneRecord> = {}): CloneRecord => ({
  kind,
  id,
  region: 'eu-west-1',
  sizeGiB: 8,
  tags: { Name: `name of ${id}` },
  backingSnapshotIds: [],
  ...extra,
});

function listingOf(images: CloneRecord[], snapshots: CloneRecord[]): CloneListing {
  return {
    async *images() {
      yield images;
    },
    async *snapshots() {
      yield snapshots.slice(0, 1);
      yield snapshots.slice(1);
    },
  };
}

describe('readEstateScope', () => {
  it('turns listed clones into report records, with shares looked up images first within the budget', async () => {
    // Prepare
    const looked: string[] = [];
    const shares: CloneShareReader = {
      async shares(_region, _kind, id) {
        looked.push(id);
        return id === 'ami-00000001'
          ? [
              { kind: 'group', value: 'all' },
              { kind: 'account', value: '999988887777' },
            ]
          : [];
      },
    };
    const listing = listingOf(
      [
        record('image', 'ami-00000001', {
          ownerId: '111122223333',
          name: 'golden',
          backingSnapshotIds: ['snap-00000001'],
        }),
      ],
      [record('snapshot', 'snap-00000001'), record('snapshot', 'snap-00000002')],
    );

    // Act
    const reading = await readEstateScope(
      { listing, shares },
      { account: '111122223333', region: 'eu-west-1' },
      { shareChecks: 2, concurrency: 2 },
    );

    // Assess
    expect(looked.sort()).toEqual(['ami-00000001', 'snap-00000001']);
    expect(reading).toMatchObject({ sharesChecked: 2, sharesUnchecked: 1 });
    expect(reading.records[0]).toMatchObject({
      kind: 'image',
      account: '111122223333',
      name: 'golden',
      backingSnapshotIds: ['snap-00000001'],
      shares: { public: true, accounts: ['999988887777'] },
    });
    expect(reading.records[1]).toMatchObject({
      name: 'name of snap-00000001',
      shares: { public: false, accounts: [] },
    });
    expect(reading.records[1]!.sharesUnchecked).toBeUndefined();
    expect(reading.records[2]).toMatchObject({ id: 'snap-00000002', sharesUnchecked: true });
  });

  it('keeps an image shared with an organization or OU, and names the account of an organization-mode scope', async () => {
    // Prepare
    const org = 'arn:aws:organizations::111111111111:organization/o-abcdefghij';
    const ou = 'arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-cdefgh34';
    const shares: CloneShareReader = {
      async shares() {
        return [
          { kind: 'organization', value: org },
          { kind: 'organizational-unit', value: ou },
        ];
      },
    };

    // Act
    const reading = await readEstateScope(
      { listing: listingOf([record('image', 'ami-00000001')], []), shares },
      { account: '111122223333', region: 'eu-west-1', accountName: 'payments-prod' },
      { shareChecks: 10, concurrency: 1 },
    );

    // Assess
    expect(reading.records[0]).toMatchObject({
      account: '111122223333',
      accountName: 'payments-prod',
      shares: { public: false, accounts: [], organizations: [org], organizationalUnits: [ou] },
    });
  });
});

describe('readEstateScope with the ledger', () => {
  const ACCOUNT = '111122223333';
  const REGION = 'eu-west-1';
  const item = (id: string, overrides: Partial<LedgerItem>): LedgerItem => ({
    ...trustOnFirstUse(
      { account: ACCOUNT, region: REGION, id, kind: 'image', tags: {}, backingSnapshotIds: [] },
      '2026-01-01T00:00:00.000Z',
    ),
    ...overrides,
  });

  it("reads statuses and violations from the ledger, one Query per region; a disk takes its image's; tags only for clones it does not hold", async () => {
    // Prepare: a developer rewrote the quarantined image's and its disk's tags.
    const forged = { Name: 'golden', 'clonewarden:status': 'compliant', 'clonewarden:violations': '' };
    const listing = listingOf(
      [record('image', 'ami-00000001', { tags: forged, backingSnapshotIds: ['snap-00000001'] })],
      [
        record('snapshot', 'snap-00000001', { tags: { 'clonewarden:status': 'exempt' } }),
        record('snapshot', 'snap-00000002', { tags: { 'clonewarden:status': 'violation' } }),
      ],
    );
    const queried: string[] = [];
    const ledger: LedgerRegionReader = async function* (account, region) {
      queried.push(`${account}#${region}`);
      yield [
        item('ami-00000001', {
          status: 'quarantined',
          ruleIds: ['no-public-sharing'],
          backingSnapshotIds: ['snap-00000001'],
        }),
      ];
    };
    const policy = parsePolicy(
      'version: 1\nrules:\n  - id: no-public-sharing\n    type: allowed-sharing\n    severity: critical\n    action: quarantine\n    accounts: []\n',
    );

    // Act
    const reading = await readEstateScope(
      { listing, shares: { shares: async () => [] }, ledger },
      { account: ACCOUNT, region: REGION },
      { shareChecks: 0, concurrency: 1 },
    );
    const [image, disk, loose] = reading.records;

    // Assess
    expect(queried).toEqual([`${ACCOUNT}#${REGION}`]);
    expect(image!.tags).toMatchObject({ Name: 'golden', 'clonewarden:status': 'quarantined' });
    expect(openViolation(image!, policy)).toEqual({
      ruleIds: ['no-public-sharing'],
      severity: 'critical',
      quarantined: true,
    });
    expect(disk!.tags['clonewarden:status']).toBe('quarantined');
    expect(loose!.tags['clonewarden:status']).toBe('violation');
  });

  it('without the ledger, the audit reads the tags as found', async () => {
    // Prepare
    const listing = listingOf(
      [record('image', 'ami-00000001', { tags: { 'clonewarden:status': 'compliant' } })],
      [],
    );

    // Act
    const reading = await readEstateScope(
      { listing, shares: { shares: async () => [] } },
      { account: ACCOUNT, region: REGION },
      { shareChecks: 0, concurrency: 1 },
    );

    // Assess
    expect(reading.records[0]!.tags['clonewarden:status']).toBe('compliant');
  });
});
