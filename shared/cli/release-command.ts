import { existsSync } from 'node:fs';
import { StsCallerIdentity } from '../aws/caller-identity.js';
import { DynamoDbCloneLedger } from '../aws/clone-ledger.js';
import { Ec2CloneReleaser } from '../aws/clone-releaser.js';
import { SnsAlertPublisher } from '../aws/sns-alert-publisher.js';
import { UsageError } from '../model/errors.js';
import { loadPolicy } from '../policy/load-policy.js';
import { type ReleasePlan, releaseClone } from '../release/release-clone.js';
import type { ReleaseResult } from '../release/release-result.js';
import { policyLocation } from '../settings/environment.js';
import { resolveSettings } from '../settings/resolve-settings.js';
import { connectAws, openTargetAccount, withCredentialHint } from './aws-command.js';
import type { CliCommand } from './cli-command.js';
import { ACCOUNT_FLAGS, parseFlags, SETTING_FLAGS } from './parse-flags.js';
import { createStderrLog } from './stderr-log.js';

const CLONE_ID = /^(ami|snap)-[0-9a-f]{8,17}$/;

function humanResult(result: ReleaseResult): string {
  return [
    `${result.dryRun ? 'DRY RUN: would release' : 'released'} ${result.kind} ${result.id} in ${result.region} as ${result.releasedBy}`,
    `  reason: ${result.reason}`,
    `  shares: ${result.restoredShares.map((s) => `${s.kind}=${s.value}`).join(', ') || 'none recorded'}`,
    ...result.steps.map((s) => `  ${s.step}: ${s.outcome}${s.detail ? ` (${s.detail})` : ''}`),
  ].join('\n');
}

/** What will be given back, said before anything changes. */
function announcePlan(plan: ReleasePlan, dryRun: boolean): void {
  const shareText = (shares: ReleasePlan['shares']) =>
    shares.map((s) =>
      s.kind === 'group' && s.value === 'all' ? 'EVERYONE (group all)' : `${s.kind}=${s.value}`,
    );
  const lines = [
    `${dryRun ? 'would restore' : 'will restore'} (recorded in the ${plan.source}):`,
    `  the clone: ${shareText(plan.shares).join(', ') || 'no shares'}`,
    ...plan.diskShares.map((d) => `  its disk ${d.snapshotId}: ${shareText(d.shares).join(', ')}`),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** Said on every release without the ledger: what a tag cannot guarantee. */
const NO_LEDGER_WARNING =
  "warning: CLONEWARDEN_LEDGER_TABLE is not set, so the shares to restore and the quarantine itself are read from the clone's clonewarden: tags. Anyone allowed ec2:CreateTags can have added an account to them where the deny policy is not deployed; check the list below before going on.\n";

export const releaseCommand: CliCommand = withCredentialHint('release', {
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      ...SETTING_FLAGS,
      ...ACCOUNT_FLAGS,
      reason: { type: 'string' },
      'allow-public': { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('release takes exactly one image or snapshot id');
    const id = positionals[0]!;
    if (!CLONE_ID.test(id))
      throw new UsageError(`"${id.slice(0, 80)}" is not an image or snapshot id (ami-… or snap-…)`);
    const reason = values.reason?.trim();
    if (!reason)
      throw new UsageError('give the --reason "…" for lifting the quarantine: it goes into the alert');
    const settings = resolveSettings({
      ...(values.policy ? { policy: values.policy } : {}),
      ...(values['topic-arn'] ? { topicArn: values['topic-arn'] } : {}),
      ...(values['dry-run'] ? { dryRun: true } : {}),
      ...(values['member-role'] !== undefined ? { memberRole: values['member-role'] } : {}),
    });
    // The policy is read only for its alert topic, and only when there is one to read.
    const policyTopic =
      settings.topicArn === undefined &&
      (values.policy ||
        policyLocation(settings.policyPath)?.kind !== 'file' ||
        existsSync(settings.policyPath))
        ? (await loadPolicy(settings.policyPath)).alerts.topicArn
        : undefined;
    const topicArn = settings.topicArn ?? policyTopic;

    const log = createStderrLog(settings.logLevel);
    const aws = await connectAws(values.region, { checkCredentials: true, memberRole: settings.memberRole });
    const target = await openTargetAccount(aws, {
      accountFlag: values.account,
      memberRole: settings.memberRole,
      log,
    });
    const region = aws.region;
    if (!settings.ledgerTable) process.stderr.write(NO_LEDGER_WARNING);
    const allowPublic = values['allow-public'] === true;
    const result = await releaseClone(
      { id, region, reason, dryRun: settings.forceDryRun, allowPublic, ...(topicArn ? { topicArn } : {}) },
      {
        // The clone's account acts; the person who released it (the caller) is named, and alerts.
        releaser: new Ec2CloneReleaser(target.aws, { log }),
        identity: new StsCallerIdentity(aws),
        alerts: new SnsAlertPublisher(aws),
        ...(settings.ledgerTable ? { ledger: new DynamoDbCloneLedger(aws, settings.ledgerTable) } : {}),
        announce: (plan) => announcePlan(plan, settings.forceDryRun),
        log,
      },
    );
    process.stdout.write(`${values.json ? JSON.stringify(result) : humanResult(result)}\n`);
    return 0;
  },
});
