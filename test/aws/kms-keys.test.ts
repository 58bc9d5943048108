import { DescribeKeyCommand, KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { KmsKeys } from '../../shared/aws/kms-keys.js';

/*
 * moto's KMS answers DescribeKey for any alias, `alias/aws/ebs` included, with a made-up
 * customer-managed key, and never says AccessDenied: the AWS managed and refused paths are
 * tested here against the SDK mock.
 */
const kmsMock = mockClient(KMSClient);
const AWS_KEY = 'arn:aws:kms:us-east-1:111122223333:key/9999bbbb-2222-3333-4444-555566667777';
const FOREIGN_KEY = 'arn:aws:kms:us-east-1:444455556666:key/2222cccc-2222-3333-4444-555566667777';

function kmsError(name: string, httpStatusCode: number): KMSServiceException {
  return new KMSServiceException({
    name,
    message: `${name} (test)`,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

function keys() {
  const aws = createAwsClients({ region: 'us-east-1' });
  return { aws, kms: new KmsKeys(aws, { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }) };
}

describe('Adapter: KmsKeys', () => {
  beforeEach(() => {
    kmsMock.reset();
  });

  afterAll(() => {
    kmsMock.restore();
  });

  it('says an AWS managed key is AWS-managed, and asks once for a key seen twice', async () => {
    // Prepare
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', Arn: AWS_KEY, KeyManager: 'AWS' } });
    const { kms } = keys();

    // Act
    const first = await kms.describe([
      { ref: AWS_KEY, region: 'us-east-1' },
      { ref: AWS_KEY, region: 'us-east-1' },
    ]);
    const again = await kms.describe([{ ref: AWS_KEY, region: 'us-east-1' }]);

    // Assess
    expect(first).toEqual([{ ref: AWS_KEY, region: 'us-east-1', arn: AWS_KEY, keyManager: 'AWS' }]);
    expect(again).toEqual(first);
    expect(kmsMock.commandCalls(DescribeKeyCommand)).toHaveLength(1);
  });

  it('makes a key it may not describe an unknown, and asks again next time', async () => {
    // Prepare
    kmsMock.on(DescribeKeyCommand).rejects(kmsError('AccessDeniedException', 400));
    const { kms } = keys();

    // Act
    const [fact] = await kms.describe([{ ref: FOREIGN_KEY, region: 'us-east-1' }]);
    await kms.describe([{ ref: FOREIGN_KEY, region: 'us-east-1' }]);

    // Assess
    expect(fact).toEqual({
      ref: FOREIGN_KEY,
      region: 'us-east-1',
      unknown: 'KMS DescribeKey failed: AccessDeniedException: AccessDeniedException (test)',
    });
    expect(kmsMock.commandCalls(DescribeKeyCommand)).toHaveLength(2);
  });

  it('remembers an endpoint without KMS and stops asking', async () => {
    // Prepare
    kmsMock.on(DescribeKeyCommand).rejects(kmsError('UnknownOperationException', 400));
    const { kms, aws } = keys();

    // Act
    const [first] = await kms.describe([{ ref: 'alias/clone-key', region: 'us-east-1' }]);
    const [second] = await kms.describe([{ ref: 'alias/other', region: 'us-east-1' }]);

    // Assess
    expect(first?.unknown).toBe('KMS DescribeKey is not supported by this endpoint');
    expect(second?.unknown).toBe('KMS DescribeKey is not supported by this endpoint');
    expect(aws.unsupported.has('KMS DescribeKey')).toBe(true);
    expect(kmsMock.commandCalls(DescribeKeyCommand)).toHaveLength(1);
  });

  it('fails on throttling, so that the event is retried rather than judged on a guess', async () => {
    // Prepare
    kmsMock.on(DescribeKeyCommand).rejects(kmsError('KMSInternalException', 500));
    const { kms } = keys();

    // Act
    const attempt = kms.describe([{ ref: FOREIGN_KEY, region: 'us-east-1' }]);

    // Assess
    await expect(attempt).rejects.toThrow('KMSInternalException');
  });

  it('sends each lookup to the client of the region asked', async () => {
    // Prepare
    kmsMock
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { KeyId: 'k', Arn: AWS_KEY, KeyManager: 'CUSTOMER' } });
    const { kms, aws } = keys();

    // Act
    await kms.describe([{ ref: 'alias/clone-key', region: 'eu-west-1' }]);

    // Assess
    expect(kmsMock.calls()[0]!.thisValue).toBe(await aws.kms('eu-west-1'));
    expect(kmsMock.commandCalls(DescribeKeyCommand)[0]!.args[0].input).toEqual({ KeyId: 'alias/clone-key' });
  });
});
