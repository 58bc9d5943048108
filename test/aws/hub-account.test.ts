import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { HubAccount } from '../../shared/aws/hub-account.js';
import { clientsInAccount } from '../../shared/aws/member-accounts.js';

const HUB = '111111111111';
const MEMBER = '222222222222';

describe("AWS: the hub's own account", () => {
  it('asks STS once while it answers, and again after a failure', async () => {
    // Prepare
    const answers: (() => Promise<{ arn: string; account?: string }>)[] = [
      async () => {
        throw Object.assign(new Error('rate exceeded'), { name: 'Throttling' });
      },
      async () => ({ arn: `arn:aws:sts::${HUB}:assumed-role/x/y`, account: HUB }),
    ];
    let asked = 0;
    const identity = { whoAmI: () => answers[asked++]!() };
    const hub = new HubAccount(createAwsClients({ region: 'eu-west-1' }), { identity });

    // Act
    const failed = await hub.id().catch((error: unknown) => error);
    const first = await hub.id();
    const second = await hub.id();

    // Assess
    expect(failed).toMatchObject({ name: 'Throttling' });
    expect([first, second]).toEqual([HUB, HUB]);
    expect(asked).toBe(2);
  });

  it("hands out the hub's own clients in its account, in the region asked, and the member role's elsewhere", () => {
    // Prepare
    const aws = createAwsClients({ region: 'eu-west-1', memberRole: 'clonewarden-member' });

    // Act
    const home = clientsInAccount(aws, HUB, { isHub: true });
    const homeElsewhere = clientsInAccount(aws, HUB, { isHub: true, region: 'us-east-1' });
    const member = clientsInAccount(aws, MEMBER, { isHub: false, region: 'us-east-1' });

    // Assess
    expect(home).toBe(aws);
    expect(homeElsewhere).toBe(aws.inRegion('us-east-1'));
    expect(homeElsewhere.region).toBe('us-east-1');
    expect(member).toBe(aws.forAccount(MEMBER, 'us-east-1'));
  });
});
