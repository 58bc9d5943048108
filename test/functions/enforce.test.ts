import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventBridgeEnvelope, records } from '../../scripts/lib/cloudtrail-records.js';
import type { Verdict } from '../../shared/model/types.js';
import { lambdaContext } from '../support/run-cli.js';

const ACCOUNT = '210987654321';
const AMAZON_IMAGE = 'ami-0aaaaaaaaaaaaaaaa';
const context = lambdaContext(30_000, 'clonewarden-enforce');

const ec2 = mockClient(EC2Client);
const dynamodb = mockClient(DynamoDBClient);
let handler: (event: unknown, context: Context) => Promise<Verdict>;

/** An Auto Scaling launch from Amazon's image, in an EventBridge envelope. */
function launchFromAmazonImage(instanceId: string) {
  const record = records.runInstances({
    caller: { type: 'AWSService', account: ACCOUNT, service: 'autoscaling.amazonaws.com' },
    region: 'us-east-1',
    imageId: AMAZON_IMAGE,
    instances: [{ instanceId }],
  });
  return eventBridgeEnvelope({ ...record, recipientAccountId: ACCOUNT });
}

/** The EMF lines the handler writes to stdout. */
function captureEmf(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = String(chunk);
    if (text.includes('"_aws"')) lines.push(text);
    return true;
  });
  return lines;
}

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'unit',
    AWS_SECRET_ACCESS_KEY: 'unit',
    CLONEWARDEN_POLICY: resolve(import.meta.dirname, '../../clonewarden.yml'),
    CLONEWARDEN_IDEMPOTENCY_TABLE: 'unit-idempotency',
    CLONEWARDEN_LEDGER_TABLE: 'unit-ledger',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'false',
  });
  ({ handler } = (await import('../../functions/enforce.js')) as never);
});

afterEach(() => vi.restoreAllMocks());

describe('enforce handler: verdicts that change nothing are answered before the idempotency store', () => {
  it('a launch from an image of another account: one DescribeImages, no DynamoDB call, metrics still published', async () => {
    // Prepare
    ec2.reset();
    dynamodb.reset();
    ec2.on(DescribeImagesCommand).resolves({
      Images: [{ ImageId: AMAZON_IMAGE, OwnerId: '137112412989', State: 'available' }],
    });
    const emf = captureEmf();

    // Act
    const first = await handler(launchFromAmazonImage('i-0000000000000000a'), context);
    const second = await handler(launchFromAmazonImage('i-0000000000000000b'), context);

    // Assess
    expect(first).toMatchObject({
      status: 'skipped',
      reason: `${AMAZON_IMAGE} belongs to 137112412989, not to this account`,
    });
    expect(second.status).toBe('skipped');
    expect(ec2.commandCalls(DescribeImagesCommand)).toHaveLength(1);
    expect(dynamodb.calls()).toHaveLength(0);
    // Returning early skips logMetrics' `after`: Powertools' cleanup must still publish each invocation's counts.
    const published = emf.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(published).toHaveLength(2);
    for (const metrics of published) expect(metrics).toMatchObject({ EventsReceived: 1, EventsSkipped: 1 });
  });

  it('rejected input costs no AWS call at all', async () => {
    // Prepare
    ec2.reset();
    dynamodb.reset();
    captureEmf();

    // Act
    const verdict = await handler(
      { 'detail-type': 'AWS API Call via CloudTrail', detail: 'not a record' },
      context,
    );

    // Assess
    expect(verdict.status).toBe('rejected');
    expect(ec2.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });
});
