import type { AwsClients } from '../aws/clients.js';
import { SnsAlertPublisher } from '../aws/sns-alert-publisher.js';
import type { EnforcerLog } from '../model/log.js';
import type { Policy } from '../policy/schema.js';
import { policyLocation } from '../settings/environment.js';
import type { Settings } from '../settings/resolve-settings.js';

/** The policy a long-lived function container enforces: the same object until it changes. */
export interface PolicyInForce {
  /** @throws {PolicyValidationError} when no valid policy could ever be read. */
  current(): Promise<Policy>;
}

/**
 * The policy for the enforce function. The packaged file is read once per container (it cannot
 * change under it). An S3 object or SSM parameter is looked at again every few minutes
 * (`CLONEWARDEN_POLICY_REFRESH_SECONDS`); an invalid update keeps the last good policy and is
 * alerted once per version on the hub's topic (the flag/env topic, else the kept policy's).
 */
export function policyInForce(options: {
  settings: Settings;
  aws: AwsClients;
  log: EnforcerLog;
}): PolicyInForce {
  const { settings, aws, log } = options;
  const location = policyLocation(settings.policyPath);
  if (!location || location.kind === 'file') return loadedOnce(settings.policyPath);
  // Imported on first use, not at import: see createEnforceContext.
  const source = Promise.all([
    import('../aws/policy-documents.js'),
    import('../policy/refreshing-policy.js'),
    import('../actions/policy-rejected-alert.js'),
  ]).then(([{ policyDocumentReader }, { RefreshingPolicy }, { buildPolicyRejectedAlert }]) => {
    const alerts = new SnsAlertPublisher(aws);
    return new RefreshingPolicy(policyDocumentReader(aws, location), {
      log,
      ...(settings.policyRefreshMs !== undefined ? { refreshMs: settings.policyRefreshMs } : {}),
      async onRejected(rejection, kept) {
        const topicArn = settings.topicArn ?? kept.alerts.topicArn;
        if (!topicArn) return;
        await alerts.publish(buildPolicyRejectedAlert(rejection, { topicArn }));
      },
    });
  });
  return { current: async () => (await source).current() };
}

function loadedOnce(path: string): PolicyInForce {
  let loaded: Promise<Policy> | undefined;
  return {
    current() {
      loaded ??= import('../policy/load-policy.js')
        .then(({ loadPolicy }) => loadPolicy(path))
        .catch((error: unknown) => {
          loaded = undefined;
          throw error;
        });
      return loaded;
    },
  };
}
