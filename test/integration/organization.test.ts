import { appendFileSync, copyFileSync } from 'node:fs';
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Caller, eventBridgeEnvelope, records } from '../../scripts/lib/cloudtrail-records.js';
import { EMULATOR_ACCOUNT } from '../../scripts/lib/emulator.js';
import { apiCallCounter } from '../../shared/aws/api-call-counter.js';
import { connectAws } from '../../shared/cli/aws-command.js';
import type { Verdict } from '../../shared/model/types.js';
import {
  asTags,
  createAlertInbox,
  createLedgerTable,
  LABELS,
  memberAccountEc2,
  snapshotTags,
  writeEnforcingPolicy,
} from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import { type OrganizationBuilder, organizationIn } from '../support/organization-fixtures.js';
import { lambdaContext, runCli } from '../support/run-cli.js';

/*
 * Organization mode end to end on moto's multi-account support: moto keeps accounts apart by the
 * credentials' account (an assumed role's access key belongs to the role's account). The hub is
 * the emulator's default account; it creates an organization with two OUs and three member
 * accounts. Events from member accounts go through the wrapped enforce handler with
 * CLONEWARDEN_MEMBER_ROLE set, and the clones (and their shares) are read back in their own accounts.
 * A Lab OU (with a Trial OU inside it) carries the policy's per-OU overrides, and one Lab account
 * its own: the hub reads each account's OUs with Organizations ListParents, as in production.
 */
const REGION = 'ap-northeast-2';
const MEMBER_ROLE = 'clonewarden-member';
const context = lambdaContext();

interface Member {
  id: string;
  name: string;
  ec2: EC2Client;
}

let handler: (event: unknown, context: Context) => Promise<Verdict>;
let inbox: Awaited<ReturnType<typeof createAlertInbox>>;
let hubEc2: EC2Client;
/** The hub's policy file: the handler enforces it, `clonewarden validate` reads it. */
let policyPath: string;
/** The accounts of the Production and Sandbox OUs: the base policy is in force in each. */
const members: Member[] = [];
/** The accounts of the Lab OU, where the policy's overrides apply (see {@link createLab}). */
const lab = {} as {
  ou: string;
  trialOu: string;
  playgroundOu: string;
  tagged: Member;
  strict: Member;
  trial: Member;
  playground: Member;
};

const developerIn = (account: string): Caller => ({
  type: 'AssumedRole',
  account,
  role: 'Developer',
  session: 'eve',
});

/** A member account under `parent`, with its own EC2 (see {@link memberAccountEc2}). */
async function memberIn(organization: OrganizationBuilder, name: string, parent: string): Promise<Member> {
  const id = await organization.account(name, parent);
  return { id, name, ec2: await memberAccountEc2(REGION, id) };
}

/** An organization with Production and Sandbox OUs and three member accounts. */
async function createOrganization(organization: OrganizationBuilder): Promise<void> {
  const production = await organization.ou('Production');
  const sandbox = await organization.ou('Sandbox');
  members.push(
    await memberIn(organization, 'payments-prod', production),
    await memberIn(organization, 'search-prod', production),
    await memberIn(organization, 'data-sandbox', sandbox),
  );
}

/**
 * A Lab OU with a Trial OU inside it (lab-tagged and lab-strict in Lab, lab-trial in Trial), and
 * a Playground OU beside them (play-ground).
 */
async function createLab(organization: OrganizationBuilder): Promise<void> {
  lab.ou = await organization.ou('Lab');
  lab.trialOu = await organization.ou('Trial', lab.ou);
  lab.playgroundOu = await organization.ou('Playground');
  lab.tagged = await memberIn(organization, 'lab-tagged', lab.ou);
  lab.strict = await memberIn(organization, 'lab-strict', lab.ou);
  lab.trial = await memberIn(organization, 'lab-trial', lab.trialOu);
  lab.playground = await memberIn(organization, 'play-ground', lab.playgroundOu);
}

/**
 * The overrides: in Lab, cloning without the Platform role is only tagged, at low severity; in
 * Trial (inside Lab) the same, judged dry; lab-strict's own override quarantines it again, critical.
 * In Playground, the developers' role is exempt.
 */
const labOverrides = () => `overrides:
  ${lab.ou}:
    description: the lab may clone freely; it is only told
    rules:
      - { id: who-may-clone, type: allowed-principals, severity: low, action: tag, principals: ["arn:aws:iam::*:role/Platform*"] }
  ${lab.trialOu}:
    dryRun: true
  ${lab.playgroundOu}:
    exemptions:
      - { principals: ["arn:aws:iam::*:role/Developer"], reason: playground experiments }
  "${lab.strict.id}":
    rules:
      - { id: who-may-clone, type: allowed-principals, severity: critical, action: quarantine, principals: ["arn:aws:iam::*:role/Platform*"] }
`;

/** A snapshot made in `ec2`'s account by a developer (not allowed to clone: quarantined). */
async function developerSnapshot(ec2: EC2Client) {
  const { VolumeId } = await ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: `${REGION}a`,
      Size: 4,
      TagSpecifications: [{ ResourceType: 'volume', Tags: asTags(LABELS) }],
    }),
  );
  const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId }));
  return { volumeId: VolumeId!, snapshotId: SnapshotId! };
}

const snapshotIdsIn = async (ec2: EC2Client) =>
  ((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots ?? []).map(
    (s) => s.SnapshotId,
  );

beforeAll(async () => {
  useEmulatorRegion(REGION);
  hubEc2 = new EC2Client({ region: REGION });
  inbox = await createAlertInbox(REGION, 'organization');
  const organization = await organizationIn(REGION);
  await createOrganization(organization);
  await createLab(organization);
  // The ledger is the hub's: one table in the hub's account for every member's clones.
  await createLedgerTable(REGION, 'organization-ledger');
  // The clone rules, and a sharing rule that needs the organization (read by the hub).
  const policy = writeEnforcingPolicy();
  policyPath = policy;
  appendFileSync(
    policy,
    `  - id: shares-stay-inside
    type: allowed-sharing
    severity: critical
    action: revert
    organization: true
${labOverrides()}`,
  );
  Object.assign(process.env, {
    CLONEWARDEN_POLICY: policy,
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    CLONEWARDEN_MEMBER_ROLE: MEMBER_ROLE,
    CLONEWARDEN_LEDGER_TABLE: 'organization-ledger',
    CLONEWARDEN_ENFORCER_ROLE_ARN: `arn:aws:iam::${EMULATOR_ACCOUNT}:role/clonewarden-test-enforce`,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
  delete process.env.CLONEWARDEN_IDEMPOTENCY_TABLE;
  ({ handler } = (await import('../../functions/enforce.js')) as never);
  await inbox.drain();
}, 60_000);

describe('Integration: organization mode (hub enforces in member accounts)', () => {
  it('quarantines each member account’s clone in that account, names the account, and leaves the hub untouched', async () => {
    // Prepare: one clone per member account, and one of the hub's own that no event is about.
    const hubClone = await developerSnapshot(hubEc2);
    const clones = [];
    for (const member of members) clones.push({ member, ...(await developerSnapshot(member.ec2)) });

    // Act
    const verdicts: Verdict[] = [];
    for (const { member, volumeId, snapshotId } of clones) {
      const record = records.createSnapshot({
        caller: developerIn(member.id),
        region: REGION,
        volumeId,
        snapshotId,
      });
      verdicts.push(await handler(eventBridgeEnvelope(record), context));
    }

    // Assess: each clone is quarantined where it lives, and only there.
    expect(verdicts.map((v) => [v.account, v.accountName, v.status])).toEqual(
      members.map((m) => [m.id, m.name, 'quarantined']),
    );
    for (const { member, snapshotId } of clones) {
      expect(await snapshotTags(member.ec2, snapshotId)).toMatchObject({
        'clonewarden:status': 'quarantined',
        'clonewarden:violations': 'who-may-clone',
        'clonewarden:created-by': `arn:aws:sts::${member.id}:assumed-role/Developer/eve`,
      });
      for (const other of members.filter((m) => m !== member)) {
        expect(await snapshotIdsIn(other.ec2)).not.toContain(snapshotId);
      }
      expect(await snapshotIdsIn(hubEc2)).not.toContain(snapshotId);
    }
    expect(await snapshotTags(hubEc2, hubClone.snapshotId)).toEqual({});
    // One alert per event, from the hub's topic, naming the account and its name.
    const alerts = await inbox.drain();
    expect(alerts.map((a) => [a.attributes.account, a.attributes.accountName]).sort()).toEqual(
      members.map((m) => [m.id, m.name]).sort(),
    );
    const documented = alerts.map((a) => (a.document.verdict as { accountName?: string }).accountName).sort();
    expect(documented).toEqual(members.map((m) => m.name).sort());
  });

  it('assumes each member role once, then reuses its credentials for the next event', async () => {
    // Prepare
    const member = members[0]!;
    const { volumeId, snapshotId } = await developerSnapshot(member.ec2);
    const record = records.createSnapshot({
      caller: developerIn(member.id),
      region: REGION,
      volumeId,
      snapshotId,
    });

    // Act: the handler resets the counter per invocation.
    const verdict = await handler(eventBridgeEnvelope(record), context);

    // Assess
    expect(verdict.status).toBe('quarantined');
    expect(apiCallCounter.snapshot()['STS:AssumeRole']).toBeUndefined();
    expect(apiCallCounter.snapshot()['Organizations:DescribeAccount']).toBeUndefined();
    await inbox.drain();
  });

  it("acts in the hub's own account with the hub's own role when the event is the hub's", async () => {
    // Prepare
    const { volumeId, snapshotId } = await developerSnapshot(hubEc2);
    const record = records.createSnapshot({
      caller: developerIn(EMULATOR_ACCOUNT),
      region: REGION,
      volumeId,
      snapshotId,
    });

    // Act
    const verdict = await handler(eventBridgeEnvelope(record), context);

    // Assess
    expect(verdict.status).toBe('quarantined');
    expect(await snapshotTags(hubEc2, snapshotId)).toMatchObject({ 'clonewarden:status': 'quarantined' });
    expect(apiCallCounter.snapshot()['STS:AssumeRole']).toBeUndefined();
    await inbox.drain();
  });

  it("reverts a member's share with a foreign account in that account, and keeps its share with another member", async () => {
    // Prepare: a snapshot in one member account, shared for real with a sibling and an outsider.
    const [owner, sibling] = [members[2]!, members[0]!];
    const foreign = '444455556666';
    const { snapshotId } = await developerSnapshot(owner.ec2);
    await owner.ec2.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: snapshotId,
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        UserIds: [foreign, sibling.id],
      }),
    );
    const record = records.modifySnapshotAttribute({
      caller: developerIn(owner.id),
      region: REGION,
      snapshotId,
      add: [{ userId: foreign }, { userId: sibling.id }],
    });

    // Act
    const verdict = await handler(eventBridgeEnvelope(record), context);

    // Assess: the grant is removed where the snapshot lives; the organization's member stays.
    const { CreateVolumePermissions } = await owner.ec2.send(
      new DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: 'createVolumePermission' }),
    );
    expect(verdict).toMatchObject({ status: 'violation', account: owner.id, accountName: owner.name });
    expect(verdict.violations.map((v) => v.rule)).toEqual(['shares-stay-inside']);
    expect((CreateVolumePermissions ?? []).map((p) => p.UserId)).toEqual([sibling.id]);
    const alerts = await inbox.drain();
    expect(alerts.map((a) => [a.attributes.account, a.attributes.accountName])).toEqual([
      [owner.id, owner.name],
    ]);
  });

  it('rejects an event from an account outside the organization, with the reason, and changes nothing', async () => {
    // Prepare: a real clone in an account that is not a member.
    const outsider = '999988887777';
    const ec2 = await memberAccountEc2(REGION, outsider);
    const { volumeId, snapshotId } = await developerSnapshot(ec2);
    const record = records.createSnapshot({
      caller: developerIn(outsider),
      region: REGION,
      volumeId,
      snapshotId,
    });

    // Act
    const verdict = await handler(eventBridgeEnvelope(record), context);

    // Assess
    expect(verdict.status).toBe('rejected');
    expect(verdict.account).toBe(outsider);
    expect(verdict.reason).toBe(
      `account ${outsider} is not a member of the hub's organization: nothing there is clonewarden's to act on`,
    );
    expect(await snapshotTags(ec2, snapshotId)).toEqual({});
    expect(await inbox.drain()).toEqual([]);
  });
});

describe('Integration: per-OU and per-account policy overrides through the hub handler', () => {
  // Each test reads only its own alerts, even when the one before failed before draining.
  beforeEach(async () => {
    await inbox.drain();
  });

  /** One clone made by a developer in `member`'s account, and its CreateSnapshot event judged by the hub. */
  async function cloneAndEnforce(member: Member) {
    const { volumeId, snapshotId } = await developerSnapshot(member.ec2);
    const record = records.createSnapshot({
      caller: developerIn(member.id),
      region: REGION,
      volumeId,
      snapshotId,
    });
    const verdict = await handler(eventBridgeEnvelope(record), context);
    // Read before the tags: the handler resets the counter per invocation.
    const calls = apiCallCounter.snapshot();
    return { snapshotId, verdict, calls, tags: await snapshotTags(member.ec2, snapshotId) };
  }
  const judged = (verdict: Verdict) =>
    verdict.violations.map((v) => ({ rule: v.rule, severity: v.severity, action: v.action }));
  const alertOf = (alert: { attributes: Record<string, string> }) => ({
    account: alert.attributes.account,
    severity: alert.attributes.severity,
    status: alert.attributes.status,
    dryRun: alert.attributes.dryRun,
  });

  it('applies the Lab OU’s override in its account and the base policy outside it, for the same event', async () => {
    // Act: the same unauthorised clone, in a Lab account and in a Production account.
    const inLab = await cloneAndEnforce(lab.tagged);
    const outside = await cloneAndEnforce(members[0]!);

    // Assess: in Lab the clone is only tagged, at low severity; outside, quarantined at high.
    expect(inLab.verdict).toMatchObject({ account: lab.tagged.id, status: 'violation', dryRun: false });
    expect(judged(inLab.verdict)).toEqual([{ rule: 'who-may-clone', severity: 'low', action: 'tag' }]);
    expect(inLab.tags).toMatchObject({
      'clonewarden:status': 'violation',
      'clonewarden:violations': 'who-may-clone',
    });
    expect(outside.verdict).toMatchObject({ account: members[0]!.id, status: 'quarantined' });
    expect(judged(outside.verdict)).toEqual([
      { rule: 'who-may-clone', severity: 'high', action: 'quarantine' },
    ]);
    expect(outside.tags).toMatchObject({ 'clonewarden:status': 'quarantined' });
    const alerts = (await inbox.drain()).map(alertOf);
    expect(alerts).toEqual(
      expect.arrayContaining([
        { account: lab.tagged.id, severity: 'low', status: 'violation', dryRun: 'false' },
        { account: members[0]!.id, severity: 'high', status: 'quarantined', dryRun: 'false' },
      ]),
    );
    expect(alerts).toHaveLength(2);
  });

  it('lets an account’s own override have the last word over its OU’s', async () => {
    // Act: lab-strict sits in Lab, whose override only tags; its own override quarantines.
    const strict = await cloneAndEnforce(lab.strict);

    // Assess
    expect(strict.verdict).toMatchObject({ account: lab.strict.id, status: 'quarantined', dryRun: false });
    expect(judged(strict.verdict)).toEqual([
      { rule: 'who-may-clone', severity: 'critical', action: 'quarantine' },
    ]);
    expect(strict.tags).toMatchObject({ 'clonewarden:status': 'quarantined' });
    expect((await inbox.drain()).map(alertOf)).toEqual([
      { account: lab.strict.id, severity: 'critical', status: 'quarantined', dryRun: 'false' },
    ]);
  });

  it('judges an account of Trial (inside Lab) by both OUs’ overrides, dry: nothing changes there', async () => {
    // Act
    const trial = await cloneAndEnforce(lab.trial);

    // Assess: Lab's rule (tag, low) from the outer OU, Trial's dryRun from the inner one.
    expect(trial.verdict).toMatchObject({ account: lab.trial.id, status: 'violation', dryRun: true });
    expect(judged(trial.verdict)).toEqual([{ rule: 'who-may-clone', severity: 'low', action: 'tag' }]);
    expect(trial.tags).toEqual({});
    // The OU path came from Organizations: the account's parent Trial, Trial's Lab, Lab's root.
    expect(trial.calls['Organizations:ListParents']).toBe(3);
    expect((await inbox.drain()).map(alertOf)).toEqual([
      { account: lab.trial.id, severity: 'low', status: 'violation', dryRun: 'true' },
    ]);
  });

  it('exempts the developers of the Playground OU by its own exemption, and nobody elsewhere', async () => {
    // Act: the same developer role clones in Playground and in a Sandbox account.
    const inPlayground = await cloneAndEnforce(lab.playground);
    const elsewhere = await cloneAndEnforce(members[2]!);

    // Assess: the violation is still named (and alerted), but nothing is quarantined there.
    expect(inPlayground.verdict).toMatchObject({
      account: lab.playground.id,
      status: 'exempt',
      exemption: 'playground experiments',
    });
    expect(judged(inPlayground.verdict)).toEqual([
      { rule: 'who-may-clone', severity: 'high', action: 'quarantine' },
    ]);
    expect(inPlayground.tags).toMatchObject({ 'clonewarden:status': 'exempt' });
    expect(elsewhere.verdict).toMatchObject({ account: members[2]!.id, status: 'quarantined' });
    expect(elsewhere.verdict.exemption).toBeUndefined();
    expect(elsewhere.tags).toMatchObject({ 'clonewarden:status': 'quarantined' });
    const alerts = (await inbox.drain()).map(alertOf);
    expect(alerts).toEqual(
      expect.arrayContaining([
        { account: lab.playground.id, severity: 'high', status: 'exempt', dryRun: 'false' },
        { account: members[2]!.id, severity: 'high', status: 'quarantined', dryRun: 'false' },
      ]),
    );
    expect(alerts).toHaveLength(2);
  });

  it("the CLI's member-role session is named after its caller (moto's `user/moto`), and moto accepts its source identity", async () => {
    // Prepare: the CLI's clients (operator sessions), as every --member-role command builds them.
    const aws = await connectAws(REGION, { checkCredentials: false, memberRole: MEMBER_ROLE });
    const member = members[0]!;

    // Act: moto accepts SourceIdentity on AssumeRole (it does not check the trust policy's conditions).
    const inMember = await (await aws.forAccount(member.id).sts()).send(new GetCallerIdentityCommand({}));

    // Assess
    expect(inMember.Arn).toBe(`arn:aws:sts::${member.id}:assumed-role/${MEMBER_ROLE}/clonewarden-cli-moto`);
  });

  it('`clonewarden validate --account` reads the OUs from Organizations and prints the policy the handler enforced', async () => {
    // Act: no --ou, so the CLI asks Organizations (ListParents), as the hub does.
    const strict = await runCli(['validate', policyPath, '--account', lab.strict.id, '--json']);
    const trial = await runCli(['validate', policyPath, '--account', lab.trial.id, '--json']);

    // Assess
    const printed = (run: typeof strict) =>
      JSON.parse(run.lines[0]!) as {
        overrides: string[];
        effective: { dryRun: boolean; rules: { id: string; severity: string; action: string }[] };
      };
    const whoMayClone = (run: typeof strict) =>
      printed(run).effective.rules.find((rule) => rule.id === 'who-may-clone');
    expect([strict.code, trial.code]).toEqual([0, 0]);
    expect(printed(strict).overrides).toEqual([lab.ou, lab.strict.id]);
    expect(whoMayClone(strict)).toMatchObject({ severity: 'critical', action: 'quarantine' });
    expect(printed(strict).effective.dryRun).toBe(false);
    expect(printed(trial).overrides).toEqual([lab.ou, lab.trialOu]);
    expect(whoMayClone(trial)).toMatchObject({ severity: 'low', action: 'tag' });
    expect(printed(trial).effective.dryRun).toBe(true);
  });

  it('`clonewarden prune --account` prunes with that account’s policy: dry in Trial, for real in lab-strict', async () => {
    // Prepare: the same policy, with prune acting (its default is dry).
    const acting = `${policyPath}.prune-acting.yml`;
    copyFileSync(policyPath, acting);
    appendFileSync(acting, 'prune: { dryRun: false }\n');

    // Act
    const trial = await runCli(['prune', '--policy', acting, '--account', lab.trial.id, '--json']);
    const strict = await runCli(['prune', '--policy', acting, '--account', lab.strict.id, '--json']);

    // Assess: Trial's override (`dryRun: true`) holds in its prune too; lab-strict has none.
    expect([trial.code, strict.code]).toEqual([0, 0]);
    expect(JSON.parse(trial.lines[0]!)).toMatchObject({ dryRun: true });
    expect(JSON.parse(strict.lines[0]!)).toMatchObject({ dryRun: false });
  });
});
