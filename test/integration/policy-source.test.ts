import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { createEnforceContext } from '../../shared/pipeline/create-enforce-context.js';
import { policyInForce } from '../../shared/pipeline/policy-in-force.js';
import { parsePolicy } from '../../shared/policy/load-policy.js';
import { resolveSettings } from '../../shared/settings/resolve-settings.js';
import { createAlertInbox } from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';

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
    const organizations = new OrganizationsClient({ region: REGION });
    const existing = await organizations.send(new DescribeOrganizationCommand({})).catch(() => undefined);
    if (!existing) await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const root = (await organizations.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    const ou = async (parent: string, name: string) =>
      (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: name })))
        .OrganizationalUnit!.Id!;
    const workloads = await ou(root, `Workloads-${Date.now()}`);
    const production = await ou(workloads, `Production-${Date.now()}`);
    const sandbox = await ou(root, `Sandbox-${Date.now()}`);
    const account = async (name: string, parent: string) => {
      const created = await organizations.send(
        new CreateAccountCommand({ AccountName: name, Email: `${name}-${Date.now()}@example.com` }),
      );
      const id = created.CreateAccountStatus!.AccountId!;
      await organizations.send(
        new MoveAccountCommand({ AccountId: id, SourceParentId: root, DestinationParentId: parent }),
      );
      return id;
    };
    const prodAccount = await account('shop-prod', production);
    const sandboxAccount = await account('play-sandbox', sandbox);
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
