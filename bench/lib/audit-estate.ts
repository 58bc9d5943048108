import type { AuditPolicyFigures, EstateRecord } from '../../shared/audit/report/index.js';

/**
 * A generated estate for the audit-render benchmark: families of images (rooted at servers,
 * each image with its disk) and of snapshots (rooted at volumes, daily backups and their
 * copies), with the mix of problems a real estate has. Deterministic: the same sizes give the
 * same estate.
 */
export const AUDIT_NOW = new Date('2026-06-01T00:00:00Z');
const ORG = ['111111111111', '222222222222', '333333333333'];
const REGIONS = ['eu-west-1', 'us-east-1', 'eu-central-1'];

export const AUDIT_POLICY: AuditPolicyFigures = {
  maxAgeDays: { image: 365, snapshot: 90 },
  maxGeneration: 3,
  requiredTags: ['Owner', 'CostCenter'],
  pricePerGbMonth: 0.05,
  organisationAccounts: ORG,
};

/** A small PRNG (mulberry32), so that the estate is the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hexId = (prefix: string, n: number) => `${prefix}-${n.toString(16).padStart(17, '0')}`;

interface Draw {
  next: () => number;
  pick: <T>(items: T[]) => T;
}

function clone(
  draw: Draw,
  at: { kind: EstateRecord['kind']; id: string; region: string },
  lineage: Record<string, string>,
): EstateRecord {
  const { kind, id, region } = at;
  const roll = draw.next();
  const tags: Record<string, string> = { ...lineage, 'clonewarden:status': 'compliant' };
  if (roll > 0.05) tags.Owner = `owner-${Math.floor(draw.next() * 40)}`;
  if (roll > 0.08) tags.CostCenter = `cc-${Math.floor(draw.next() * 12)}`;
  if (roll < 0.02) tags['clonewarden:status'] = 'quarantined';
  else if (roll < 0.1) tags['clonewarden:status'] = 'violation';
  const foreign = draw.next() < 0.03 ? ['999999999999'] : [];
  return {
    kind,
    id,
    account: draw.pick(ORG),
    region,
    name: kind === 'image' ? `app-${id.slice(-5)}-build` : undefined,
    tags,
    createdAt: new Date(AUDIT_NOW.getTime() - Math.floor(draw.next() * 500) * 86_400_000).toISOString(),
    sizeGiB: draw.pick([8, 20, 50, 100, 500]),
    state: kind === 'image' ? 'available' : 'completed',
    backingSnapshotIds: [],
    shares: { public: draw.next() < 0.02, accounts: [draw.pick(ORG), ...foreign] },
  };
}

/** `snapshots` includes the images' disks (one each), as in EC2. */
export function generateAuditEstate(snapshots: number, images: number): EstateRecord[] {
  const next = random(snapshots * 31 + images);
  const draw: Draw = { next, pick: (items) => items[Math.floor(next() * items.length)]! };
  const records: EstateRecord[] = [];
  let serial = 1;
  const byId = new Map<string, EstateRecord>();
  for (let index = 0; index < images; index++) {
    const family = Math.floor(index / 5);
    const [server, region] = [hexId('i', family + 1), REGIONS[family % REGIONS.length]!];
    // The first image of a family is made from the server; the others from an earlier image of it.
    const parent =
      index % 5 === 0 ? undefined : byId.get(hexId('ami', index - Math.floor(draw.next() * (index % 5))));
    const image = clone(
      draw,
      { kind: 'image', id: hexId('ami', index + 1), region },
      {
        'clonewarden:parent': parent?.id ?? server,
        'clonewarden:root': server,
        'clonewarden:generation': String(parent ? Number(parent.tags['clonewarden:generation']) + 1 : 1),
      },
    );
    const disk = clone(draw, { kind: 'snapshot', id: hexId('snap', serial++), region }, image.tags);
    image.backingSnapshotIds = [disk.id];
    byId.set(image.id, image);
    records.push(image, disk);
  }
  return [...records, ...volumeBackups(draw, snapshots - images, serial)];
}

/** Daily backups of volumes (one busy volume has hundreds), a tenth of them copied onward. */
function volumeBackups(draw: Draw, count: number, firstSerial: number): EstateRecord[] {
  const records: EstateRecord[] = [];
  const volumes = Math.max(1, Math.floor(count / 20));
  for (let index = 0; index < count; index++) {
    const volumeIndex = index < count / 10 ? 0 : index % volumes;
    const copyOf = index > 0 && draw.next() < 0.1 ? records[index - 1] : undefined;
    const volume = hexId('vol', volumeIndex + 1);
    const region = copyOf?.region ?? REGIONS[volumeIndex % REGIONS.length]!;
    records.push(
      clone(
        draw,
        { kind: 'snapshot', id: hexId('snap', firstSerial + index), region },
        {
          'clonewarden:parent': copyOf?.id ?? volume,
          'clonewarden:root': copyOf?.tags['clonewarden:root'] ?? volume,
          'clonewarden:generation': String(copyOf ? Number(copyOf.tags['clonewarden:generation']) + 1 : 1),
        },
      ),
    );
  }
  return records;
}
