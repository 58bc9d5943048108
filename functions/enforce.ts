import { cleanupMiddlewares } from '@aws-lambda-powertools/commons';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { resolveRegion } from '../shared/aws/aws-config.js';
import { createAwsClients } from '../shared/aws/clients.js';
import { idempotencyOptions } from '../shared/aws/idempotency-store.js';
import type { Verdict } from '../shared/model/types.js';
import { createEnforceContext } from '../shared/pipeline/create-enforce-context.js';
import type { EnforceContext } from '../shared/pipeline/enforce-context.js';
import { enforceRecord, screenRecord } from '../shared/pipeline/enforce-record.js';
import { policyInForce } from '../shared/pipeline/policy-in-force.js';
import { functionSettings, resolveSettings } from '../shared/settings/resolve-settings.js';
import { CountedMetrics } from './counted-metrics.js';
import { readableStacks } from './readable-stacks.js';

const logger = new Logger({ serviceName: 'clonewarden' });
const metrics = new CountedMetrics({ namespace: 'clonewarden', serviceName: 'clonewarden' });
/** Read at init for the idempotency table and the member role; a bad variable fails the container's start, loudly. */
const { idempotencyTable, memberRole } = resolveSettings();
// Lambda always sets AWS_REGION: the function works in the region it is deployed to. In organization
// mode (the hub) it acts in each event's own account and region through the member role.
const aws = createAwsClients({
  region: await resolveRegion(),
  ...(memberRole ? { memberRole, memberSession: { kind: 'function', function: 'enforce' } } : {}),
});

/**
 * The policy in force, per container: the packaged file read once, or the S3 object / SSM
 * parameter looked at every few minutes (an invalid update keeps the last good one and alerts
 * once). Without the ledger table every event fails loudly (and lands in the failed-invocations queue).
 */
let policy: ReturnType<typeof policyInForce> | undefined;
/** The adapters, built once per policy: a new policy rebuilds them (and their caches) once. */
let context: { for: object; built: Promise<EnforceContext> } | undefined;
async function enforceContext(): Promise<EnforceContext> {
  const settings = functionSettings();
  policy ??= policyInForce({ settings, aws, log: logger });
  const inForce = await policy.current();
  if (context?.for !== inForce) {
    const built = createEnforceContext({
      settings,
      aws,
      log: logger,
      metrics,
      policy: inForce,
    }).catch((error: unknown) => {
      context = undefined;
      throw error;
    });
    context = { for: inForce, built };
  }
  return context.built;
}

/**
 * The raw handler, which the tests call: one EventBridge "AWS API Call via CloudTrail" event.
 * Skipped and rejected input returns a verdict (no retry can fix it); AWS failures throw, so
 * that Lambda retries the event and then sends it whole to the on-failure destination.
 */
export async function enforce(event: unknown, _context?: Context): Promise<Verdict> {
  const verdict = await enforceRecord(event, await enforceContext());
  logger.debug('api calls', { calls: aws.counter.snapshot() });
  return verdict;
}

/**
 * Same event id, same result: EventBridge and Lambda deliver at least once. The store, key and
 * lifetime are shared with `clonewarden replay` (shared/aws/idempotency-store.ts).
 */
const idempotency = idempotencyTable
  ? onlyTheHolderReleases(makeHandlerIdempotent(idempotencyOptions(aws, idempotencyTable)))
  : undefined;
if (!idempotency) {
  logger.warn('CLONEWARDEN_IDEMPOTENCY_TABLE is not set: duplicate deliveries will be enforced again');
}

/**
 * Powertools' middleware (2.35.0) deletes the idempotency record in `onError` whatever failed,
 * and middy runs `onError` when a `before` throws too. So a duplicate refused with
 * `IdempotencyAlreadyInProgressError` deleted the lock of the invocation still working on the
 * event, and a third copy then enforced it again: two alerts (test/integration/
 * reliability-duplicates-crash.test.ts; upstream aws-powertools/powertools-lambda-typescript#5675).
 * Here only the invocation that acquired the record releases it, and only when the handler
 * failed: a failed save of the result leaves the record to expire with the invocation's time.
 */
function onlyTheHolderReleases(inner: middy.MiddlewareObj): middy.MiddlewareObj {
  const holders = new WeakSet<object>();
  return {
    before: async function acquireIdempotencyRecord(request) {
      holders.delete(request);
      const replayed = await inner.before?.(request);
      // A replayed result ends the invocation early; otherwise this invocation holds the record.
      if (replayed === undefined && !('earlyResponse' in request)) holders.add(request);
      return replayed;
    },
    after: async function saveIdempotentResult(request) {
      holders.delete(request);
      return inner.after?.(request);
    },
    onError: async function releaseIdempotencyRecord(request) {
      if (!holders.delete(request)) return;
      return inner.onError?.(request);
    },
  };
}

/**
 * Counted before anything else, so that no invocation ends with no metric at all. Received −
 * (enforced + skipped + rejected) is the duplicates answered from the idempotency table; a
 * duplicate of an event that changes nothing is answered again, and counted skipped or rejected.
 */
const countReceived = {
  before: function countReceivedEvent() {
    // The API-call counter is per invocation; reset here so that it includes idempotency's calls.
    aws.counter.reset();
    metrics.count('EventsReceived');
  },
};

/**
 * Idempotency protects what a verdict changes. A verdict that changes nothing (rejected input, a
 * failed call, a launch from an image that is not ours) is answered before the idempotency store
 * is asked: an Auto Scaling group launching 1,000 instances from an AWS AMI costs no DynamoDB
 * call, and at most one DescribeImages per image (bench/restore-burst.ts). Returning early skips
 * the later middlewares' `after`, so Powertools' cleanup flushes the metrics and the log context,
 * as its idempotency middleware does for a replayed result.
 */
const answerWithoutChanges: middy.MiddlewareObj = {
  before: async function screenBeforeIdempotency(request) {
    const verdict = await screenRecord(request.event, await enforceContext());
    if (verdict === undefined) return;
    logger.debug('api calls', { calls: aws.counter.snapshot() });
    await cleanupMiddlewares(request);
    return verdict;
  },
};

/** The wrapped handler, which Lambda calls. */
const wrapped = middy(enforce)
  .use(readableStacks())
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(countReceived);
export const handler = idempotency ? wrapped.use(answerWithoutChanges).use(idempotency) : wrapped;
