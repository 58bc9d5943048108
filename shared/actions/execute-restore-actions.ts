import { describeError } from '../aws/aws-error.js';
import type { RestoreActions } from '../aws/ec2-restore-actions.js';
import type { AlertPublisher } from '../aws/sns-alert-publisher.js';
import { ActionFailedError } from '../model/errors.js';
import type { EnforcerLog } from '../model/log.js';
import type { Verdict } from '../model/types.js';
import { buildAlert } from './alert-message.js';
import { batchTagActions } from './execute-actions.js';

export interface RestoreActionDependencies {
  actions: RestoreActions;
  alerts: AlertPublisher;
  log: EnforcerLog;
}

/**
 * Carries out a restore verdict's planned actions in the order that keeps a retry safe: labels
 * first (one CreateTags call for all the new resources), then the stop, then the one alert,
 * last. Labels and StopInstances are idempotent. In dry-run nothing in the account changes:
 * only the alert (marked DRY RUN) is sent.
 *
 * @throws {ActionFailedError} with the verdict as it stood when a step failed, so that the event is retried.
 */
export async function executeRestoreActions(
  verdict: Verdict,
  deps: RestoreActionDependencies,
): Promise<Verdict> {
  const result: Verdict = { ...verdict, actions: verdict.actions.map((action) => ({ ...action })) };
  try {
    if (!verdict.dryRun) {
      for (const batch of batchTagActions(result.actions)) {
        const ids = batch.actions.map((action) => action.target);
        await deps.actions.tag(batch.region, ids, batch.actions[0]!.tags);
        for (const action of batch.actions) action.done = true;
      }
      const stops = result.actions.filter((action) => action.type === 'stop');
      if (stops.length > 0) {
        await deps.actions.stopInstances(
          stops[0]!.region,
          stops.map((action) => action.target),
        );
        for (const action of stops) action.done = true;
      }
    }
    for (const action of result.actions) {
      if (action.type !== 'alert') continue;
      const chatbot = action.chatbot === true;
      await deps.alerts.publish(
        buildAlert(result, { topicArn: action.target, dryRun: verdict.dryRun, chatbot }),
      );
      action.done = true;
    }
  } catch (error) {
    const failed = result.actions.find(
      (action) => !action.done && !(verdict.dryRun && action.type !== 'alert'),
    );
    if (failed) failed.error = describeError(error);
    deps.log.error('an action failed; the event will be retried', {
      eventId: verdict.eventId,
      error: describeError(error),
    });
    throw new ActionFailedError(`event ${verdict.eventId}: ${describeError(error)}`, {
      cause: error,
    }).withVerdict(result);
  }
  return result;
}
