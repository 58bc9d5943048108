import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { listActiveAccounts } from '../shared/aws/active-accounts.js';
import { resolveRegion } from '../shared/aws/aws-config.js';
import { createAwsClients } from '../shared/aws/clients.js';
import { HubAccount } from '../shared/aws/hub-account.js';
import { SqsPruneJobQueue } from '../shared/aws/prune-job-queue.js';
import { DynamoDbPruneRunStart } from '../shared/aws/prune-run-start.js';
import { runIdOf } from '../shared/model/prune-job.js';
import { createPruneContext } from '../shared/prune/create-prune-context.js';
import { type FanOutSummary, fanOutPrune } from '../shared/prune/fan-out-prune.js';
import type { PruneReport } from '../shared/prune/prune-report.js';
import { runPrune } from '../shared/prune/run-prune.js';
import { functionSettings, type Settings } from '../shared/settings/resolve-settings.js';
import { CountedMetrics } from './counted-metrics.js';
import { readableStacks } from './readable-stacks.js';

const logger = new Logger({ serviceName: 'clonewarden' });
const metrics = new CountedMetrics({ namespace: 'clonewarden', serviceName: 'clonewarden' });
// Lambda always sets AWS_REGION: the function works in the region it is deployed to.
const aws = createAwsClients({ region: await resolveRegion() });
/** The hub's own account, pruned with its own credentials: asked of STS once per container. */
const hubAccount = new HubAccount(aws);

/**
 * Time kept back from Lambda's limit: no deletion or reconcile starts after it, so that the
 * run ends with its report and digest instead of a timeout. What is left waits a day.
 */
const SAFETY_MARGIN_MS = 90_000;

/**
 * The raw handler, which the tests call: one scheduled prune run. Dry-run comes from
 * CLONEWARDEN_DRY_RUN and the policy only. In organization mode (CLONEWARDEN_MEMBER_ROLE and
 * CLONEWARDEN_PRUNE_QUEUE_URL set) it fans the run out to the prune worker, one job per account
 * and region, named by the schedule's `time`; else it prunes its own account and region.
 * Returns the report (or the fan-out's summary), which is also logged.
 */
export async function prune(event: unknown, context?: Context): Promise<PruneReport | FanOutSummary> {
  aws.counter.reset();
  // The ledger decides prune dates and quarantine ages: the function refuses to run without it.
  const settings = functionSettings();
  if (settings.memberRole && settings.pruneQueueUrl) {
    return fanOut(settings as Settings & { ledgerTable: string; pruneQueueUrl: string }, event);
  }
  const remaining = context?.getRemainingTimeInMillis?.();
  const pruneContext = await createPruneContext({
    settings,
    aws,
    log: logger,
    metrics,
    ...(remaining !== undefined ? { deadline: Date.now() + remaining - SAFETY_MARGIN_MS } : {}),
  });
  const report = { ...(await runPrune(pruneContext)), apiCalls: aws.counter.snapshot() };
  logger.info('prune report', { report });
  return report;
}

async function fanOut(
  settings: Settings & { ledgerTable: string; pruneQueueUrl: string },
  event: unknown,
): Promise<FanOutSummary> {
  const summary = await fanOutPrune({
    runId: scheduledTime(event) ?? new Date().toISOString(),
    regions: settings.pruneRegions ?? [aws.region],
    listAccounts: () => listActiveAccounts(aws),
    hubAccount: () => hubAccount.id(),
    runs: new DynamoDbPruneRunStart(aws, settings.ledgerTable),
    queue: new SqsPruneJobQueue(aws, settings.pruneQueueUrl),
    log: logger,
    now: () => new Date(),
  });
  metrics.count('PruneJobsQueued', summary.jobs);
  return summary;
}

/** The scheduled event's `time` ("Amazon EventBridge events"), the same on a retry of the same event. */
function scheduledTime(event: unknown): string | undefined {
  return runIdOf((event as { time?: unknown } | undefined)?.time);
}

/** The wrapped handler, which Lambda calls on its daily schedule. */
export const handler = middy(prune)
  .use(readableStacks())
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
