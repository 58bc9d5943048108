import { describe, expect, it } from 'vitest';
import { buildPruneDigest, digestWorthSending } from '../../shared/prune/prune-digest.js';
import {
  emptyCounts,
  PRUNE_REPORT_SCHEMA,
  type PrunedClone,
  type PruneReport,
  SAVINGS_NOTE,
} from '../../shared/prune/prune-report.js';

const TOPIC = 'arn:aws:sns:eu-west-3:123456789012:clonewarden-alerts';

function aClone(index: number, overrides: Partial<PrunedClone> = {}): PrunedClone {
  return {
    kind: 'snapshot',
    id: `snap-${index.toString(16).padStart(17, '0')}`,
    action: 'mark',
    reasons: ['expired'],
    pruneAfter: '2026-06-22',
    sizeGiB: 10,
    done: true,
    ...overrides,
  };
}

function aReport(overrides: Partial<PruneReport> = {}): PruneReport {
  const clones = overrides.clones ?? [aClone(1)];
  return {
    schema: PRUNE_REPORT_SCHEMA,
    region: 'eu-west-3',
    account: '123456789012',
    dryRun: false,
    startedAt: '2026-06-15T12:00:00.000Z',
    finishedAt: '2026-06-15T12:01:00.000Z',
    scanned: { images: 10, snapshots: 100 },
    inUse: { referenceSource: 'DescribeImageReferences', imagesUsedByInstances: 3 },
    counts: { image: emptyCounts(), snapshot: { ...emptyCounts(), mark: clones.length } },
    byReason: {
      expired: { image: 0, snapshot: clones.length },
      'max-age': { image: 0, snapshot: 0 },
      'quarantine-too-long': { image: 0, snapshot: 0 },
    },
    byProtection: { 'backs-image': 2 },
    savings: {
      pricePerGbMonth: 0.05,
      candidateGiB: 10 * clones.length,
      estimatedMonthlyUsd: 0.5 * clones.length,
      deletedGiB: 0,
      deletedMonthlyUsd: 0,
      note: SAVINGS_NOTE,
    },
    clones,
    clonesTotal: clones.length,
    notes: [],
    reconcile: {
      found: 0,
      evaluated: 0,
      deferred: 0,
      byStatus: {},
      violations: [],
      violationsTotal: 0,
      unknowns: [],
      unknownsTotal: 0,
    },
    deleted: { image: 0, snapshot: 0 },
    deferredDeletions: 0,
    failures: [],
    ...overrides,
  };
}

const parts = (report: PruneReport) => {
  const input = buildPruneDigest(report, { topicArn: TOPIC });
  const message = JSON.parse(input.Message!) as Record<string, string>;
  return { input, text: message.email!, json: JSON.parse(message.sqs!) };
};

describe('Prune digest', () => {
  it('is one per-protocol message: text for e-mail, the report as JSON for machines', () => {
    // Act
    const { input, text, json } = parts(aReport());

    // Assess
    expect(input.MessageStructure).toBe('json');
    expect(Object.keys(JSON.parse(input.Message!)).sort()).toEqual([
      'default',
      'email',
      'http',
      'https',
      'lambda',
      'sqs',
    ]);
    expect(text).toContain('Snapshots: 100 scanned; 1 marked');
    expect(json.schema).toBe('clonewarden.prune-digest/v1');
    expect(json.report.clones[0].id).toBe('snap-00000000000000001');
    expect(input.MessageAttributes?.eventName?.StringValue).toBe('PruneDigest');
  });

  it('states the saving as an upper bound', () => {
    // Act
    const { text } = parts(aReport());

    // Assess
    expect(text).toContain('Estimated monthly saving: $0.50 (10 GiB at $0.05/GB-month)');
    expect(text).toContain('An upper bound: EBS snapshots are incremental');
  });

  it('lists 50 clones and says how many more there are', () => {
    // Prepare
    const clones = Array.from({ length: 130 }, (_, i) => aClone(i));

    // Act
    const { text, json } = parts(aReport({ clones }));

    // Assess
    expect(text.match(/^ {2}MARKED snapshot/gm)).toHaveLength(50);
    expect(text).toContain('  … and 80 more');
    expect(json.truncated.clones).toEqual({ total: 130, shown: 130 });
  });

  it('stays under the SNS size limit with 10,000 clones', () => {
    // Prepare
    const clones = Array.from({ length: 1000 }, (_, i) => aClone(i, { name: 'x'.repeat(128) }));

    // Act
    const { input } = parts(aReport({ clones, clonesTotal: 10_000 }));

    // Assess
    expect(Buffer.byteLength(input.Message!)).toBeLessThan(250 * 1024);
  });

  it('sanitises user text: image names and reconcile messages', () => {
    // Prepare
    const report = aReport({
      clones: [
        aClone(1, { kind: 'image', id: 'ami-0aaaaaaaaaaaaaaa1', name: 'web\r\nStatus: approved <!channel>' }),
      ],
      reconcile: {
        found: 1,
        evaluated: 1,
        deferred: 0,
        byStatus: { violation: 1 },
        violations: [
          {
            resource: 'snap-1',
            rule: 'labels',
            severity: 'medium',
            action: 'tag',
            message: 'Owner "@here" is wrong',
          },
        ],
        violationsTotal: 1,
        unknowns: [],
        unknownsTotal: 0,
      },
    });

    // Act
    const { text, json } = parts(report);

    // Assess
    // Plain text has no markup to inject: one line, exact; the JSON is sanitised for renderers.
    expect(text).toContain('name "web Status: approved <!channel>"');
    expect(text).toContain('Owner "@here" is wrong');
    expect(text).not.toMatch(/\r|\nStatus/);
    expect(json.report.clones[0].name).toBe('web Status: approved ‹!channel›');
  });

  it.each([
    {
      dryRun: true,
      expected: 'DRY RUN prune 123456789012/eu-west-3: delete 0, mark 1 (~$0.50/month) [clonewarden]',
    },
    {
      dryRun: false,
      expected: 'prune 123456789012/eu-west-3: deleted 0, marked 1 (~$0.50/month) [clonewarden]',
    },
  ])('has an inbox subject of at most 100 characters (dry-run $dryRun)', ({ dryRun, expected }) => {
    // Act
    const { input } = parts(aReport({ dryRun }));

    // Assess
    expect(input.Subject).toBe(expected);
    expect(input.Subject!.length).toBeLessThanOrEqual(100);
  });

  it.each(
    ['ap-southeast-5', 'us-gov-west-1'].flatMap((region) =>
      [true, false].map((dryRun) => ({ region, dryRun })),
    ),
  )('fits every fact of the longest digest subject in $region (dry-run $dryRun)', ({ region, dryRun }) => {
    // Prepare: six-digit counts, critical reconciled violations, a 12-digit account.
    const counts = { ...emptyCounts(), mark: 500_000, delete: 499_999 };
    const report = aReport({
      dryRun,
      region,
      account: '123456789012',
      counts: { image: counts, snapshot: counts },
      reconcile: { ...aReport().reconcile, violationsTotal: 999_999, highestSeverity: 'critical' },
    });

    // Act
    const { input } = parts(report);

    // Assess
    const subject = input.Subject ?? '';
    expect(subject.length).toBeLessThan(100);
    const [del, mark] = dryRun ? ['delete', 'mark'] : ['deleted', 'marked'];
    expect(subject).toMatch(
      new RegExp(
        `^${dryRun ? 'DRY RUN ' : ''}CRITICAL prune 123456789012/${region}: ${del} 999998, ${mark} 1000000, 999999 violations`,
      ),
    );
  });

  it.each([
    { case: 'new marks', report: aReport(), expected: true },
    {
      case: 'only clones waiting out their grace period',
      report: aReport({
        clones: [],
        counts: { image: emptyCounts(), snapshot: { ...emptyCounts(), wait: 4 } },
      }),
      expected: false,
    },
    {
      case: 'a reconciled violation',
      report: aReport({
        clones: [],
        counts: { image: emptyCounts(), snapshot: emptyCounts() },
        reconcile: { ...aReport().reconcile, violationsTotal: 1 },
      }),
      expected: true,
    },
    {
      case: 'a failure',
      report: aReport({
        clones: [],
        counts: { image: emptyCounts(), snapshot: emptyCounts() },
        failures: [{ id: 'snap-1', step: 'delete', error: 'x' }],
      }),
      expected: true,
    },
  ])('is worth sending for $case: $expected', ({ report, expected }) => {
    // Act
    const worth = digestWorthSending(report);

    // Assess
    expect(worth).toBe(expected);
  });
});
