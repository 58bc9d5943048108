import type { LedgerRegionReader } from '../aws/clone-ledger-query.js';
import type { CloneListing } from '../aws/clone-listing.js';
import type { CloneShareReader } from '../aws/clone-shares.js';
import type { CloneRecord } from '../model/clone-record.js';
import type { Share } from '../model/clonewarden-tags.js';
import { forEachConcurrently } from '../model/for-each-concurrently.js';
import { withLedgerTags } from './ledger-tags.js';
import type { EstateRecord } from './report/index.js';

/** One part of the estate: an account in a region. Organisation mode reads many, one call each. */
export interface EstateScope {
  /** The account the clients act in; records carry their own OwnerId when EC2 gives it. */
  account: string;
  region: string;
  /** The account's name in the organization (organization mode). */
  accountName?: string;
}

/** The adapters that read one scope; organisation mode builds one set per account. */
export interface EstateSources {
  listing: CloneListing;
  shares: CloneShareReader;
  /** The ledger (CLONEWARDEN_LEDGER_TABLE): statuses and lineage from it, not from the tags. */
  ledger?: LedgerRegionReader;
}

export interface EstateReadOptions {
  /** Share look-ups at most (one Describe…Attribute call each); images are looked up first. */
  shareChecks: number;
  /** Look-ups in flight at once; adaptive retries absorb EC2 throttling. */
  concurrency: number;
}

/** What one scope holds, and how much of it the run could check. */
export interface EstateReading {
  scope: EstateScope;
  records: EstateRecord[];
  sharesChecked: number;
  sharesUnchecked: number;
}

/** The audit reads every tag: owner, cost center and lineage are all tags. */
const EVERY_TAG = () => true;

/**
 * Reads one account's images and snapshots in one region, with their shares, as the report's
 * records. Listing costs one call per 1,000 clones; shares cost one call per clone, up to
 * `shareChecks` (images first: an AMI shared out can be launched, a snapshot must be copied first).
 */
export async function readEstateScope(
  sources: EstateSources,
  scope: EstateScope,
  options: EstateReadOptions,
): Promise<EstateReading> {
  let clones: CloneRecord[] = [];
  for await (const page of sources.listing.images(scope.region, EVERY_TAG)) clones.push(...page);
  for await (const page of sources.listing.snapshots(scope.region, EVERY_TAG)) clones.push(...page);
  if (sources.ledger) clones = await withLedgerTags(sources.ledger, scope, clones);
  const checked = clones.slice(0, options.shareChecks);
  const shares = new Map<string, Share[]>();
  await forEachConcurrently(checked, options.concurrency, async (clone) => {
    shares.set(clone.id, await sources.shares.shares(scope.region, clone.kind, clone.id));
  });
  const records = clones.map((clone) => estateRecord(clone, scope, shares.get(clone.id)));
  return { scope, records, sharesChecked: checked.length, sharesUnchecked: clones.length - checked.length };
}

/** A clone as the report reads it; `shares` undefined means they were not looked up. */
function estateRecord(clone: CloneRecord, scope: EstateScope, shares: Share[] | undefined): EstateRecord {
  const name = clone.name ?? clone.tags.Name;
  const account = clone.ownerId ?? scope.account;
  const valuesOf = (kind: Share['kind']) =>
    (shares ?? []).filter((share) => share.kind === kind).map((share) => share.value);
  return {
    kind: clone.kind,
    id: clone.id,
    account,
    ...(scope.accountName !== undefined && account === scope.account
      ? { accountName: scope.accountName }
      : {}),
    region: clone.region,
    ...(name !== undefined ? { name } : {}),
    tags: clone.tags,
    ...(clone.createdAt ? { createdAt: clone.createdAt } : {}),
    sizeGiB: clone.sizeGiB,
    ...(clone.state ? { state: clone.state } : {}),
    backingSnapshotIds: clone.backingSnapshotIds,
    shares: {
      public: valuesOf('group').includes('all'),
      accounts: valuesOf('account'),
      organizations: valuesOf('organization'),
      organizationalUnits: valuesOf('organizational-unit'),
    },
    ...(shares === undefined ? { sharesUnchecked: true } : {}),
  };
}
