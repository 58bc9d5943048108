import { describe, expect, it } from 'vitest';
import type { PruneJobResult } from '../../shared/model/prune-job.js';
import { buildOrganizationDigest } from '../../shared/prune/organization-digest.js';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:clonewarden-alerts';
const done = (account: string, region: string, extra: Partial<PruneJobResult> = {}): PruneJobResult => ({
  account,
  accountName: `team-${account.slice(-2)}`,
  region,
  status: 'done',
  dryRun: false,
  scanned: 10,
  marked: 2,
  deleted: 1,
  violations: 0,
  failures: 0,
  monthlyUsd: 1.5,
  ...extra,
});

function parse(results: PruneJobResult[]) {
  const input = buildOrganizationDigest({ runId: '2026-12-02T00:00:00Z', results, topicArn: TOPIC });
  const message = JSON.parse(input.Message!) as { default: string; sqs: string };
  return { input, text: message.default, document: JSON.parse(message.sqs) };
}

describe('Organization prune digest', () => {
  it('sums the jobs per account and in all, and names failed and unfinished jobs with their error', () => {
    // Prepare
    const results: PruneJobResult[] = [
      done('222233334444', 'eu-west-1'),
      done('222233334444', 'us-east-1', { deleted: 3, monthlyUsd: 2.5 }),
      {
        account: '333344445555',
        accountName: 'payments',
        region: 'eu-west-1',
        status: 'failed',
        error: 'AccessDenied: not authorized to perform: sts:AssumeRole',
      },
      { account: '444455556666', accountName: 'search', region: 'us-east-1', status: 'pending' },
    ];

    // Act
    const { input, text, document } = parse(results);

    // Assess
    expect(document).toMatchObject({
      jobs: 4,
      done: 2,
      dryRun: false,
      totals: { scanned: 20, marked: 4, deleted: 4, monthlyUsd: 4 },
      failedJobs: [
        {
          account: '333344445555',
          accountName: 'payments',
          region: 'eu-west-1',
          error: expect.stringContaining('sts:AssumeRole'),
        },
      ],
      unfinishedJobs: [{ account: '444455556666', region: 'us-east-1' }],
      accountsTotal: 3,
    });
    expect(document.accounts.find((a: { account: string }) => a.account === '222233334444')).toMatchObject({
      regions: 2,
      deleted: 4,
      jobsNotDone: 0,
    });
    expect(text).toContain('333344445555 (payments) eu-west-1: AccessDenied');
    expect(text).toContain('444455556666 (search) us-east-1: no result');
    expect(input.Subject).toBe(
      'prune organization: 3 accounts, deleted 4, marked 4, 2 jobs not done (~$4.00/month) [clonewarden]',
    );
  });

  it('says dry run unless a job acted for real, and cleans account names others wrote', () => {
    // Prepare
    const results = [
      done('222233334444', 'eu-west-1', { dryRun: true, accountName: 'evil\u001b[31m\nname' }),
    ];

    // Act
    const { input, text } = parse(results);

    // Assess
    expect(input.Subject).toMatch(/^DRY RUN prune organization: 1 accounts, delete 1, mark 2/);
    expect(text).toContain('DRY RUN: nothing was changed');
    expect(text).not.toContain('\u001b');
  });
});
