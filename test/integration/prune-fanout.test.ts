import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSnapshotCommand, CreateVolumeCommand } from '@aws-sdk/client-ec2';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PruneWorkerOptions } from '../../functions/prune-worker.js';
import { type AwsClients, createAwsClients } from '../../shared/aws/clients.js';
import type { FanOutSummary } from '../../shared/prune/fan-out-prune.js';
import {
  asTags,
  createAlertInbox,
  createLedgerTable,
  memberAccountEc2,
  snapshotTags,
} from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import { organizationIn } from '../support/organization-fixtures.js';
import { lambdaContext } from '../support/run-cli.js';

/*
 * The organization prune end to end on moto (Organizations, STS, SQS, EC2, DynamoDB, SNS): the
 * real prune function fans out to a real queue, and the real worker handler consumes what
 * moto's SQS delivers, in the member accounts through the member role (moto keeps accounts
 * apart by the assumed role's account). moto's AssumeRole does not check that the role exists,
 * so the one failure a real organization shows most (the member StackSet not yet deployed in an
 * account) is made at the worker's hub clients: that account's member clients answer AccessDenied.
 */
const REGION = 'eu-south-1';
const MEMBER_ROLE = 'clonewarden-member';
const context = lambdaContext(900_000, 'clonewarden-test-prune-worker');

interface Member {
  id: string;
  name: string;
}

const members: Member[] = [];
let sqs: SQSClient;
let queueUrl: string;
let inbox: Awaited<ReturnType<typeof createAlertInbox>>;
let failing: Member;

/** A snapshot in the member's own account, made as someone working there. */
async function snapshotIn(account: string, tags: Record<string, string>): Promise<string> {
  const ec2 = await memberAccountEc2(REGION, account);
  const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 4 }));
  const { SnapshotId } = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId: VolumeId!,
      ...(Object.keys(tags).length > 0
        ? { TagSpecifications: [{ ResourceType: 'snapshot', Tags: asTags(tags) }] }
        : {}),
    }),
  );
  return SnapshotId!;
}

/** An expired snapshot in the member's own account, with a verdict already (nothing to reconcile). */
async function expiredSnapshotIn(account: string): Promise<void> {
  await snapshotIn(account, { 'clonewarden:status': 'compliant', Expiry: '2020-01-01' });
}

/** The hub's clients with one account's member role denied, as when its StackSet instance is missing. */
function hubWithoutRoleIn(account: string): AwsClients {
  const denied = createAwsClients({
    region: REGION,
    memberRole: MEMBER_ROLE,
    decorateStack: (stack) =>
      stack.add(
        () => async () => {
          throw Object.assign(
            new Error(
              `User: arn:aws:sts::123456789012:assumed-role/clonewarden-test-prune-worker-enforce is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${account}:role/${MEMBER_ROLE}`,
            ),
            { name: 'AccessDenied', $fault: 'client' },
          );
        },
        { step: 'initialize', name: 'denyMemberRole' },
      ),
  });
  const hub = createAwsClients({ region: REGION, memberRole: MEMBER_ROLE });
  return Object.assign(Object.create(hub) as AwsClients, {
    forAccount: (id: string, region?: string) =>
      id === account ? denied.forAccount(id, region) : hub.forAccount(id, region),
  });
}

const asRecord = (message: Message): SQSRecord =>
  ({
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body!,
    eventSource: 'aws:sqs',
  }) as SQSRecord;

/** Lambda's event source mapping, by hand: receive, invoke, delete what did not fail. */
async function consumeQueue(
  worker: (
    event: SQSEvent,
    ctx: typeof context,
    options: PruneWorkerOptions,
  ) => Promise<{
    batchItemFailures: { itemIdentifier: string }[];
  }>,
  options: PruneWorkerOptions,
): Promise<{ invocations: number; failedMessages: number }> {
  let invocations = 0;
  let failedMessages = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return { invocations, failedMessages };
    const { batchItemFailures } = await worker({ Records: Messages.map(asRecord) }, context, options);
    invocations++;
    failedMessages += batchItemFailures.length;
    const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
    const done = Messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }
}

beforeAll(async () => {
  useEmulatorRegion(REGION);
  const organization = await organizationIn(REGION);
  for (const name of ['fanout-payments', 'fanout-search', 'fanout-sandbox']) {
    members.push({ id: await organization.account(name), name });
  }
  failing = members[2]!;
  for (const member of members) await expiredSnapshotIn(member.id);
  sqs = new SQSClient({ region: REGION });
  queueUrl = (
    await sqs.send(
      new CreateQueueCommand({ QueueName: 'prune-fanout-jobs', Attributes: { VisibilityTimeout: '5' } }),
    )
  ).QueueUrl!;
  inbox = await createAlertInbox(REGION, 'prune-fanout');
  await createLedgerTable(REGION, 'prune-fanout-ledger');
  const policy = join(mkdtempSync(join(tmpdir(), 'clonewarden-prune-fanout-')), 'clonewarden.yml');
  writeFileSync(policy, 'version: 1\nrules: []\nprune: { graceDays: 3 }\n');
  Object.assign(process.env, {
    CLONEWARDEN_LEDGER_TABLE: 'prune-fanout-ledger',
    CLONEWARDEN_POLICY: policy,
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    CLONEWARDEN_MEMBER_ROLE: MEMBER_ROLE,
    CLONEWARDEN_PRUNE_QUEUE_URL: queueUrl,
    CLONEWARDEN_PRUNE_REGIONS: REGION,
    POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
  await inbox.drain();
}, 120_000);

describe('Integration: organization prune fan-out (real queue, real worker)', () => {
  it('prunes every member account through the queue, reports the failing one by name, and sends one digest', async () => {
    // Prepare
    const { prune } = await import('../../functions/prune.js');
    const { pruneWorker } = await import('../../functions/prune-worker.js');
    const time = new Date().toISOString();

    // Act: the daily schedule fires, then the worker drains the queue.
    const summary = (await prune({ 'detail-type': 'Scheduled Event', time }, context)) as FanOutSummary;
    const consumed = await consumeQueue(pruneWorker, { aws: hubWithoutRoleIn(failing.id) });

    // Assess: one job per ACTIVE account of the organization (the hub's and other files' too).
    expect(summary).toMatchObject({ runId: time, regions: [REGION], restarted: false });
    expect(summary.jobs).toBe(summary.accounts);
    expect(summary.accounts).toBeGreaterThanOrEqual(members.length + 1);
    expect(consumed).toEqual({ invocations: summary.jobs, failedMessages: 0 });
    // One digest, and nothing else: the jobs send none of their own.
    const alerts = await inbox.drain();
    expect(alerts.map((a) => a.attributes.eventName)).toEqual(['OrganizationPruneDigest']);
    const digest = alerts[0]!.document as unknown as {
      runId: string;
      jobs: number;
      done: number;
      failedJobs: { account: string; accountName: string; region: string; error: string }[];
      accounts: {
        account: string;
        accountName: string;
        scanned: number;
        marked: number;
        jobsNotDone: number;
      }[];
    };
    expect(digest).toMatchObject({ runId: time, jobs: summary.jobs, done: summary.jobs - 1 });
    expect(digest.failedJobs).toEqual([
      {
        account: failing.id,
        accountName: failing.name,
        region: REGION,
        error: expect.stringContaining('not authorized to perform: sts:AssumeRole'),
      },
    ]);
    // The other members were pruned in their own account: each one's expired snapshot, dry-run.
    for (const member of members.filter((m) => m !== failing)) {
      expect(digest.accounts.find((line) => line.account === member.id)).toMatchObject({
        accountName: member.name,
        scanned: 1,
        marked: 1,
        jobsNotDone: 0,
      });
    }
    expect(alerts[0]!.subject).toContain('1 jobs not done');
  });
});

/**
 * Per-OU overrides in the organization prune. Enforce judges a clone in an OU whose override
 * says `dryRun: true` dry: no tag, no ledger item. A day later reconcile finds it unjudged; the
 * worker must judge it with that same policy (dry: nothing changes), not the hub's base policy,
 * which here quarantines it and prunes for real. An account outside the OU gets the base policy.
 */
describe('Integration: the prune worker applies the policy overrides of a job’s account', () => {
  const DAY = 86_400_000;
  const dry = {} as Member & { unjudged: string; expired: string };
  const base = {} as Member & { unjudged: string; expired: string };

  const job = (member: Member) =>
    ({
      messageId: `job-${member.id}`,
      receiptHandle: `job-${member.id}`,
      // A run the table does not know: the job runs, and recording its result is a no-op.
      body: JSON.stringify({
        kind: 'prune',
        runId: '2026-01-01T00:00:00Z',
        account: member.id,
        accountName: member.name,
        region: REGION,
        hubAccount: false,
      }),
      eventSource: 'aws:sqs',
    }) as SQSRecord;

  beforeAll(async () => {
    const organization = await organizationIn(REGION);
    const ou = await organization.ou('fanout-dry');
    Object.assign(dry, { id: await organization.account('fanout-dry-lab', ou), name: 'fanout-dry-lab' });
    Object.assign(base, { id: await organization.account('fanout-base'), name: 'fanout-base' });
    for (const member of [dry, base]) {
      // Never judged (no verdict tag, no ledger item), and missing the Owner tag the rule wants.
      member.unjudged = await snapshotIn(member.id, {});
      member.expired = await snapshotIn(member.id, {
        'clonewarden:status': 'compliant',
        Expiry: '2020-01-01',
      });
    }
    const policy = join(mkdtempSync(join(tmpdir(), 'clonewarden-prune-fanout-ou-')), 'clonewarden.yml');
    writeFileSync(
      policy,
      `version: 1
rules:
  - { id: owner, type: required-tags, severity: high, action: quarantine, tags: { Owner: { pattern: ".+" } } }
prune: { dryRun: false, graceDays: 3 }
overrides:
  ${ou}:
    dryRun: true
`,
    );
    process.env.CLONEWARDEN_POLICY = policy;
  }, 120_000);

  it('judges a never-judged clone in a dry OU dry (nothing changes there), and one elsewhere by the base policy', async () => {
    // Prepare: two days on, so that both clones are past reconcile's day of settling.
    const { pruneWorker } = await import('../../functions/prune-worker.js');
    const now = () => new Date(Date.now() + 2 * DAY);

    // Act: the worker gets one job per account, as the fan-out queues them.
    const response = await pruneWorker({ Records: [job(dry), job(base)] }, context, { now });

    // Assess: both jobs ran.
    expect(response.batchItemFailures).toEqual([]);
    // The dry OU: its override holds in the worker too. No verdict, no quarantine, no mark.
    expect(await snapshotTags(await memberAccountEc2(REGION, dry.id), dry.unjudged)).toEqual({});
    expect(await snapshotTags(await memberAccountEc2(REGION, dry.id), dry.expired)).toEqual({
      'clonewarden:status': 'compliant',
      Expiry: '2020-01-01',
    });
    // Outside it, the base policy: the unjudged clone is judged and quarantined, the expired one marked.
    expect(await snapshotTags(await memberAccountEc2(REGION, base.id), base.unjudged)).toMatchObject({
      'clonewarden:status': 'quarantined',
      'clonewarden:violations': 'owner',
    });
    expect(await snapshotTags(await memberAccountEc2(REGION, base.id), base.expired)).toHaveProperty(
      'clonewarden:prune-after',
    );
  });
});
