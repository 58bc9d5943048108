import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { resolveRegion } from '../shared/aws/aws-config.js';
import { createAwsClients } from '../shared/aws/clients.js';
import { createPruneContext } from '../shared/prune/create-prune-context.js';
import type { PruneReport } from '../shared/prune/prune-report.js';
import { runPrune } from '../shared/prune/run-prune.js';
import { functionSettings } from '../shared/settings/resolve-settings.js';
import { CountedMetrics } from './counted-metrics.js';
import { readableStacks } from './readable-stacks.js';

const logger = new Logger({ serviceName: 'clonewarden' });
const metrics = new CountedMetrics({ namespace: 'clonewarden', serviceName: 'clonewarden' });
// Lambda always sets AWS_REGION: the function works in the region it is deployed to.
const aws = createAwsClients({ region: await resolveRegion() });

/**
 * Time kept back from Lambda's limit: no deletion or reconcile starts after it, so that the
 * run ends with its report and digest instead of a timeout. What is left waits a day.
 */
const SAFETY_MARGIN_MS = 90_000;

/**
 * The raw handler, which the tests call: one scheduled prune run. Dry-run comes from
 * CLONEWARDEN_DRY_RUN and the policy only; the scheduled event carries nothing we read.
 * Returns the report, which is also logged.
 */
export async function prune(_event: unknown, context?: Context): Promise<PruneReport> {
  aws.counter.reset();
  const remaining = context?.getRemainingTimeInMillis?.();
  const pruneContext = await createPruneContext({
    // The ledger decides prune dates and quarantine ages: the function refuses to run without it.
    settings: functionSettings(),
    aws,
    log: logger,
    metrics: { count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value) },
    ...(remaining !== undefined ? { deadline: Date.now() + remaining - SAFETY_MARGIN_MS } : {}),
  });
  const report = { ...(await runPrune(pruneContext)), apiCalls: aws.counter.snapshot() };
  logger.info('prune report', { report });
  return report;
}

/** The wrapped handler, which Lambda calls on its daily schedule. */
export const handler = middy(prune)
  .use(readableStacks())
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
