import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { cleanPlainText, sanitizeUserText } from '../actions/sanitize-text.js';
import { buildSnsPublish, fitSubject, stringAttribute } from '../actions/sns-publish.js';
import type { PruneJobResult } from '../model/prune-job.js';
import { listWithMore } from './prune-digest.js';

const ORGANIZATION_DIGEST_SCHEMA = 'clonewarden.organization-prune-digest/v1';

/** One account's jobs summed over its regions. */
interface AccountLine {
  account: string;
  accountName: string;
  regions: number;
  scanned: number;
  marked: number;
  deleted: number;
  violations: number;
  failures: number;
  monthlyUsd: number;
  /** Jobs of the account that failed or did not finish. */
  jobsNotDone: number;
}

/** The organization run in figures: what the subject, the text and the JSON are built from. */
interface RunFigures {
  runId: string;
  dryRun: boolean;
  jobs: number;
  done: number;
  failedJobs: PruneJobResult[];
  /** Jobs still pending when the deadline passed. */
  unfinishedJobs: PruneJobResult[];
  accounts: AccountLine[];
  totals: Omit<AccountLine, 'account' | 'accountName' | 'regions' | 'jobsNotDone'>;
}

/**
 * The one digest of an organization prune run: totals, one line per account, the saving, and
 * the jobs that failed (account, region, error) or had not finished by the deadline, by name.
 * Account names and errors are text others wrote: cleaned in the e-mail, sanitised in the JSON.
 */
export function buildOrganizationDigest(run: {
  runId: string;
  results: readonly PruneJobResult[];
  topicArn: string;
}): PublishCommandInput {
  const figures = runFigures(run.runId, run.results);
  return buildSnsPublish({
    topicArn: run.topicArn,
    subject: digestSubject(figures),
    attributes: {
      severity: { DataType: 'String', StringValue: figures.failedJobs.length > 0 ? 'high' : 'none' },
      eventName: stringAttribute('OrganizationPruneDigest'),
      dryRun: { DataType: 'String', StringValue: String(figures.dryRun) },
    },
    content: (level) => ({
      text: digestText(figures, level.textItems),
      document: digestDocument(figures, level.listItems),
    }),
  });
}

function runFigures(runId: string, results: readonly PruneJobResult[]): RunFigures {
  const byAccount = new Map<string, AccountLine>();
  for (const result of results) {
    let line = byAccount.get(result.account);
    if (!line) {
      line = { account: result.account, accountName: result.accountName, ...zeroLine(), regions: 0 };
      byAccount.set(result.account, line);
    }
    addTo(line, result);
    line.regions++;
    if (result.status !== 'done') line.jobsNotDone++;
  }
  const totals = zeroLine();
  for (const result of results) addTo(totals, result);
  const byName = (a: PruneJobResult, b: PruneJobResult) =>
    a.account.localeCompare(b.account) || a.region.localeCompare(b.region);
  return {
    runId,
    // Dry unless a job says it acted for real: a run with no job done claims nothing.
    dryRun: !results.some((result) => result.status === 'done' && result.dryRun === false),
    jobs: results.length,
    done: results.filter((result) => result.status === 'done').length,
    failedJobs: results.filter((result) => result.status === 'failed').sort(byName),
    unfinishedJobs: results.filter((result) => result.status === 'pending').sort(byName),
    // Accounts with jobs not done first, then the largest savings: what a cut list drops is quiet.
    accounts: [...byAccount.values()].sort(
      (a, b) =>
        b.jobsNotDone - a.jobsNotDone || b.monthlyUsd - a.monthlyUsd || a.account.localeCompare(b.account),
    ),
    totals,
  };
}

function zeroLine() {
  return { scanned: 0, marked: 0, deleted: 0, violations: 0, failures: 0, monthlyUsd: 0, jobsNotDone: 0 };
}

function addTo(line: ReturnType<typeof zeroLine>, result: PruneJobResult): void {
  line.scanned += result.scanned ?? 0;
  line.marked += result.marked ?? 0;
  line.deleted += result.deleted ?? 0;
  line.violations += result.violations ?? 0;
  line.failures += result.failures ?? 0;
  line.monthlyUsd += result.monthlyUsd ?? 0;
}

const usd = (amount: number) => `$${amount.toFixed(2)}`;

/** `[DRY RUN] prune organization: N accounts, delete D, mark M, F jobs failed (~$X/month) [clonewarden]`. */
function digestSubject(figures: RunFigures): string {
  const { totals, dryRun } = figures;
  const notDone = figures.failedJobs.length + figures.unfinishedJobs.length;
  return fitSubject(
    [
      dryRun ? 'DRY RUN' : '',
      'prune organization:',
      [
        `${figures.accounts.length} accounts`,
        `${dryRun ? 'delete' : 'deleted'} ${totals.deleted}`,
        `${dryRun ? 'mark' : 'marked'} ${totals.marked}`,
        ...(notDone > 0 ? [`${notDone} jobs not done`] : []),
      ].join(', '),
    ],
    [`(~${usd(totals.monthlyUsd)}/month)`],
  );
}

function jobLine(result: PruneJobResult, why: string): string {
  const name = result.accountName ? ` (${cleanPlainText(result.accountName, 64)})` : '';
  return `  ${result.account}${name} ${cleanPlainText(result.region, 24)}: ${why}`;
}

function accountLine(line: AccountLine): string {
  const name = line.accountName ? ` (${cleanPlainText(line.accountName, 64)})` : '';
  const notDone = line.jobsNotDone > 0 ? `, ${line.jobsNotDone} of ${line.regions} regions NOT DONE` : '';
  return `  ${line.account}${name}: ${line.scanned} scanned, ${line.marked} marked, ${line.deleted} deleted, ${line.violations} violations, ${line.failures} failures, ~${usd(line.monthlyUsd)}/month${notDone}`;
}

function digestText(figures: RunFigures, limit: number): string {
  const { totals } = figures;
  const lines = [
    `clonewarden organization prune, run ${figures.runId}`,
    ...(figures.dryRun ? ['DRY RUN: nothing was changed. The counts are what prune would have done.'] : []),
    '',
    'SUMMARY',
    `  ${figures.accounts.length} accounts, ${figures.jobs} jobs (account × region): ${figures.done} done, ${figures.failedJobs.length} failed, ${figures.unfinishedJobs.length} not finished by the deadline`,
    `  ${totals.scanned} clones scanned, ${totals.marked} marked, ${totals.deleted} deleted, ${totals.violations} violations, ${totals.failures} clone failures`,
    `  Estimated saving ~${usd(totals.monthlyUsd)}/month (an upper bound: snapshots are incremental)`,
  ];
  if (figures.failedJobs.length > 0) {
    lines.push('', 'FAILED JOBS (the account or region could not be pruned; the others were)');
    listWithMore(lines, figures.failedJobs, figures.failedJobs.length, limit, (r) =>
      jobLine(r, cleanPlainText(r.error ?? '?', 300)),
    );
  }
  if (figures.unfinishedJobs.length > 0) {
    lines.push('', 'NOT FINISHED BY THE DEADLINE (see the prune queue and its DLQ)');
    listWithMore(lines, figures.unfinishedJobs, figures.unfinishedJobs.length, limit, (r) =>
      jobLine(r, 'no result'),
    );
  }
  lines.push('', 'ACCOUNTS');
  // Twenty account lines per list item: a thousand accounts fit while the message does.
  listWithMore(lines, figures.accounts, figures.accounts.length, limit * 20, accountLine);
  return lines.join('\n');
}

function digestDocument(figures: RunFigures, limit: number): unknown {
  const job = (r: PruneJobResult) => ({
    account: r.account,
    accountName: sanitizeUserText(r.accountName, 256),
    region: r.region,
    ...(r.error ? { error: sanitizeUserText(r.error, 1024) } : {}),
  });
  return {
    schema: ORGANIZATION_DIGEST_SCHEMA,
    runId: figures.runId,
    dryRun: figures.dryRun,
    jobs: figures.jobs,
    done: figures.done,
    totals: figures.totals,
    failedJobs: figures.failedJobs.slice(0, limit).map(job),
    failedJobsTotal: figures.failedJobs.length,
    unfinishedJobs: figures.unfinishedJobs.slice(0, limit).map(job),
    unfinishedJobsTotal: figures.unfinishedJobs.length,
    accounts: figures.accounts
      .slice(0, limit)
      .map((line) => ({ ...line, accountName: sanitizeUserText(line.accountName, 256) })),
    accountsTotal: figures.accounts.length,
  };
}
