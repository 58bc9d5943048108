import type { Verdict } from '../../model/types.js';
import type { EnforceContext } from '../enforce-context.js';

/**
 * Counts an enforced verdict and logs it, the same way for every family, so that dashboards and
 * log queries read one shape; `extra` adds a family's own fields (its gaps, what it restored from).
 */
export function reportVerdict(
  verdict: Verdict,
  context: Pick<EnforceContext, 'metrics' | 'log'>,
  extra: Record<string, unknown> = {},
): void {
  context.metrics.count('EventsEnforced');
  context.metrics.count(`Verdict_${verdict.status}`);
  if (verdict.violations.length > 0) context.metrics.count('Violations', verdict.violations.length);
  context.log.info('verdict', {
    eventId: verdict.eventId,
    eventName: verdict.eventName,
    status: verdict.status,
    resources: verdict.resources,
    violations: verdict.violations.map((v) => `${v.rule}:${v.resource}`),
    unknowns: verdict.unknowns.length,
    dryRun: verdict.dryRun,
    actions: verdict.actions.map((a) => `${a.type}:${a.target}:${a.done ? 'done' : 'planned'}`),
    ...extra,
  });
}

/**
 * Counts and logs a verdict a family skipped (a clone EC2 no longer shows, or one not ours) the
 * way the parser's skips are counted; `gaps` says which facts could not be read.
 */
export function reportSkipped(
  planned: Verdict,
  gaps: string[],
  context: Pick<EnforceContext, 'metrics' | 'log'>,
): Verdict {
  context.metrics.count('EventsSkipped');
  const { eventId, eventName, reason } = planned;
  context.log.info('event skipped', { eventId, eventName, reason, gaps });
  return planned;
}
