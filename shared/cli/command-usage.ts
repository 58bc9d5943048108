/**
 * Each command's `--help` text, apart from the command's code: `clonewarden <command> --help`
 * prints it without loading the command, whose module may pull in the AWS SDK (main.ts).
 */

/** `clonewarden validate --help`. */
export const validateUsage = [
  'usage: clonewarden validate [policy.yml|s3://bucket/key|ssm:/name] [--policy WHERE] [--json] [--strict]',
  '                            [--rule-types] [--account ID [--ou OU,…] [--region R]]',
  '',
  '  Exit 0 when the policy is valid, 2 when it is not (each problem names its path and line).',
  '  A valid policy may still hold parts that can never take effect (no rules, an expired',
  '  exemption, a rule that can not fire, alerts above every severity): each is a warning on stderr.',
  '  --strict       exit 2 on warnings too (for CI)',
  '  --rule-types   list the rule types with an example of each',
  '  --account ID   print the policy in force in that account: the overrides of its OUs and its own',
  '                 applied (YAML; with --json, the JSON line gains effective and overrides)',
  "  --ou OU,…      the account's OUs, from the root's child down to its parent; without it they are",
  '                 read from AWS Organizations (ListParents) when some override is keyed by an OU',
].join('\n');

/** `clonewarden replay --help`. */
export const replayUsage = [
  'usage: clonewarden replay <file…> [--region R] [--policy FILE] [--topic-arn ARN] [--dry-run] [--no-alerts] [--json]',
  '                          [--member-role NAME]',
  '',
  '  Each file may hold a bare CloudTrail record, an EventBridge envelope, a CloudTrail log file',
  '  {"Records":[…]}, a JSON array or JSON lines of those; gzip is detected and unpacked.',
  '  EC2 is read in the region each record names (awsRegion); --region is home for the alert topic.',
  '',
  '                   tags and quarantine   alert',
  '    (no flag)      as the policy says    sent',
  '    --dry-run      nothing changes       sent, marked DRY RUN',
  '    --no-alerts    as the policy says    not sent',
  '    both           nothing changes       not sent: a read-only check of the records',
  '  --json   exactly one JSON object per input record, in input order (failed ones too, with',
  '           their reason), then {"summary":{…}}',
  '  A record seen before is `duplicate` and does nothing: earlier in the same run, or, when',
  "  CLONEWARDEN_IDEMPOTENCY_TABLE names the enforce function's idempotency table, handled by",
  '  the Lambda (or an earlier replay) within the last 48 hours.',
  "  --member-role NAME   organization mode: act in each record's own account through this role",
  '                       (CLONEWARDEN_MEMBER_ROLE); a record from outside the organization is rejected',
  '',
  '  Exit 0 when every record was processed (violations are not errors; skipped records, calls',
  '  clonewarden does not govern, are not either), 1 when a record was rejected (not a CloudTrail',
  '  record it can read) or failed, a file could not be read or held no record; 2 on bad usage',
  '  or an invalid policy.',
].join('\n');

/** `clonewarden prune --help`. */
export const pruneUsage = [
  'usage: clonewarden prune [--region R] [--policy FILE] [--topic-arn ARN] [--dry-run] [--json] [--reconcile-limit N]',
  '                         [--account ID --member-role NAME]',
  '',
  "  Region: --region, AWS_REGION, AWS_DEFAULT_REGION, or your profile's region; none is an error.",
  '  Dry-run unless the policy sets prune.dryRun: false;',
  '  --dry-run / CLONEWARDEN_DRY_RUN=true force it. One digest goes to the alert topic.',
  '  --json              print the report as one JSON object',
  '  --reconcile-limit   clones without a verdict to evaluate this run (CLONEWARDEN_RECONCILE_LIMIT, default 500)',
  '  --account ID        organization mode: prune that member account, through the role that --member-role',
  '                      (CLONEWARDEN_MEMBER_ROLE) names; the digest still goes to your alert topic',
  '  Exit 0 when the run completed, 1 when a deletion, mark or reconcile failed, 2 on bad usage or policy.',
].join('\n');

/** `clonewarden audit --help`. */
export const auditUsage = [
  'usage: clonewarden audit [--format html|json|csv] [--out FILE] [--region R ...] [--policy FILE] [--dry-run]',
  '                         [--member-role NAME]',
  '',
  "  Reads every image and snapshot of the account in the home region and the policy's",
  '  audit.regions (or each --region given) and writes the audit report: family trees,',
  '  findings, spend. --member-role (CLONEWARDEN_MEMBER_ROLE): organization mode, every active',
  '  account of the organization, each read through that role and named in the report (run it',
  '  in the management or a delegated administrator account).',
  '  json and csv go to stdout unless --out; html goes to --out, else to',
  '  ./clonewarden-audit-<time>.html, and the path is printed. A summary goes to stderr.',
  '  With audit.securityHub.enabled in the policy, findings are reconciled in Security Hub',
  '  (not under --dry-run / CLONEWARDEN_DRY_RUN=true / dryRun: true).',
  '  Exit 0 when the report was written, every account and region read and Security Hub (when',
  '  enabled) reconciled; 1 when a member account could not be read in some region (organization',
  '  mode: the report leaves it out), Security Hub failed or rejected a finding (each a FAILED',
  '  line on stderr), or no report came out (a region of your own account unreadable, --out not',
  '  writable); 2 on bad usage, an invalid policy, no region or no credentials.',
].join('\n');

/** `clonewarden release --help`. */
export const releaseUsage = [
  'usage: clonewarden release <ami-…|snap-…> --reason "…" [--allow-public] [--region R] [--topic-arn ARN] [--policy FILE] [--dry-run] [--json]',
  '                           [--account ID --member-role NAME]',
  '',
  '  Restores the shares the ledger (CLONEWARDEN_LEDGER_TABLE; without it, clonewarden:quarantine-shares)',
  '  recorded, listing them first; a share with everyone (group all) only with --allow-public. It re-enables the image and cancels its',
  '  deprecation (skipped where the endpoint lacks the API), sets clonewarden:status=exempt on the clone',
  '  and its snapshots, removes the share tags, and sends one alert naming you (STS) and the reason.',
  "  Region: --region, AWS_REGION, or your profile's region. The alert topic: --topic-arn,",
  "  CLONEWARDEN_ALERT_TOPIC_ARN, or the policy's alerts.topicArn. Under the shipped deny policy, run",
  '  it as an exempted role (docs/quarantine-deny-scp.md).',
  "  --account ID: organization mode, the clone's member account, through the role --member-role names",
  '  (CLONEWARDEN_MEMBER_ROLE); the alert still names you and goes to your topic.',
  '  Exit 0 released, 1 the clone is not quarantined, not found, or a step failed, 2 bad usage.',
].join('\n');
