import { DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AssumeRoleCommand } from '@aws-sdk/nested-clients/sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiCallCounter } from '../../shared/aws/api-call-counter.js';
import { createAwsClients } from '../../shared/aws/clients.js';
import { mockMemberRoleSts } from '../support/member-role-sts.js';

describe('AWS: createAwsClients', () => {
  const ec2Mock = mockClient(EC2Client);
  /** The STS mocks of a member-role test, restored even when it fails. */
  let sts: ReturnType<typeof mockMemberRoleSts> | undefined;
  afterEach(() => {
    ec2Mock.reset();
    sts?.restore();
    sts = undefined;
  });

  it('counts every call by service and operation on one shared counter, once per call', async () => {
    // Prepare: requests stop at the build step (after the counter ran), so nothing leaves the process.
    ec2Mock.restore();
    const counter = new ApiCallCounter();
    const aws = createAwsClients({ region: 'eu-west-1', counter, maxAttempts: 3 });
    for (const client of [aws.ec2(), aws.ec2('us-west-2')]) {
      client.middlewareStack.add(
        () => async () => {
          throw Object.assign(new Error('stopped before sending'), { name: 'TestStop' });
        },
        { step: 'build', name: 'testStop' },
      );
    }

    // Act
    const outcomes = await Promise.allSettled([
      aws.ec2().send(new DescribeImagesCommand({})),
      aws.ec2().send(new DescribeImagesCommand({})),
      aws.ec2('us-west-2').send(new DescribeSnapshotsCommand({})),
    ]);

    // Assess
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(counter.snapshot()).toEqual({ 'EC2:DescribeImages': 2, 'EC2:DescribeSnapshots': 1 });
    expect(counter.total()).toBe(3);
    expect(counter.total((op) => op.endsWith('Snapshots'))).toBe(1);
  });

  it('builds one EC2 client per region, in that region, with adaptive retries', async () => {
    // Prepare
    const aws = createAwsClients({ region: 'eu-west-1', counter: new ApiCallCounter() });

    // Act
    const home = aws.ec2();
    const again = aws.ec2('eu-west-1');
    const other = aws.ec2('ap-south-1');

    // Assess
    expect(again).toBe(home);
    expect(other).not.toBe(home);
    expect(await home.config.region()).toBe('eu-west-1');
    expect(await other.config.region()).toBe('ap-south-1');
    expect(await home.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
    expect(await home.config.maxAttempts()).toBe(5);
  });

  it('loads the SNS client on first use and then reuses it', async () => {
    // Prepare
    const aws = createAwsClients({ region: 'eu-west-1', counter: new ApiCallCounter() });

    // Act
    const first = await aws.sns();
    const second = await aws.sns();

    // Assess
    expect(second).toBe(first);
    expect(await first.config.region()).toBe('eu-west-1');
  });

  it('resets to nothing', () => {
    // Prepare
    const counter = new ApiCallCounter();
    counter.record('EC2:CreateTags');

    // Act
    counter.reset();

    // Assess
    expect(counter.snapshot()).toEqual({});
  });

  it('keeps what an endpoint lacks per client set, not per process', () => {
    // Prepare
    const first = createAwsClients({ region: 'eu-west-1', counter: new ApiCallCounter() });
    const second = createAwsClients({ region: 'eu-west-1', counter: new ApiCallCounter() });

    // Act
    first.unsupported.remember('DescribeVolumeStatus');

    // Assess
    expect(first.unsupported.has('DescribeVolumeStatus')).toBe(true);
    expect(first.unsupported.has('DisableImage')).toBe(false);
    expect(second.unsupported.has('DescribeVolumeStatus')).toBe(false);
  });

  it('organization mode: one client set per account and region, each with its own optional-operation memory', () => {
    // Prepare
    const aws = createAwsClients({ region: 'eu-west-1', memberRole: 'security/clonewarden-member' });

    // Act
    const member = aws.forAccount('111122223333');
    const memberElsewhere = aws.forAccount('111122223333', 'us-east-1');
    const other = aws.forAccount('444455556666');

    // Assess
    expect(aws.accountId).toBeUndefined();
    expect(member.accountId).toBe('111122223333');
    expect(aws.forAccount('111122223333')).toBe(member);
    expect(member.inRegion('us-east-1')).toBe(memberElsewhere);
    expect(memberElsewhere.region).toBe('us-east-1');
    // One AssumeRole per account across its clients is shown on moto (test/integration/organization.test.ts).
    expect(other).not.toBe(member);
    expect(member.unsupported).not.toBe(aws.unsupported);
    expect(member.counter).toBe(aws.counter);
    expect(aws.inRegion('eu-west-1')).toBe(aws);
    expect(aws.inRegion('us-east-1').accountId).toBeUndefined();
  });

  it('organization mode: refuses without a member role, and refuses an id that is not an account', () => {
    // Prepare
    const single = createAwsClients({ region: 'eu-west-1' });
    const hub = createAwsClients({ region: 'eu-west-1', memberRole: 'clonewarden-member' });

    // Act & Assess
    expect(() => single.forAccount('111122223333')).toThrow(/organization mode is off/);
    expect(() => hub.forAccount('1111:role/x')).toThrow(/is not an AWS account id/);
  });

  it('organization mode: a function names its sessions after itself, sets no source identity, asks no caller', async () => {
    // Prepare: the STS client the SDK's fromTemporaryCredentials builds (@aws-sdk/nested-clients).
    sts = mockMemberRoleSts();
    const { callerSts, assumeSts } = sts;
    const hub = createAwsClients({
      region: 'eu-west-1',
      memberRole: 'clonewarden-member',
      memberSession: { kind: 'function', function: 'enforce' },
    });

    // Act
    await hub.forAccount('111122223333').ec2().config.credentials();

    // Assess
    const input = assumeSts.commandCalls(AssumeRoleCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ RoleSessionName: 'clonewarden-enforce' });
    expect(input).not.toHaveProperty('SourceIdentity');
    expect(callerSts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });
});
