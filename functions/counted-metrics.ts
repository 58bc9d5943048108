import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EnforcerMetrics } from '../shared/model/log.js';

/**
 * Powertools Metrics that publishes only when something was counted (the logMetrics middleware
 * calls publishStoredMetrics after every invocation, and on an idempotent early return).
 * Every invocation counts (enforce counts EventsReceived before anything else; prune and audit
 * count their run), so an empty store means one of two things, neither a lost figure: another
 * invocation in the same process already published this one's counts (concurrent invocations
 * share the module's store, as in the tests), or the function failed before it could count,
 * which Lambda's Errors metric, the alarms and the error log already say. Powertools would log
 * "No application metrics to publish" for either.
 */
export class CountedMetrics extends Metrics implements EnforcerMetrics {
  /** Adds `value` (1 by default) to the count `name`: the metrics interface shared/ counts through. */
  count(name: string, value = 1): void {
    this.addMetric(name, MetricUnit.Count, value);
  }

  /** Publishes and clears what was counted; with nothing counted, does nothing. */
  override publishStoredMetrics(): this {
    if (this.hasStoredMetrics()) super.publishStoredMetrics();
    return this;
  }
}
