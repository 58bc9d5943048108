import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSnapshotCommand, CreateVolumeCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_ACCOUNT } from '../../scripts/lib/emulator.js';
import { asTags, memberAccountEc2 } from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import { organizationIn } from '../support/organization-fixtures.js';
import { runCli } from '../support/run-cli.js';

/*
 * `clonewarden audit --member-role` against moto's multi-account support: the hub (the emulator's
 * default account) creates an organization with two member accounts, each with a snapshot made in
 * it; the audit lists the organization's accounts, reads each through the member role, and names
 * each account. moto keeps accounts apart by the credentials' account (an assumed role's belongs
 * to the role's account), so a snapshot read back under an account proves where it was read.
 */
const REGION = 'me-central-1';
// The member template's read-only role for the audit (AuditMemberRole); moto checks no IAM.
const MEMBER_ROLE = 'clonewarden-member-audit';
const members: { id: string; name: string; snapshot: string }[] = [];

async function snapshotIn(ec2: EC2Client, owner: string): Promise<string> {
  const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 2 }));
  const { SnapshotId } = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId,
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: asTags({ Owner: owner }) }],
    }),
  );
  return SnapshotId!;
}

beforeAll(async () => {
  useEmulatorRegion(REGION);
  const organization = await organizationIn(REGION);
  for (const name of ['audit-ledger-prod', 'audit-web-dev']) {
    const id = await organization.account(name);
    members.push({ id, name, snapshot: await snapshotIn(await memberAccountEc2(REGION, id), name) });
  }
  const policy = join(mkdtempSync(join(tmpdir(), 'clonewarden-audit-org-')), 'clonewarden.yml');
  writeFileSync(policy, 'version: 1\nrules: []\n');
  Object.assign(process.env, { CLONEWARDEN_POLICY: policy, POWERTOOLS_LOG_LEVEL: 'ERROR' });
  delete process.env.CLONEWARDEN_MEMBER_ROLE;
  delete process.env.CLONEWARDEN_DRY_RUN;
}, 60_000);

describe('Integration: clonewarden audit in organization mode', () => {
  it('reads each member account through the member role and names it in the report', async () => {
    // Act
    const run = await runCli(['audit', '--format', 'json', '--member-role', MEMBER_ROLE, '--region', REGION]);

    // Assess
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    const nodes: { id: string; account?: string; accountName?: string }[] = report.trees.flatMap(
      (tree: { nodes: unknown[] }) => tree.nodes,
    );
    for (const member of members) {
      expect(nodes.find((node) => node.id === member.snapshot)).toMatchObject({
        account: member.id,
        accountName: member.name,
      });
      expect(run.stderr).toContain(`audit ${member.id} (${member.name})/${REGION}:`);
    }
    // The hub's own account is read too, first, with its own credentials.
    expect(run.stderr).toMatch(new RegExp(`^audit ${EMULATOR_ACCOUNT}`, 'm'));
    expect(run.stderr.indexOf(`audit ${EMULATOR_ACCOUNT}`)).toBeLessThan(
      run.stderr.indexOf(`audit ${members[0]!.id}`),
    );
  });

  it('prints the policy warnings first, as replay and prune do', async () => {
    // Act: a policy with no rules can never judge anything.
    const run = await runCli(['audit', '--format', 'json', '--region', REGION]);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^clonewarden audit: policy: /m);
  });

  it('refuses a second --region that is not a region name before any call', async () => {
    // Act
    const run = await runCli(['audit', '--format', 'json', '--region', REGION, '--region', 'moon-1']);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--region "moon-1" is not an AWS region name');
  });
});
