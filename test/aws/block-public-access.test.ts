import {
  EC2Client,
  GetImageBlockPublicAccessStateCommand,
  GetSnapshotBlockPublicAccessStateCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Ec2BlockPublicAccess } from '../../shared/aws/block-public-access.js';
import { createAwsClients } from '../../shared/aws/clients.js';

// moto implements neither GetImageBlockPublicAccessState nor GetSnapshotBlockPublicAccessState.
const ec2Mock = mockClient(EC2Client);

describe('Adapter: EC2 block public access', () => {
  beforeEach(() => ec2Mock.reset());
  afterAll(() => ec2Mock.restore());

  it('reads both account settings as EC2 names them', async () => {
    // Prepare
    ec2Mock.on(GetImageBlockPublicAccessStateCommand).resolves({ ImageBlockPublicAccessState: 'unblocked' });
    ec2Mock.on(GetSnapshotBlockPublicAccessStateCommand).resolves({ State: 'block-all-sharing' });

    // Act
    const state = await new Ec2BlockPublicAccess(
      createAwsClients({ region: 'eu-west-1', maxAttempts: 1 }),
    ).read('eu-west-1');

    // Assess
    expect(state).toEqual({ image: 'unblocked', snapshot: 'block-all-sharing', gaps: [] });
  });

  it('reports a setting it may not read as unknown, with the reason, and reads the other', async () => {
    // Prepare
    ec2Mock
      .on(GetImageBlockPublicAccessStateCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' }));
    ec2Mock.on(GetSnapshotBlockPublicAccessStateCommand).resolves({ State: 'unblocked' });

    // Act
    const state = await new Ec2BlockPublicAccess(
      createAwsClients({ region: 'eu-west-1', maxAttempts: 1 }),
    ).read('eu-west-1');

    // Assess
    expect(state).toEqual({
      image: 'unknown',
      snapshot: 'unblocked',
      gaps: ['GetImageBlockPublicAccessState: UnauthorizedOperation: not authorized'],
    });
  });
});
