import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { resolveRegion } from '../shared/aws/aws-config.js';
import { describeError } from '../shared/aws/aws-error.js';
import { type AwsClients, createAwsClients } from '../shared/aws/clients.js';
import { AwsOrganizationalUnitPaths } from '../shared/aws/organizational-unit-paths.js';
import { SqsPruneJobQueue } from '../shared/aws/prune-job-queue.js';
import { DynamoDbPruneRunStore } from '../shared/aws/prune-run-store.js';
import { SnsAlertPublisher } from '../shared/aws/sns-alert-publisher.js';
import type { EnforcerLog } from '../shared/model/log.js';
import { PRUNE_QUEUE_MESSAGE, type PruneQueueMessage } from '../shared/model/prune-job.js';
import {
  checkPruneDeadline,
  type PruneRunOptions,
  recordPruneJob,
} from '../shared/prune/finish-prune-run.js';
import { runPruneJob } from '../shared/prune/run-prune-job.js';
import { functionSettings, resolveSettings } from '../shared/settings/resolve-settings.js';
import { CountedMetrics } from './counted-metrics.js';
import { readableStacks } from './readable-stacks.js';

const logger = new Logger({ serviceName: 'clonewarden' });
const metrics = new CountedMetrics({ namespace: 'clonewarden', serviceName: 'clonewarden' });
const { memberRole } = resolveSettings();
// The hub's clients; each job opens its account from them (aws.forAccount: the member role).
const hubAws = createAwsClients({
  region: await resolveRegion(),
  ...(memberRole ? { memberRole, memberSession: { kind: 'function', function: 'prune-worker' } } : {}),
});

/**
 * One reader of OU paths per hub clients, kept for the container: a job's account has one
 * OU path whatever the region, so the jobs of one account read it once (cached an hour).
 */
const directories = new WeakMap<AwsClients, AwsOrganizationalUnitPaths>();

/** Kept back from Lambda's limit, as in the single-account prune: the job reports instead of timing out. */
const SAFETY_MARGIN_MS = 90_000;

/** What the worker works with; the tests give their own hub clients, log or clock. */
export interface PruneWorkerOptions {
  aws?: AwsClients;
  log?: EnforcerLog;
  /** The jobs' clock: reconcile judges only clones older than a day, which moto cannot backdate. */
  now?: () => Date;
}

/**
 * The raw handler, which the tests call: the messages of the organization prune queue, each one
 * job (prune one account in one region, record its result, send the digest after the run's last
 * job) or the run's deadline check. A message that throws is reported in `batchItemFailures`
 * ("Reporting batch item failures", Lambda with SQS): SQS delivers it again, then to the DLQ,
 * and the other messages of the batch are not retried. A job whose account fails does not
 * throw: it is recorded as failed, and named in the digest.
 */
export async function pruneWorker(
  event: SQSEvent,
  context?: Context,
  options: PruneWorkerOptions = {},
): Promise<SQSBatchResponse> {
  const aws = options.aws ?? hubAws;
  const log = options.log ?? logger;
  const settings = functionSettings();
  let organization = directories.get(aws);
  if (!organization) {
    organization = new AwsOrganizationalUnitPaths(aws);
    directories.set(aws, organization);
  }
  const remaining = context?.getRemainingTimeInMillis?.();
  const deadline = remaining !== undefined ? Date.now() + remaining - SAFETY_MARGIN_MS : undefined;
  const run: PruneRunOptions = {
    runs: new DynamoDbPruneRunStore(aws, settings.ledgerTable),
    alerts: new SnsAlertPublisher(aws),
    ...(settings.topicArn ? { topicArn: settings.topicArn } : {}),
    log,
    now: () => new Date(),
  };
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const message: PruneQueueMessage = PRUNE_QUEUE_MESSAGE.parse(JSON.parse(record.body));
      if (message.kind === 'deadline') {
        if (!settings.pruneQueueUrl) throw new Error('CLONEWARDEN_PRUNE_QUEUE_URL is not set');
        await checkPruneDeadline(message.runId, {
          ...run,
          queue: new SqsPruneJobQueue(aws, settings.pruneQueueUrl),
        });
        continue;
      }
      const result = await runPruneJob(message, {
        settings,
        hub: aws,
        organization,
        ...(options.now ? { now: options.now } : {}),
        log,
        metrics,
        ...(deadline !== undefined ? { deadline } : {}),
      });
      await recordPruneJob(message.runId, result, run);
    } catch (error) {
      log.error('prune queue message failed; SQS delivers it again', {
        messageId: record.messageId,
        error: describeError(error),
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

/** The wrapped handler, which Lambda calls with batches from the prune queue. */
export const handler = middy((event: SQSEvent, context: Context) => pruneWorker(event, context))
  .use(readableStacks())
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
