import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { TAG_BATCH, tagResources } from '../../shared/aws/ec2-tagging.js';

const ec2Mock = mockClient(EC2Client);
const snapshotIds = (count: number) =>
  Array.from({ length: count }, (_, i) => `snap-0${i.toString(16).padStart(16, '0')}`);

function anEc2() {
  return createAwsClients({ region: 'eu-west-3' }).ec2();
}

describe('Adapter: EC2 tagging', () => {
  beforeEach(() => {
    ec2Mock.reset();
    ec2Mock.on(CreateTagsCommand).resolves({});
  });

  afterAll(() => {
    ec2Mock.restore();
  });

  it('splits 2,001 ids into calls of at most 1,000, each with the same tags, in order', async () => {
    // Prepare
    const ids = snapshotIds(2 * TAG_BATCH + 1);
    const tags = { 'clonewarden:status': 'expiring', 'clonewarden:prune-after': '2030-01-04' };

    // Act
    await tagResources(anEc2(), ids, tags);

    // Assess
    const inputs = ec2Mock.commandCalls(CreateTagsCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => input.Resources?.length)).toEqual([1000, 1000, 1]);
    expect(inputs.flatMap((input) => input.Resources)).toEqual(ids);
    for (const input of inputs) {
      expect(input.Tags).toEqual([
        { Key: 'clonewarden:status', Value: 'expiring' },
        { Key: 'clonewarden:prune-after', Value: '2030-01-04' },
      ]);
    }
  });

  it.each<{ case: string; ids: string[]; tags: Record<string, string> }>([
    { case: 'no ids', ids: [], tags: { a: 'b' } },
    { case: 'no tags', ids: ['snap-0123456789abcdef0'], tags: {} },
  ])('makes no call with $case', async ({ ids, tags }) => {
    // Act
    await tagResources(anEc2(), ids, tags);

    // Assess
    expect(ec2Mock.calls()).toHaveLength(0);
  });
});
