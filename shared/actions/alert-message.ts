import type { MessageAttributeValue, PublishCommandInput } from '@aws-sdk/client-sns';
import { highestSeverity } from '../model/severity.js';
import type { Lineage, PlannedAction, Severity, Verdict, VerdictStatus, Violation } from '../model/types.js';
import { findRuleType } from '../rules/registry.js';
import { buildChatbotNotification } from './chatbot-message.js';
import { cleanPlainText, sanitizeUserText } from './sanitize-text.js';
import { buildSnsPublish, fitSubject, type ShrinkLevel, stringAttribute } from './sns-publish.js';

/** The `schema` of the JSON variant; bump it when a consumer-visible field changes meaning. */
export const ALERT_SCHEMA = 'clonewarden.alert/v1';

export interface AlertOptions {
  topicArn: string;
  /** Dry-run: the alert says so in the subject and text. Either this or `verdict.dryRun` turns it on. */
  dryRun: boolean;
  /** Shown in the text and sent as the `policy` attribute. */
  policyName?: string;
  /** Add an EC2 console link for each image and snapshot, in the event's region. */
  consoleRegionUrl?: boolean;
  /**
   * Send the `https` protocol an AWS Chatbot custom notification instead of the JSON verdict.
   * Chatbot subscribes to the topic over HTTPS, so that is the only key it reads; plain HTTPS
   * webhooks on the same topic then get the Chatbot format too (use `http`, SQS or Lambda for them).
   */
  chatbot?: boolean;
}

/** The object the `sqs`, `lambda`, `https` and `http` subscribers receive, as JSON. */
export interface AlertDocument {
  schema: typeof ALERT_SCHEMA;
  dryRun: boolean;
  highestSeverity?: Severity;
  /** Unique rule ids of all violations, truncated lists included. */
  rules: string[];
  /** Lists cut to keep the message under the SNS limit: list name → its full and shown length. */
  truncated?: Record<string, { total: number; shown: number }>;
  /** The verdict, every user-controlled string sanitised (see {@link toSafeJson}). */
  verdict: Verdict;
}

/**
 * Builds the one SNS alert for an event: an inbox-friendly subject, a per-protocol message
 * (readable text for e-mail, the JSON verdict for SQS, Lambda and HTTP(S)) and message
 * attributes to filter on. The e-mail keeps identifiers exact and strips only what can do harm;
 * the JSON and chat variants are sanitised for the formats that read them; the publish fits
 * SNS's size limit (`buildSnsPublish`).
 *
 * @example
 * await sns.send(new PublishCommand(buildAlert(verdict, { topicArn, dryRun: policy.dryRun })));
 */
export function buildAlert(verdict: Verdict, options: AlertOptions): PublishCommandInput {
  const dryRun = options.dryRun || verdict.dryRun;
  const severity = highestSeverity(verdict.violations);
  const rules = uniqueRuleIds(verdict.violations);
  const chat = options.chatbot
    ? buildChatbotNotification(verdict, {
        dryRun,
        severity,
        nextSteps: fixHints(verdict, dryRun),
        policyName: options.policyName,
      })
    : undefined;
  return buildSnsPublish({
    topicArn: options.topicArn,
    subject: buildSubject(verdict, severity, dryRun),
    attributes: buildAttributes(verdict, severity, rules, dryRun, options.policyName),
    content: (level) => ({
      text: buildText(verdict, { severity, dryRun, options, listLimit: level.textItems }),
      document: buildDocument(verdict, severity, rules, dryRun, level),
      ...(chat ? { chat } : {}),
    }),
  });
}

function uniqueRuleIds(violations: readonly Violation[]): string[] {
  const ids = new Set<string>();
  for (const violation of violations) {
    const id = sanitizeUserText(violation.rule, 64);
    if (id) ids.add(id);
  }
  return [...ids];
}

// ---------------------------------------------------------------------------------------------
// Subject and attributes

/** How the text names a status; dry-run never claims that something happened. */
function statusWords(status: VerdictStatus, dryRun: boolean): string {
  if (status === 'quarantined') return dryRun ? 'would quarantine' : 'quarantined';
  return status;
}

/**
 * `[DRY RUN] SEVERITY status resource [+N] event account/region [clonewarden]`. The subject
 * is short on words so that the longest real facts fit whole (docs/alerts.md): in dry-run,
 * `DRY RUN` up front says nothing happened, so the status is the bare `quarantine`.
 */
function buildSubject(verdict: Verdict, severity: Severity | undefined, dryRun: boolean): string {
  const first = cleanPlainText(verdict.resources[0], 32) || 'no resource';
  const more = verdict.resources.length > 1 ? ` +${verdict.resources.length - 1}` : '';
  const status = dryRun && verdict.status === 'quarantined' ? 'quarantine' : verdict.status;
  return fitSubject([
    dryRun ? 'DRY RUN' : '',
    severity ? severity.toUpperCase() : '',
    status,
    `${first}${more}`,
    cleanPlainText(verdict.eventName, 32),
    `${cleanPlainText(verdict.account, 20)}/${cleanPlainText(verdict.region, 24)}`,
  ]);
}

function buildAttributes(
  verdict: Verdict,
  severity: Severity | undefined,
  rules: string[],
  dryRun: boolean,
  policyName: string | undefined,
): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {
    severity: { DataType: 'String', StringValue: severity ?? 'none' },
    rules: { DataType: 'String.Array', StringValue: JSON.stringify(rules.slice(0, 100)) },
    eventName: stringAttribute(verdict.eventName),
    account: stringAttribute(verdict.account),
    ...(verdict.accountName ? { accountName: stringAttribute(verdict.accountName) } : {}),
    region: stringAttribute(verdict.region),
    status: stringAttribute(verdict.status),
    dryRun: { DataType: 'String', StringValue: String(dryRun) },
    // SNS standard topics may deliver twice, and a publish whose answer was lost is retried:
    // subscribers deduplicate on the CloudTrail event id (docs/reliability.md).
    eventId: stringAttribute(verdict.eventId, 128),
  };
  const policy = sanitizeUserText(policyName, 64);
  if (policy) attributes.policy = { DataType: 'String', StringValue: policy };
  return attributes;
}

// ---------------------------------------------------------------------------------------------
// The text for e-mail (and `default`): plain text, so user values are cleaned, never disguised

interface TextContext {
  severity: Severity | undefined;
  dryRun: boolean;
  options: AlertOptions;
  /** Items each list shows before "and N more". */
  listLimit: number;
}

/** A user value for the text: exact but for what can do harm, `-` when empty. */
const plain = (value: unknown, max?: number) => cleanPlainText(value, max) || '-';

function buildText(verdict: Verdict, context: TextContext): string {
  return [
    ...headerLines(verdict, context),
    ...whatLines(verdict, context.options),
    ...whoLines(verdict),
    ...findingLines(verdict, context.listLimit),
    ...doneLines(verdict, context),
    ...lineageLines(verdict, context.listLimit),
    '',
    'TRACE',
    `  Event id:   ${plain(verdict.eventId, 100)}`,
    `  Format:     ${ALERT_SCHEMA}; SQS, Lambda and HTTP subscribers get the full verdict as JSON.`,
  ].join('\n');
}

function headerLines(verdict: Verdict, { severity, dryRun }: TextContext): string[] {
  const count = verdict.violations.length;
  const summary = count === 1 ? '1 policy violation' : `${count} policy violations`;
  const lines = [
    `clonewarden: ${severity ? severity.toUpperCase() : 'INFO'}, ${summary}, status ${statusWords(verdict.status, dryRun)}`,
  ];
  if (dryRun) {
    lines.push('DRY RUN: nothing was changed. The actions below are what clonewarden would have done.');
  }
  return lines;
}

function whatLines(verdict: Verdict, options: AlertOptions): string[] {
  const lines = ['', 'WHAT'];
  lines.push(`  Event:      ${plain(verdict.eventName, 64)}`);
  const accountName = verdict.accountName ? ` (${plain(verdict.accountName, 64)})` : '';
  lines.push(`  Account:    ${plain(verdict.account, 32)}${accountName}`);
  lines.push(`  Region:     ${plain(verdict.region, 32)}`);
  lines.push(`  Resources:  ${listInline(verdict.resources, 20, 64)}`);
  if (options.policyName) lines.push(`  Policy:     ${plain(options.policyName, 64)}`);
  if (verdict.reason) lines.push(`  Reason:     ${plain(verdict.reason, 300)}`);
  if (verdict.exemption) lines.push(`  Exemption:  ${plain(verdict.exemption, 300)}`);
  const labels = Object.entries(verdict.sourceLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  // Labels are user-controlled text: cleaned like every other user value, the list capped.
  if (verdict.sourceLabels) lines.push(`  Source labels: ${listInline(labels, 10, 200)} (as judged)`);
  if (verdict.sharing) lines.push(...sharingLines(verdict.sharing));
  if (options.consoleRegionUrl) {
    for (const url of consoleUrls(verdict).slice(0, 20)) lines.push(`  Console:    ${url}`);
  }
  return lines;
}

/** What a share call granted, what broke a rule, and the notes (an encrypted clone's KMS key). */
function sharingLines(sharing: NonNullable<Verdict['sharing']>): string[] {
  const lines = [`  Granted:    ${listInline(sharing.added, 20, 120)}`];
  if (sharing.removed.length > 0) lines.push(`  Removed:    ${listInline(sharing.removed, 20, 120)}`);
  if (sharing.denied.length > 0) lines.push(`  Denied:     ${listInline(sharing.denied, 20, 120)}`);
  for (const note of sharing.notes.slice(0, 5)) lines.push(`  Note:       ${plain(note, 400)}`);
  return lines;
}

function whoLines(verdict: Verdict): string[] {
  const principal = verdict.principal;
  if (!principal) return ['', 'WHO', '  Principal:  unknown'];
  const lines = ['', 'WHO'];
  lines.push(`  Principal:  ${plain(principal.display, 200)} (${plain(principal.type, 20)})`);
  lines.push(`  ARN:        ${plain(principal.arn, 300)}`);
  if (principal.callerArn && principal.callerArn !== principal.arn) {
    lines.push(`  Caller:     ${plain(principal.callerArn, 300)}`);
  }
  if (principal.sessionName) lines.push(`  Session:    ${plain(principal.sessionName, 100)}`);
  if (principal.invokedBy) lines.push(`  Via:        ${plain(principal.invokedBy, 100)}`);
  return lines;
}

function findingLines(verdict: Verdict, listLimit: number): string[] {
  const count = verdict.violations.length;
  const lines = ['', `WHICH RULES FAILED (${count})`];
  if (count === 0) lines.push('  none');
  pushCapped(lines, verdict.violations, listLimit, (violation, index) => {
    const where = `${plain(violation.rule, 64)} on ${plain(violation.resource, 64)}`;
    return `  ${index + 1}. [${plain(violation.severity, 10).toUpperCase()}] ${where}: ${plain(violation.message, 300)} (action: ${plain(violation.action, 12)})`;
  });
  if (verdict.unknowns.length > 0) {
    lines.push('', `CHECKS THAT COULD NOT BE MADE (${verdict.unknowns.length})`);
    pushCapped(lines, verdict.unknowns, listLimit, (unknown) => {
      return `  - ${plain(unknown.rule, 64)} on ${plain(unknown.resource, 64)}: ${plain(unknown.message, 300)}`;
    });
  }
  return lines;
}

function doneLines(verdict: Verdict, { dryRun, listLimit }: TextContext): string[] {
  const lines = ['', 'WHAT WAS DONE'];
  if (verdict.actions.length === 0) lines.push('  nothing');
  pushCapped(lines, verdict.actions, listLimit, (action) => `  - ${describeAction(action, dryRun)}`);
  const hints = fixHints(verdict, dryRun);
  if (hints.length > 0) {
    lines.push('', 'HOW TO FIX');
    for (const hint of hints) lines.push(`  - ${hint}`);
  }
  return lines;
}

function lineageLines(verdict: Verdict, listLimit: number): string[] {
  const lineage = Object.entries(verdict.lineage ?? {});
  if (lineage.length === 0) return [];
  const lines = ['', 'LINEAGE'];
  pushCapped(lines, lineage, listLimit, ([id, entry]) => `  ${plain(id, 64)}: ${describeLineage(entry)}`);
  return lines;
}

function pushCapped<T>(
  lines: string[],
  items: readonly T[],
  limit: number,
  line: (item: T, index: number) => string,
) {
  items.slice(0, limit).forEach((item, index) => {
    lines.push(line(item, index));
  });
  if (items.length > limit) lines.push(`  ... and ${items.length - limit} more (not listed)`);
}

function listInline(values: readonly unknown[], limit: number, max: number): string {
  if (values.length === 0) return '-';
  const shown = values.slice(0, limit).map((value) => plain(value, max));
  const more = values.length > limit ? ` and ${values.length - limit} more` : '';
  return `${shown.join(', ')}${more}`;
}

function describeAction(action: PlannedAction, dryRun: boolean): string {
  const target = cleanPlainText(action.target, 300) || '-';
  const region = 'region' in action ? ` in ${cleanPlainText(action.region, 32)}` : '';
  let what: string;
  switch (action.type) {
    case 'tag': {
      const tags = Object.entries(action.tags);
      const shown = tags
        .slice(0, 12)
        .map(([key, value]) => `${cleanPlainText(key, 64)}=${cleanPlainText(value, 80)}`)
        .join(', ');
      const more = tags.length > 12 ? ` and ${tags.length - 12} more` : '';
      what = `tag ${target}${region}: ${shown || 'no tags'}${more}`;
      break;
    }
    case 'quarantine': {
      const skipped = (action.skipped ?? []).slice(0, 10).map((step) => cleanPlainText(step, 100));
      what = `quarantine ${cleanPlainText(action.kind, 10)} ${target}${region}`;
      if (skipped.length > 0) what += ` (steps skipped: ${skipped.join('; ')})`;
      break;
    }
    case 'revert': {
      const removed = action.removedShares ?? action.shares;
      const verb = action.removedShares ? 'removed' : 'remove';
      const gone = action.alreadyGone?.length
        ? ` (already gone when it ran: ${listInline(action.alreadyGone, 10, 120)})`
        : '';
      const list = removed.length > 0 ? listInline(removed, 10, 120) : 'nothing more';
      what = `revert the share of ${cleanPlainText(action.kind, 10)} ${target}${region}${gone}: ${verb} ${list}; other grants kept`;
      break;
    }
    case 'stop':
      what = `stop instance ${target}${region}`;
      break;
    case 'alert':
      what = `alert ${cleanPlainText(action.severity, 10)} to ${target} (this message)`;
      break;
  }
  return `${what} -> ${actionOutcome(action, dryRun)}`;
}

function actionOutcome(action: PlannedAction, dryRun: boolean): string {
  if (action.error) return `ERROR: ${cleanPlainText(action.error, 300)}`;
  if (action.done) return 'done';
  if (dryRun) return 'not done (dry run)';
  return action.type === 'alert' ? 'sending' : 'not done';
}

function describeLineage(lineage: Lineage): string {
  const s = (value: unknown) => plain(value, 100);
  const parts = [
    `generation ${Number.isFinite(lineage.generation) ? lineage.generation : '?'}`,
    `source ${s(lineage.source)}`,
    `parent ${s(lineage.parent)}`,
    `root ${s(lineage.root)}`,
  ];
  const evidence = (lineage.evidence ?? []).slice(0, 5).map((item) => cleanPlainText(item, 150));
  if (evidence.length > 0) parts.push(`evidence: ${evidence.join('; ')}`);
  return parts.join(', ');
}

// ---------------------------------------------------------------------------------------------
// How to fix

/**
 * One hint per failed rule, from its rule type's own `fixHint` (the registry finds it by the
 * `ruleType` the engine put on the violation, or by a rule id that is itself a type name), then
 * one for quarantine. Hints are fixed text around cleaned ids; the chat variant sanitises them
 * again for its markup.
 */
function fixHints(verdict: Verdict, dryRun: boolean): string[] {
  const byRule = new Map<string, { type?: string; resources: Set<string> }>();
  for (const violation of verdict.violations) {
    const entry = byRule.get(violation.rule) ?? { resources: new Set<string>() };
    entry.resources.add(violation.resource);
    entry.type ??= violation.ruleType;
    byRule.set(violation.rule, entry);
  }
  const hints: string[] = [];
  for (const [rule, { type, resources }] of [...byRule].slice(0, 20)) {
    const ids = listInline([...resources], 5, 64);
    const ruleType = findRuleType(type) ?? findRuleType(rule);
    const label = plain(rule, 64);
    hints.push(
      `${label}: ${ruleType?.fixHint(ids) ?? `See rule "${label}" in the policy for what ${ids} must satisfy.`}`,
    );
  }
  const quarantine = quarantineHint(verdict, dryRun);
  return quarantine ? [...hints, quarantine] : hints;
}

function quarantineHint(verdict: Verdict, dryRun: boolean): string | undefined {
  const quarantined = [
    ...new Set(
      verdict.actions.filter((action) => action.type === 'quarantine').map((action) => action.target),
    ),
  ];
  if (quarantined.length === 0) return undefined;
  const ids = listInline(quarantined, 5, 64);
  if (dryRun) {
    return `Quarantine (dry run, not applied): with enforcement on, ${ids} would lose its sharing permissions (recorded in the clonewarden:quarantine-shares tag); images would also be disabled and deprecated.`;
  }
  const release = `clonewarden release ${cleanPlainText(quarantined[0], 64) || '<id>'}`;
  const each = quarantined.length > 1 ? ' (once per quarantined clone)' : '';
  return `Quarantine: ${ids} is isolated: its sharing permissions were removed and recorded in the clonewarden:quarantine-shares tag, and images are disabled and deprecated (any skipped step is listed with the actions). Developers cannot lift it: fix the violations, then ask the security team to run \`${release}\`${each}, which restores the recorded permissions.`;
}

// ---------------------------------------------------------------------------------------------
// Console links

const CONSOLE_PAGES: readonly { pattern: RegExp; page: (id: string) => string }[] = [
  { pattern: /^ami-[0-9a-f]{8,17}$/, page: (id) => `ImageDetails:imageId=${id}` },
  { pattern: /^snap-[0-9a-f]{8,17}$/, page: (id) => `SnapshotDetails:snapshotId=${id}` },
];

/** Links are built only from ids and a region that match AWS's own formats, never from free text. */
function consoleUrls(verdict: Verdict): string[] {
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(verdict.region)) return [];
  const host = `https://${verdict.region}.console.aws.amazon.com/ec2/home?region=${verdict.region}`;
  return verdict.resources.flatMap((id) => {
    const page = CONSOLE_PAGES.find((candidate) => candidate.pattern.test(id));
    return page ? [`${host}#${page.page(id)}`] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// The JSON variant

function buildDocument(
  verdict: Verdict,
  severity: Severity | undefined,
  rules: string[],
  dryRun: boolean,
  level: ShrinkLevel,
): AlertDocument {
  const truncated: Record<string, { total: number; shown: number }> = {};
  const cut = <T>(name: string, items: readonly T[]): T[] => {
    if (items.length <= level.listItems) return [...items];
    truncated[name] = { total: items.length, shown: level.listItems };
    return items.slice(0, level.listItems);
  };
  const shortened: Verdict = {
    ...verdict,
    resources: cut('resources', verdict.resources),
    violations: cut('violations', verdict.violations),
    unknowns: cut('unknowns', verdict.unknowns),
    actions: cut('actions', verdict.actions),
    ...(verdict.lineage
      ? { lineage: Object.fromEntries(cut('lineage', Object.entries(verdict.lineage))) }
      : {}),
  };
  return {
    schema: ALERT_SCHEMA,
    dryRun,
    ...(severity ? { highestSeverity: severity } : {}),
    rules,
    ...(Object.keys(truncated).length > 0 ? { truncated } : {}),
    verdict: toSafeJson(shortened, level.leafMax) as Verdict,
  };
}

/**
 * AWS identifiers and ARNs are kept exactly, so that programs can match and look them up. They
 * qualify only if made of the characters AWS ids, ARNs and IAM names use, none of which starts
 * a link, mention or code span; an `@` that opens a word (IAM names allow `@here`) disqualifies.
 */
const IDENTIFIER = /^[A-Za-z0-9:/_+=,.@*-]{1,2048}$/;
const MENTION_AT = /(^|[^A-Za-z0-9._%+-])@/;

function isPlainIdentifier(value: string): boolean {
  return IDENTIFIER.test(value) && !MENTION_AT.test(value);
}

/** Nested lists (evidence, skipped steps) and maps (tags) longer than this are cut. */
const NESTED_ITEMS_MAX = 100;
const MAX_DEPTH = 8;

/**
 * A JSON-safe deep copy: plain identifiers stay exact, every other string (and every key) goes
 * through {@link sanitizeUserText} with a generous cap. Keys are set as own data properties,
 * so a `__proto__` tag key cannot touch a prototype. Cycles and deep nesting are dropped.
 */
function toSafeJson(value: unknown, leafMax: number, depth = 0, seen = new WeakSet<object>()): unknown {
  switch (typeof value) {
    case 'string':
      return isPlainIdentifier(value) ? value : sanitizeUserText(value, leafMax);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (depth >= MAX_DEPTH || seen.has(value)) return null;
      seen.add(value);
      try {
        if (Array.isArray(value)) {
          return value
            .slice(0, NESTED_ITEMS_MAX)
            .map((item) => toSafeJson(item, leafMax, depth + 1, seen) ?? null);
        }
        const entries: [string, unknown][] = [];
        for (const [key, item] of Object.entries(value).slice(0, NESTED_ITEMS_MAX)) {
          const safe = toSafeJson(item, leafMax, depth + 1, seen);
          if (safe !== undefined)
            entries.push([isPlainIdentifier(key) ? key : sanitizeUserText(key, 128), safe]);
        }
        return Object.fromEntries(entries);
      } finally {
        seen.delete(value);
      }
    }
    default:
      return undefined;
  }
}
