import { describe, expect, it } from 'vitest';
import { buildReleaseAlert } from '../../shared/release/release-alert.js';
import { RELEASE_SCHEMA, type ReleaseResult } from '../../shared/release/release-result.js';

const TOPIC = 'arn:aws:sns:ap-southeast-5:123456789012:clonewarden-alerts';
const SSO_ROLE_SESSION =
  'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_SecurityAudit_0a1b2c3d4e5f6789/kim.lee+sec@example.com';

function aResult(overrides: Partial<ReleaseResult> = {}): ReleaseResult {
  return {
    schema: RELEASE_SCHEMA,
    id: 'snap-0123456789abcdef0',
    kind: 'snapshot',
    region: 'ap-southeast-5',
    account: '123456789012',
    releasedBy: SSO_ROLE_SESSION,
    reason: 'reviewed in SEC-1234',
    dryRun: false,
    restoredShares: [],
    backingSnapshotIds: [],
    steps: [{ step: 'restore-shares', outcome: 'done' }],
    ...overrides,
  };
}

describe('Release alert: buildReleaseAlert', () => {
  it.each(['ap-southeast-5', 'us-gov-west-1'])('fits every fact of the longest subject in %s', (region) => {
    // Act
    const alert = buildReleaseAlert(aResult({ region }), { topicArn: TOPIC });

    // Assess
    expect(alert.Subject!.length).toBeLessThan(100);
    expect(alert.Subject).toBe(
      `released snap-0123456789abcdef0 from quarantine 123456789012/${region} [clonewarden]`,
    );
  });

  it('names an IAM Identity Center releaser exactly in the e-mail and the JSON', () => {
    // Act
    const alert = buildReleaseAlert(aResult(), { topicArn: TOPIC });

    // Assess
    const message = JSON.parse(alert.Message!) as Record<string, string>;
    expect(message.email).toContain(`Released by: ${SSO_ROLE_SESSION}\n`);
    expect((JSON.parse(message.sqs!) as ReleaseResult).releasedBy).toBe(SSO_ROLE_SESSION);
  });
});
