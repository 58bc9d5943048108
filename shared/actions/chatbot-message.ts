import type { Severity, Verdict } from '../model/types.js';
import { sanitizeUserText } from './sanitize-text.js';

/**
 * An AWS Chatbot (Amazon Q Developer in chat applications) custom notification, per the
 * "Custom notifications" event schema. Chatbot renders `client-markdown` in the chat tool's own
 * markdown, so every user-controlled string in it goes through {@link sanitizeUserText}; the
 * only markup left is the `*bold*` and backticks written here.
 */
export interface ChatbotNotification {
  version: '1.0';
  source: 'custom';
  id?: string;
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps?: string[];
    keywords?: string[];
  };
  metadata?: {
    threadId?: string;
    summary?: string;
    eventType?: string;
    relatedResources?: string[];
    additionalContext?: Record<string, string>;
  };
}

export interface ChatbotNotificationContext {
  dryRun: boolean;
  severity?: Severity;
  /** Plain sentences, e.g. from `fixHints`; sanitised again here. */
  nextSteps?: readonly string[];
  policyName?: string;
}

/** A chat message is read at a glance: a few violations and steps, the rest is in the e-mail. */
const LISTED_VIOLATIONS = 10;
const LISTED_STEPS = 5;
const DESCRIPTION_MAX = 3000;

/**
 * Builds a small Chatbot custom notification for a verdict, threaded by event id so that a
 * redelivered event lands in the same thread.
 *
 * @example
 * const https = JSON.stringify(buildChatbotNotification(verdict, { dryRun: false, severity: 'high' }));
 */
export function buildChatbotNotification(
  verdict: Verdict,
  context: ChatbotNotificationContext,
): ChatbotNotification {
  const s = (value: unknown, max: number) => sanitizeUserText(value, max) || '-';
  const severity = context.severity ? context.severity.toUpperCase() : 'INFO';
  const resources = verdict.resources.slice(0, 10).map((id) => s(id, 64));
  const firstResource = resources[0] ?? 'no resource';
  const more = verdict.resources.length > 1 ? ` +${verdict.resources.length - 1}` : '';
  const status = verdict.status === 'quarantined' && context.dryRun ? 'would quarantine' : verdict.status;
  const title = `${context.dryRun ? 'DRY RUN: ' : ''}clonewarden ${severity}: ${status} ${firstResource}${more} (${s(verdict.eventName, 40)})`;

  const lines = [
    `*Account* ${s(verdict.account, 20)}${verdict.accountName ? ` (${s(verdict.accountName, 64)})` : ''} *Region* ${s(verdict.region, 24)}`,
    `*Who* ${s(verdict.principal?.display, 120)}`,
  ];
  if (context.dryRun) lines.push('*Dry run:* nothing was changed.');
  for (const violation of verdict.violations.slice(0, LISTED_VIOLATIONS)) {
    lines.push(
      `• *${s(violation.severity, 10).toUpperCase()}* \`${s(violation.rule, 64)}\` on ${s(violation.resource, 64)}: ${s(violation.message, 200)}`,
    );
  }
  if (verdict.violations.length > LISTED_VIOLATIONS) {
    lines.push(`… and ${verdict.violations.length - LISTED_VIOLATIONS} more (see the e-mail alert)`);
  }
  const actions = verdict.actions
    .filter((action) => action.type !== 'alert')
    .map((action) => `${action.type} ${action.error ? 'failed' : action.done ? 'done' : 'not done'}`);
  if (actions.length > 0) lines.push(`*Actions* ${[...new Set(actions)].join(', ')}`);
  lines.push(`*Event* \`${s(verdict.eventId, 100)}\``);

  const nextSteps = (context.nextSteps ?? []).slice(0, LISTED_STEPS).map((step) => s(step, 600));
  const additionalContext: Record<string, string> = {
    account: s(verdict.account, 20),
    region: s(verdict.region, 24),
    eventName: s(verdict.eventName, 40),
    status: s(verdict.status, 20),
  };
  if (context.policyName) additionalContext.policy = s(context.policyName, 64);
  return {
    version: '1.0',
    source: 'custom',
    id: s(verdict.eventId, 100),
    content: {
      textType: 'client-markdown',
      title: s(title, 200),
      description: truncateLines(lines, DESCRIPTION_MAX),
      ...(nextSteps.length > 0 ? { nextSteps } : {}),
    },
    metadata: {
      threadId: s(verdict.eventId, 100),
      summary: s(title, 200),
      eventType: 'clonewarden.alert',
      relatedResources: resources,
      additionalContext,
    },
  };
}

function truncateLines(lines: readonly string[], max: number): string {
  let text = '';
  for (const line of lines) {
    const next = text ? `${text}\n${line}` : line;
    if (next.length > max) return `${text}\n…`;
    text = next;
  }
  return text;
}
