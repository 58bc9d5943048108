import type { MessageAttributeValue, PublishCommandInput } from '@aws-sdk/client-sns';
import { highestSeverity } from '../model/severity.js';
import type { Lineage, PlannedAction, Severity, Verdict, VerdictStatus, Violation } from '../model/types.js';
import { buildChatbotNotification } from './chatbot-message.js';
import { sanitizeSubject, sanitizeUserText } from './sanitize-text.js';

/** The `schema` of the JSON variant; bump it when a consumer-visible field changes meaning. */
export const ALERT_SCHEMA = 'clonewarden.alert/v1';

/**
 * SNS rejects a publish over 256 KiB, message attributes included ("Publish" API reference).
 * Keep a margin for the attribute names and JSON escaping we do not count exactly.
 */
export const ALERT_MAX_BYTES = 250 * 1024;

/** How many violations, actions, unknowns and lineage entries the text lists before "and N more". */
export const TEXT_LIST_LIMIT = 50;

/** User text in the JSON variant is sanitised with this generous cap, so nothing is lost in practice. */
const JSON_LEAF_MAX = 1024;

export interface AlertOptions {
  topicArn: string;
  /** Dry-run: the alert says so in the subject and text. Either this or `verdict.dryRun` turns it on. */
  dryRun: boolean;
  /** Shown in the text and sent as the `policy` attribute. */
  policyName?: string;
  /** Add an EC2 console link for each image and snapshot, in the event's region. */
  consoleRegionUrl?: boolean;
  /**
   * Rule id → rule type (`required-tags`, …), from the policy. Picks the "how to fix" hint; a
   * rule whose id is itself a rule type needs no entry.
   */
  ruleTypes?: Readonly<Record<string, string>>;
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
 * attributes to filter on. Every user-controlled string is sanitised, and the whole publish
 * stays under {@link ALERT_MAX_BYTES}.
 *
 * @example
 * await sns.send(new PublishCommand(buildAlert(verdict, { topicArn, dryRun: policy.dryRun })));
 */
export function buildAlert(verdict: Verdict, options: AlertOptions): PublishCommandInput {
  const dryRun = options.dryRun || verdict.dryRun;
  const severity = highestSeverity(verdict.violations);
  const rules = uniqueRuleIds(verdict.violations);
  const subject = buildSubject(verdict, severity, dryRun);
  const attributes = buildAttributes(verdict, severity, rules, dryRun, options.policyName);

  const chatbot = options.chatbot
    ? JSON.stringify(
        buildChatbotNotification(verdict, {
          dryRun,
          severity,
          nextSteps: fixHints(verdict, dryRun, options.ruleTypes),
          policyName: options.policyName,
        }),
      )
    : undefined;

  let input: PublishCommandInput | undefined;
  for (const level of SIZE_LEVELS) {
    const text = buildText(verdict, severity, dryRun, options, level.textItems);
    const document = buildDocument(verdict, severity, rules, dryRun, level);
    const json = JSON.stringify(document);
    const https = chatbot ?? json;
    const message = JSON.stringify({
      default: text,
      email: text,
      sqs: json,
      lambda: json,
      https,
      http: json,
    });
    input = {
      TopicArn: options.topicArn,
      MessageStructure: 'json',
      Message: message,
      MessageAttributes: attributes,
      ...(subject ? { Subject: subject } : {}),
    };
    if (publishBytes(input) <= ALERT_MAX_BYTES) return input;
  }
  // The last level lists no JSON items and three per text list, with every string capped: it is
  // a few tens of KB whatever the verdict holds, so this is the smallest alert, never too big.
  return input as PublishCommandInput;
}

/**
 * Ever smaller alerts, tried in turn until one fits. The JSON goes into four protocol keys, so
 * it shrinks first; the e-mail text keeps its 50 items as long as possible.
 */
const SIZE_LEVELS: readonly { listItems: number; leafMax: number; textItems: number }[] = [
  { listItems: Number.POSITIVE_INFINITY, leafMax: JSON_LEAF_MAX, textItems: TEXT_LIST_LIMIT },
  { listItems: 500, leafMax: JSON_LEAF_MAX, textItems: TEXT_LIST_LIMIT },
  { listItems: 200, leafMax: 512, textItems: TEXT_LIST_LIMIT },
  { listItems: 100, leafMax: 512, textItems: TEXT_LIST_LIMIT },
  { listItems: 50, leafMax: 256, textItems: TEXT_LIST_LIMIT },
  { listItems: 20, leafMax: 256, textItems: TEXT_LIST_LIMIT },
  { listItems: 10, leafMax: 128, textItems: TEXT_LIST_LIMIT },
  { listItems: 10, leafMax: 128, textItems: 20 },
  { listItems: 0, leafMax: 64, textItems: 10 },
  { listItems: 0, leafMax: 64, textItems: 3 },
];

function publishBytes(input: PublishCommandInput): number {
  let bytes = Buffer.byteLength(input.Message ?? '') + Buffer.byteLength(input.Subject ?? '');
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
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

/** How the subject and the text name a status; dry-run never claims that something happened. */
function statusWords(status: VerdictStatus, dryRun: boolean): string {
  if (status === 'quarantined') return dryRun ? 'would quarantine' : 'quarantined';
  return status;
}

function buildSubject(verdict: Verdict, severity: Severity | undefined, dryRun: boolean): string {
  const first = sanitizeUserText(verdict.resources[0], 32) || 'no resource';
  const more = verdict.resources.length > 1 ? ` +${verdict.resources.length - 1}` : '';
  const parts = [
    dryRun ? '[DRY RUN]' : '',
    '[clonewarden]',
    severity ? severity.toUpperCase() : '',
    statusWords(verdict.status, dryRun),
    `${first}${more}`,
    `(${sanitizeUserText(verdict.eventName, 40)})`,
    `in ${sanitizeUserText(verdict.account, 20)}/${sanitizeUserText(verdict.region, 24)}`,
  ];
  return sanitizeSubject(parts.filter(Boolean).join(' '));
}

/** SNS rejects an attribute with an empty value, so a missing one is sent as this. */
const MISSING = 'unknown';

function buildAttributes(
  verdict: Verdict,
  severity: Severity | undefined,
  rules: string[],
  dryRun: boolean,
  policyName: string | undefined,
): Record<string, MessageAttributeValue> {
  const text = (value: unknown, max = 64): MessageAttributeValue => ({
    DataType: 'String',
    StringValue: sanitizeUserText(value, max) || MISSING,
  });
  const attributes: Record<string, MessageAttributeValue> = {
    severity: { DataType: 'String', StringValue: severity ?? 'none' },
    rules: { DataType: 'String.Array', StringValue: JSON.stringify(rules.slice(0, 100)) },
    eventName: text(verdict.eventName),
    account: text(verdict.account),
    region: text(verdict.region),
    status: text(verdict.status),
    dryRun: { DataType: 'String', StringValue: String(dryRun) },
    // SNS standard topics may deliver twice, and a publish whose answer was lost is retried:
    // subscribers deduplicate on the CloudTrail event id (docs/reliability.md).
    eventId: text(verdict.eventId, 128),
  };
  const policy = sanitizeUserText(policyName, 64);
  if (policy) attributes.policy = { DataType: 'String', StringValue: policy };
  return attributes;
}

// ---------------------------------------------------------------------------------------------
// The text for e-mail (and `default`)

function buildText(
  verdict: Verdict,
  severity: Severity | undefined,
  dryRun: boolean,
  options: AlertOptions,
  listLimit: number,
): string {
  const s = (value: unknown, max?: number) => sanitizeUserText(value, max) || '-';
  const lines: string[] = [];
  const count = verdict.violations.length;
  const summary = count === 1 ? '1 policy violation' : `${count} policy violations`;
  lines.push(
    `clonewarden: ${severity ? severity.toUpperCase() : 'INFO'}, ${summary}, status ${statusWords(verdict.status, dryRun)}`,
  );
  if (dryRun) {
    lines.push('DRY RUN: nothing was changed. The actions below are what clonewarden would have done.');
  }

  lines.push('', 'WHAT');
  lines.push(`  Event:      ${s(verdict.eventName, 64)}`);
  lines.push(`  Account:    ${s(verdict.account, 32)}`);
  lines.push(`  Region:     ${s(verdict.region, 32)}`);
  lines.push(`  Resources:  ${listInline(verdict.resources, 20, 64)}`);
  if (options.policyName) lines.push(`  Policy:     ${s(options.policyName, 64)}`);
  if (verdict.reason) lines.push(`  Reason:     ${s(verdict.reason, 300)}`);
  if (verdict.exemption) lines.push(`  Exemption:  ${s(verdict.exemption, 300)}`);
  if (options.consoleRegionUrl) {
    for (const url of consoleUrls(verdict).slice(0, 20)) lines.push(`  Console:    ${url}`);
  }

  lines.push('', 'WHO');
  const principal = verdict.principal;
  if (principal) {
    lines.push(`  Principal:  ${s(principal.display, 200)} (${s(principal.type, 20)})`);
    lines.push(`  ARN:        ${s(principal.arn, 300)}`);
    if (principal.callerArn && principal.callerArn !== principal.arn) {
      lines.push(`  Caller:     ${s(principal.callerArn, 300)}`);
    }
    if (principal.sessionName) lines.push(`  Session:    ${s(principal.sessionName, 100)}`);
    if (principal.invokedBy) lines.push(`  Via:        ${s(principal.invokedBy, 100)}`);
  } else {
    lines.push('  Principal:  unknown');
  }

  lines.push('', `WHICH RULES FAILED (${count})`);
  if (count === 0) lines.push('  none');
  pushCapped(lines, verdict.violations, listLimit, (violation, index) => {
    const where = `${s(violation.rule, 64)} on ${s(violation.resource, 64)}`;
    return `  ${index + 1}. [${s(violation.severity, 10).toUpperCase()}] ${where}: ${s(violation.message, 300)} (action: ${s(violation.action, 12)})`;
  });

  if (verdict.unknowns.length > 0) {
    lines.push('', `CHECKS THAT COULD NOT BE MADE (${verdict.unknowns.length})`);
    pushCapped(lines, verdict.unknowns, listLimit, (unknown) => {
      return `  - ${s(unknown.rule, 64)} on ${s(unknown.resource, 64)}: ${s(unknown.message, 300)}`;
    });
  }

  lines.push('', 'WHAT WAS DONE');
  if (verdict.actions.length === 0) lines.push('  nothing');
  pushCapped(lines, verdict.actions, listLimit, (action) => `  - ${describeAction(action, dryRun)}`);

  const hints = fixHints(verdict, dryRun, options.ruleTypes);
  if (hints.length > 0) {
    lines.push('', 'HOW TO FIX');
    for (const hint of hints) lines.push(`  - ${hint}`);
  }

  const lineage = Object.entries(verdict.lineage ?? {});
  if (lineage.length > 0) {
    lines.push('', 'LINEAGE');
    pushCapped(lines, lineage, listLimit, ([id, entry]) => `  ${s(id, 64)}: ${describeLineage(entry)}`);
  }

  lines.push('', 'TRACE');
  lines.push(`  Event id:   ${s(verdict.eventId, 100)}`);
  lines.push(`  Format:     ${ALERT_SCHEMA}; SQS, Lambda and HTTP subscribers get the full verdict as JSON.`);
  return lines.join('\n');
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
  const shown = values.slice(0, limit).map((value) => sanitizeUserText(value, max) || '-');
  const more = values.length > limit ? ` and ${values.length - limit} more` : '';
  return `${shown.join(', ')}${more}`;
}

function describeAction(action: PlannedAction, dryRun: boolean): string {
  const target = sanitizeUserText(action.target, 300) || '-';
  const region = 'region' in action ? ` in ${sanitizeUserText(action.region, 32)}` : '';
  let what: string;
  switch (action.type) {
    case 'tag': {
      const tags = Object.entries(action.tags);
      const shown = tags
        .slice(0, 12)
        .map(([key, value]) => `${sanitizeUserText(key, 64)}=${sanitizeUserText(value, 80)}`)
        .join(', ');
      const more = tags.length > 12 ? ` and ${tags.length - 12} more` : '';
      what = `tag ${target}${region}: ${shown || 'no tags'}${more}`;
      break;
    }
    case 'quarantine': {
      const skipped = (action.skipped ?? []).slice(0, 10).map((step) => sanitizeUserText(step, 100));
      what = `quarantine ${sanitizeUserText(action.kind, 10)} ${target}${region}`;
      if (skipped.length > 0) what += ` (steps skipped: ${skipped.join('; ')})`;
      break;
    }
    case 'alert':
      what = `alert ${sanitizeUserText(action.severity, 10)} to ${target} (this message)`;
      break;
  }
  return `${what} -> ${actionOutcome(action, dryRun)}`;
}

function actionOutcome(action: PlannedAction, dryRun: boolean): string {
  if (action.error) return `ERROR: ${sanitizeUserText(action.error, 300)}`;
  if (action.done) return 'done';
  if (dryRun) return 'not done (dry run)';
  return action.type === 'alert' ? 'sending' : 'not done';
}

function describeLineage(lineage: Lineage): string {
  const s = (value: unknown) => sanitizeUserText(value, 100) || '-';
  const parts = [
    `generation ${Number.isFinite(lineage.generation) ? lineage.generation : '?'}`,
    `source ${s(lineage.source)}`,
    `parent ${s(lineage.parent)}`,
    `root ${s(lineage.root)}`,
  ];
  const evidence = (lineage.evidence ?? []).slice(0, 5).map((item) => sanitizeUserText(item, 150));
  if (evidence.length > 0) parts.push(`evidence: ${evidence.join('; ')}`);
  return parts.join(', ');
}

// ---------------------------------------------------------------------------------------------
// How to fix

/** Hints by rule type: what the developer changes so that the next clone passes. */
const FIX_BY_RULE_TYPE: Readonly<Record<string, (ids: string) => string>> = {
  'required-tags': (ids) =>
    `Add the missing tags, or correct the values the policy rejects, on ${ids} (the violation messages say which).`,
  'allowed-principals': (ids) =>
    `This principal may not make this kind of clone. Use an approved principal (e.g. the platform image pipeline) or ask the security team for an exemption; delete ${ids} if it is not needed.`,
  'max-generation': (ids) =>
    `${ids} is a copy of a copy, deeper than the policy allows. Clone from the root of its family (see the lineage) instead, and delete this copy if it is not needed.`,
  'healthy-source': (ids) =>
    `The source was not healthy (not running, failing status checks, quarantined or deprecated). Fix the source, create the clone again, and delete ${ids}.`,
  'consistent-capture': (ids) =>
    `The data may be inconsistent. Stop the instance or let EC2 reboot it (no NoReboot), or detach the volume, or use AWS Backup or DLM; then create the clone again and delete ${ids}.`,
  'max-source-age': (ids) =>
    `The source is older than the policy allows and may bring back fixed vulnerabilities. Clone from a recent, patched image or snapshot instead of ${ids}.`,
};

/**
 * One hint per failed rule, then one for quarantine. Hints are fixed text around sanitised ids,
 * so they are safe in every variant.
 */
export function fixHints(
  verdict: Verdict,
  dryRun: boolean,
  ruleTypes: Readonly<Record<string, string>> = {},
): string[] {
  const byRule = new Map<string, Set<string>>();
  const typeOfRule = new Map<string, string>();
  for (const violation of verdict.violations) {
    const resources = byRule.get(violation.rule) ?? new Set<string>();
    resources.add(violation.resource);
    byRule.set(violation.rule, resources);
    if (violation.ruleType) typeOfRule.set(violation.rule, violation.ruleType);
  }
  const hints: string[] = [];
  for (const [rule, resources] of [...byRule].slice(0, 20)) {
    const type = Object.hasOwn(ruleTypes, rule) ? ruleTypes[rule] : (typeOfRule.get(rule) ?? rule);
    const ids = listInline([...resources], 5, 64);
    const hint = type && Object.hasOwn(FIX_BY_RULE_TYPE, type) ? FIX_BY_RULE_TYPE[type] : undefined;
    const label = sanitizeUserText(rule, 64);
    hints.push(
      `${label}: ${hint ? hint(ids) : `See rule "${label}" in the policy for what ${ids} must satisfy.`}`,
    );
  }
  const quarantined = [
    ...new Set(
      verdict.actions.filter((action) => action.type === 'quarantine').map((action) => action.target),
    ),
  ];
  if (quarantined.length > 0) {
    const ids = listInline(quarantined, 5, 64);
    const release = `clonewarden release ${sanitizeUserText(quarantined[0], 64) || '<id>'}`;
    const each = quarantined.length > 1 ? ' (once per quarantined clone)' : '';
    hints.push(
      dryRun
        ? `Quarantine (dry run, not applied): with enforcement on, ${ids} would lose its sharing permissions (recorded in the clonewarden:quarantine-shares tag); images would also be disabled and deprecated.`
        : `Quarantine: ${ids} is isolated: its sharing permissions were removed and recorded in the clonewarden:quarantine-shares tag, and images are disabled and deprecated (any skipped step is listed with the actions). Developers cannot lift it: fix the violations, then ask the security team to run \`${release}\`${each}, which restores the recorded permissions.`,
    );
  }
  return hints;
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
  level: { listItems: number; leafMax: number },
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
const IDENTIFIER = /^[A-Za-z0-9:/_+=,.@-]{1,2048}$/;
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
function toSafeJson(
  value: unknown,
  leafMax = JSON_LEAF_MAX,
  depth = 0,
  seen = new WeakSet<object>(),
): unknown {
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
