import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_ACCOUNT } from '../../scripts/lib/emulator.js';
import { createAlertInbox } from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import { lambdaContext } from '../support/run-cli.js';

/*
 * The audit's 7-day link against moto (IAM, SSM and S3): the weekly function reads the link
 * signer's key from a SecureString parameter and signs the report link with it. moto does not
 * check presigned signatures (its auth is off by default), so the GET proves the link's shape and
 * target, and the X-Amz-Credential proves whose key signed it; the user's policy is the IAM
 * test's (test/packaging/iam-least-privilege.test.ts).
 */
const REGION = 'eu-west-2';
const BUCKET = 'clonewarden-test-audit-link-signer';
const PARAMETER = '/clonewarden/test/audit-link-signer';
const SIGNER = 'clonewarden-test-eu-west-2-report-link';
const auditContext = {
  ...lambdaContext(900_000, 'clonewarden-test-audit'),
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${EMULATOR_ACCOUNT}:function:clonewarden-test-audit`,
};

let inbox: Awaited<ReturnType<typeof createAlertInbox>>;

interface AlertedReport {
  url: string;
  expiresAt: string;
  signedBy: string;
  signerProblem: string | null;
}

/** The report part of the one alert the run sent (the JSON document an SQS subscriber gets). */
async function alertedReport(): Promise<AlertedReport> {
  const [alert, ...more] = await inbox.drain();
  expect(more).toEqual([]);
  return (alert!.document as unknown as { report: AlertedReport }).report;
}

/** The run's HTML, read from the bucket with the test's own credentials. */
async function storedHtml(s3Uri: string): Promise<string> {
  const stored = await new S3Client({ region: REGION }).send(
    new GetObjectCommand({ Bucket: BUCKET, Key: s3Uri.replace(`s3://${BUCKET}/`, '') }),
  );
  return stored.Body!.transformToString();
}

beforeAll(async () => {
  useEmulatorRegion(REGION);
  inbox = await createAlertInbox(REGION, 'audit-link-alerts');
  await new S3Client({ region: REGION }).send(
    new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  const policy = join(mkdtempSync(join(tmpdir(), 'clonewarden-audit-link-')), 'clonewarden.yml');
  writeFileSync(
    policy,
    'version: 1\nrules:\n  - { id: labels, type: required-tags, severity: medium, action: tag, tags: { Owner: {} } }\n',
  );
  Object.assign(process.env, {
    CLONEWARDEN_POLICY: policy,
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    CLONEWARDEN_REPORT_BUCKET: BUCKET,
    CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER: PARAMETER,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
  delete process.env.CLONEWARDEN_MEMBER_ROLE;
});

describe('Integration: the audit link signer', () => {
  it('without its parameter yet, delivers the report with a link its own credentials signed, and says why', async () => {
    // Prepare
    const { audit } = await import('../../functions/audit.js');

    // Act
    const result = await audit({}, auditContext);

    // Assess
    const report = await alertedReport();
    expect(result.failures).toEqual([]);
    expect(result.report).toMatchObject({ linkSignedBy: 'caller' });
    expect(result.report.linkSignerProblem).toMatch(
      /^CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER=\/clonewarden\/test\/audit-link-signer: the parameter does not exist; fix: create it/,
    );
    expect(report).toMatchObject({ signedBy: 'caller', signerProblem: result.report.linkSignerProblem });
    const download = await fetch(report.url);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(await storedHtml(result.report.html));
  });

  it("signs the link with the signer user's key for 604800 s once the key is in the parameter", async () => {
    // Prepare: the user, its one permission and its key, as docs/audit.md has the team make them.
    const iam = new IAMClient({ region: REGION });
    await iam.send(new CreateUserCommand({ UserName: SIGNER }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: SIGNER,
        PolicyName: 'read-reports',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/audits/*` },
          ],
        }),
      }),
    );
    const { AccessKey: key } = await iam.send(new CreateAccessKeyCommand({ UserName: SIGNER }));
    await new SSMClient({ region: REGION }).send(
      new PutParameterCommand({
        Name: PARAMETER,
        Type: 'SecureString',
        Value: JSON.stringify({ accessKeyId: key!.AccessKeyId, secretAccessKey: key!.SecretAccessKey }),
      }),
    );
    const { audit } = await import('../../functions/audit.js');

    // Act: the same container as the first run; a failed read was not kept.
    const result = await audit({}, auditContext);

    // Assess
    const report = await alertedReport();
    const link = new URL(report.url);
    expect(result.report).toMatchObject({ linkSignedBy: 'link-signer', cappedByCredentials: false });
    expect(result.report).not.toHaveProperty('linkSignerProblem');
    expect(link.searchParams.get('X-Amz-Credential')).toMatch(new RegExp(`^${key!.AccessKeyId}/`));
    expect(link.searchParams.get('X-Amz-Expires')).toBe('604800');
    expect(report).toMatchObject({ signedBy: 'link-signer', signerProblem: null });
    expect(Date.parse(report.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(JSON.stringify(result)).not.toContain(key!.SecretAccessKey!);
    expect(JSON.stringify(result)).not.toContain(report.url);
    const download = await fetch(report.url);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(await storedHtml(result.report.html));
  });
});
