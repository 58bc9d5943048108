import { DeleteTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { TAG_BATCH } from '../../shared/aws/ec2-tagging.js';
import { untagResources } from '../../shared/aws/ec2-untagging.js';

const ec2Mock = mockClient(EC2Client);
const snapshotIds = (count: number) =>
  Array.from({ length: count }, (_, i) => `snap-0${i.toString(16).padStart(16, '0')}`);

function anEc2() {
  return createAwsClients({ region: 'eu-west-3' }).ec2();
}

describe('Adapter: EC2 untagging', () => {
  beforeEach(() => {
    ec2Mock.reset();
    ec2Mock.on(DeleteTagsCommand).resolves({});
  });

  afterAll(() => {
    ec2Mock.restore();
  });

  it('removes tags by key alone, whatever their value, in batches too', async () => {
    // Prepare
    const ids = snapshotIds(TAG_BATCH + 5);

    // Act
    await untagResources(anEc2(), ids, ['clonewarden:prune-after']);

    // Assess
    const inputs = ec2Mock.commandCalls(DeleteTagsCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => input.Resources?.length)).toEqual([1000, 5]);
    for (const input of inputs) expect(input.Tags).toEqual([{ Key: 'clonewarden:prune-after' }]);
  });

  it.each<{ case: string; ids: string[]; keys: string[] }>([
    { case: 'no ids', ids: [], keys: ['a'] },
    { case: 'no keys', ids: ['snap-0123456789abcdef0'], keys: [] },
  ])('makes no call with $case', async ({ ids, keys }) => {
    // Act
    await untagResources(anEc2(), ids, keys);

    // Assess
    expect(ec2Mock.calls()).toHaveLength(0);
  });
});
