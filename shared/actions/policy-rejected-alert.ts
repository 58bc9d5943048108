import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { PolicyRejection } from '../policy/refreshing-policy.js';
import { cleanPlainText, sanitizeUserText } from './sanitize-text.js';
import { buildSnsPublish, fitSubject, stringAttribute } from './sns-publish.js';

/**
 * The one alert of a policy update that did not validate: where, which version, the problems
 * (each as `clonewarden validate` prints it), and that the last good policy stays in force. The
 * problems quote the rejected text, which whoever could write the object wrote: cleaned in the
 * e-mail, sanitised in the JSON.
 */
export function buildPolicyRejectedAlert(
  rejection: PolicyRejection,
  options: { topicArn: string },
): PublishCommandInput {
  const origin = cleanPlainText(rejection.origin, 200);
  return buildSnsPublish({
    topicArn: options.topicArn,
    // `policy update rejected s3://bucket/key [clonewarden]`
    subject: fitSubject(['policy update rejected', origin]),
    attributes: {
      severity: { DataType: 'String', StringValue: 'high' },
      eventName: stringAttribute('PolicyRejected'),
      status: stringAttribute('rejected'),
    },
    content: (level) => ({
      text: [
        `clonewarden: the policy at ${origin} was updated to an invalid version; it is NOT in force`,
        '',
        `  Rejected version: ${cleanPlainText(rejection.version, 80)}`,
        `  Still in force:   ${cleanPlainText(rejection.keptVersion, 80)} (the last valid version)`,
        '',
        'PROBLEMS',
        ...rejection.problems.slice(0, level.textItems).map((p) => `  ${cleanPlainText(p, 500)}`),
        ...(rejection.problems.length > level.textItems
          ? [`  and ${rejection.problems.length - level.textItems} more`]
          : []),
        ...(rejection.problems.length === 0 ? [`  ${cleanPlainText(rejection.message, 500)}`] : []),
        '',
        'STEPS',
        `  Run clonewarden validate on the new version, fix it, and upload it again to ${origin}.`,
        '  This alert is sent once per rejected version and function container.',
      ].join('\n'),
      document: {
        kind: 'policy-rejected',
        origin: rejection.origin,
        version: sanitizeUserText(rejection.version, 200),
        keptVersion: sanitizeUserText(rejection.keptVersion, 200),
        problems: rejection.problems.slice(0, level.listItems).map((p) => sanitizeUserText(p, level.leafMax)),
      },
    }),
  });
}
