import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { createEnforceContext } from '../../shared/pipeline/create-enforce-context.js';
import { policyInForce } from '../../shared/pipeline/policy-in-force.js';
import { parsePolicy } from '../../shared/policy/load-policy.js';
import { resolveSettings } from '../../shared/settings/resolve-settings.js';
import { createAlertInbox } from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import { organizationIn } from '../support/organization-fixtures.js';

/*
 * The policy kept in S3 (one source, no redeploy) and the per-OU overrides, on moto: real S3
 * GetObject, real SNS delivery to an SQS inbox, real Organizations ListParents.
 */
const REGION = 'eu-north-1';
const log = { debug() {}, info() {}, warn() {}, error() {} };
const metrics = { count() {} };
const VALID = (max: number) =>
  `version: 1\nrules:\n  - { id: depth, type: max-generation, severity: high, action: quarantine, max: ${max} }\n`;
const INVALID =
  'version: 1\nrules:\n  - { id: depth, type: max-generation, severity: high, action: quarantin }\n';

beforeAll(() => {
  useEmulatorRegion(REGION);
});

describe('Integration: the policy in an S3 object', () => {
  it('takes a valid update, keeps the last good policy on an invalid one, and alerts once', async () => {
    // Prepare
    const s3 = new S3Client({ region: REGION, forcePathStyle: true });
    const bucket = `clonewarden-policy-${Date.now()}`;
    await s3.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    const put = (body: string) =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'clonewarden.yml', Body: body }));
    await put(VALID(2));
    const inbox = await createAlertInbox(REGION, `policy-source-${Date.now()}`);
    const settings = resolveSettings(
      { policy: `s3://${bucket}/clonewarden.yml`, topicArn: inbox.topicArn },
      { CLONEWARDEN_POLICY_REFRESH_SECONDS: '0' },
    );
    const policy = policyInForce({ settings, aws: createAwsClients({ region: REGION }), log });
    const maxes: number[] = [];
    const look = async () => maxes.push(((await policy.current()).rules[0] as { max: number }).max);

    // Act
    await look();
    await put(VALID(4));
    await look();
    await put(INVALID);
    await look();
    await look();
    await look();

    // Assess
    expect(maxes).toEqual([2, 4, 4, 4, 4]);
    const alerts = await inbox.drain();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.subject).toContain(`policy update rejected s3://${bucket}/clonewarden.yml`);
    expect(alerts[0]!.document).toMatchObject({
      kind: 'policy-rejected',
      origin: `s3://${bucket}/clonewarden.yml`,
    });
    expect((alerts[0]!.document as unknown as { problems: string[] }).problems[0]).toMatch(
      /^rules\(0\)\.action: expected one of report, tag, quarantine, got .quarantin./,
    );
  });
});

describe('Integration: policy overrides per OU (Organizations on moto)', () => {
  it('puts the stricter rule in force in a production account and exempts a sandbox account', async () => {
    // Prepare: an organization with a Production OU (nested under Workloads) and a Sandbox OU.
    const organization = await organizationIn(REGION);
    const workloads = await organization.ou('Workloads');
    const production = await organization.ou('Production', workloads);
    const sandbox = await organization.ou('Sandbox');
    const prodAccount = await organization.account('shop-prod', production);
    const sandboxAccount = await organization.account('play-sandbox', sandbox);
    const policy = parsePolicy(`version: 1
rules:
  - { id: depth, type: max-generation, severity: medium, action: report, max: 3 }
overrides:
  ${production}:
    rules:
      - { id: depth, type: max-generation, severity: critical, action: quarantine, max: 1 }
  ${sandbox}:
    removeRules: [depth]
`);
    const context = await createEnforceContext({
      settings: resolveSettings({}, {}),
      aws: createAwsClients({ region: REGION }),
      log,
      metrics,
      policy,
    });

    // Act
    const inProduction = await context.scopes!.policyIn(prodAccount);
    const inSandbox = await context.scopes!.policyIn(sandboxAccount);

    // Assess
    expect(inProduction.applied).toEqual([production]);
    expect(inProduction.policy.rules).toMatchObject([{ id: 'depth', action: 'quarantine', max: 1 }]);
    expect(inSandbox.applied).toEqual([sandbox]);
    expect(inSandbox.policy.rules).toEqual([]);
  });
});
