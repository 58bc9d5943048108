import { buildAlert } from '../../actions/alert-message.js';
import { type CloneLedger, changeLedgerItem } from '../../aws/clone-ledger.js';
import { governingItem } from '../../aws/disk-images.js';
import {
  closingChange,
  isQuarantinedInLedger,
  LEDGER_RETENTION_DAYS,
  type LedgerItem,
  type LedgerStatus,
  mirrorTags,
} from '../../model/ledger-item.js';
import { meetsMinSeverity } from '../../model/severity.js';
import type {
  CloneRef,
  PlannedAction,
  TamperAction,
  TamperEvent,
  Verdict,
  Violation,
} from '../../model/types.js';
import type { EnforceContext } from '../enforce-context.js';

/** The guard's findings name this rule id; it needs no policy entry and cannot be exempted by a tag. */
export const TAMPER_GUARD_RULE = 'clonewarden-tamper-guard';

/** What the guard found on one clone, and the writes that put the ledger's state back. */
interface Finding {
  violations: string[];
  notes: string[];
  planned: PlannedAction[];
  /** The ledger change and the account writes, run in order (never in dry-run). */
  repair?: () => Promise<void>;
}

type Judge = (event: TamperEvent, clone: CloneRef, item: LedgerItem, context: EnforceContext) => Finding;

const NOTHING: Finding = { violations: [], notes: [], planned: [] };

/**
 * The tamper guard: a call by anyone but clonewarden (its own are skipped when parsed) that
 * changes what the ledger holds. The ledger wins: the mirror tags are rewritten, a quarantine
 * is put back, and one alert names who did what. Deletions close the item; a restore from
 * the Recycle Bin reopens it with the status it had.
 */
export async function enforceTampering(event: TamperEvent, context: EnforceContext): Promise<Verdict> {
  const ledger = context.ledger;
  const findings: Finding[] = [];
  for (const clone of event.clones) {
    const key = { account: event.account, region: event.region, id: clone.id };
    // A disk's tags mirror its image's item; closing and reopening concern the clone's own item.
    const item =
      ledger &&
      (event.action === 'tags'
        ? await governingItem(ledger, context.diskImages, { ...key, kind: clone.kind })
        : await ledger.get(key));
    if (!item) {
      findings.push({ ...NOTHING, notes: [`${clone.id}: not in the ledger, nothing to guard`] });
      continue;
    }
    findings.push(JUDGES[event.action](event, clone, item, context));
  }
  const verdict = tamperVerdict(event, findings, context);
  if (!context.dryRun) for (const finding of findings) await finding.repair?.();
  for (const action of verdict.actions) if (action.type !== 'alert') action.done = !context.dryRun;
  const alert = verdict.actions.find((action) => action.type === 'alert');
  if (alert?.type === 'alert') {
    await context.alerts.publish(buildAlert(verdict, { topicArn: alert.target, dryRun: context.dryRun }));
    alert.done = true;
  }
  context.metrics.count('EventsEnforced');
  context.metrics.count(`Verdict_${verdict.status}`);
  context.log.info('verdict', {
    eventId: verdict.eventId,
    eventName: verdict.eventName,
    status: verdict.status,
    resources: verdict.resources,
    reason: verdict.reason,
    dryRun: verdict.dryRun,
  });
  return verdict;
}

function tamperVerdict(event: TamperEvent, findings: Finding[], context: EnforceContext): Verdict {
  const violations: Violation[] = findings.flatMap((finding, index) =>
    finding.violations.map((message) => ({
      rule: TAMPER_GUARD_RULE,
      ruleType: 'tampering',
      severity: 'high' as const,
      action: 'revert' as const,
      resource: event.clones[index]!.id,
      message,
    })),
  );
  const alertWanted =
    violations.length > 0 && context.topicArn && meetsMinSeverity('high', context.policy.alerts.minSeverity);
  const notes = findings.flatMap((finding) => finding.notes);
  return {
    eventId: event.eventId,
    eventName: event.eventName,
    region: event.region,
    account: event.account,
    resources: event.clones.map((clone) => clone.id),
    status: violations.length > 0 ? 'violation' : 'compliant',
    ...(notes.length > 0 ? { reason: notes.join('; ') } : {}),
    violations,
    unknowns: [],
    actions: [
      ...findings.flatMap((finding) => finding.planned),
      ...(alertWanted
        ? [{ type: 'alert' as const, target: context.topicArn!, severity: 'high' as const, done: false }]
        : []),
    ],
    principal: event.principal,
    dryRun: context.dryRun,
  };
}

/** CreateTags / DeleteTags on a `clonewarden:` key: the value the ledger holds is written back. */
const judgeTags: Judge = (event, clone, item, context) => {
  const expected = mirrorTags(item, clone.id);
  const everyKey = Object.keys(expected).map((key): { key: string; value?: string } => ({ key }));
  const touched = event.removesAllTags ? everyKey : (event.tags ?? []);
  const wrong = touched.filter(({ key, value }) => value !== expected[key]);
  if (wrong.length === 0) return NOTHING;
  const restore = Object.fromEntries(
    wrong.filter(({ key }) => key in expected).map(({ key }) => [key, expected[key]!]),
  );
  const drop = wrong.filter(({ key }) => !(key in expected)).map(({ key }) => key);
  const described = wrong.map(({ key, value }) =>
    value === undefined
      ? `removed ${key}`
      : `set ${key}=${value} (the ledger: ${expected[key] ?? 'no such tag'})`,
  );
  return {
    violations: [`${event.principal.display} ${described.join(', ')}; the ledger's tags were written back`],
    notes: [],
    planned: [{ type: 'tag', target: clone.id, region: event.region, tags: restore, done: false }],
    repair: async () => {
      const whose = clone.id === item.id ? '' : ` on its disk ${clone.id}`;
      await noteInLedger(
        context.ledger!,
        item,
        event,
        `tags rewritten from the ledger after ${event.eventName}${whose}`,
      );
      if (Object.keys(restore).length > 0) await context.actions.tag(event.region, [clone.id], restore);
      if (drop.length > 0) await context.actions.untag?.(event.region, [clone.id], drop);
    },
  };
};

/** EnableImage / DisableImageDeprecation on a clone the ledger holds as quarantined: quarantined again. */
const judgeUnquarantine: Judge = (event, clone, item, context) => {
  if (!isQuarantinedInLedger(item)) return NOTHING;
  return {
    violations: [
      `${event.principal.display} called ${event.eventName} on ${clone.id}, which the ledger holds as quarantined; the quarantine was put back`,
    ],
    notes: [],
    planned: [{ type: 'quarantine', target: clone.id, kind: clone.kind, region: event.region, done: false }],
    repair: () => requarantine(event, clone, item, context, `quarantine put back after ${event.eventName}`),
  };
};

/** DeregisterImage / DeleteSnapshot: the item is closed, kept for the audit. */
const judgeClose: Judge = (event, _clone, item, context) => {
  if (item.status === 'closed') return NOTHING;
  const days = context.policy.ledgerRetentionDays ?? LEDGER_RETENTION_DAYS;
  const by = event.principal.callerArn ?? event.principal.arn;
  const change = closingChange({ eventId: event.eventId, at: event.eventTime, ...(by ? { by } : {}) }, days);
  return {
    ...NOTHING,
    notes: [`${item.id}: closed in the ledger (${event.eventName}), kept ${days} days for the audit`],
    repair: async () => {
      await changeLedgerItem(context.ledger!, item, (stored) =>
        stored.status === 'closed' ? undefined : change,
      );
    },
  };
};

/** Restore…FromRecycleBin: the item is reopened with the status it had, and judged again from it. */
const judgeReopen: Judge = (event, clone, item, context) => {
  if (item.status !== 'closed') return NOTHING;
  const before =
    [...item.history].reverse().find((entry) => entry.status !== 'closed')?.status ?? 'compliant';
  const reopen = async () => {
    await changeLedgerItem(context.ledger!, item, (stored) =>
      stored.status !== 'closed' ? undefined : reopening(event, before),
    );
  };
  const notes = [`${clone.id}: reopened in the ledger as ${before} (${event.eventName})`];
  if (before !== 'quarantined') {
    const tags = mirrorTags({ ...item, status: before }, clone.id);
    return {
      violations: [],
      notes,
      planned: [{ type: 'tag', target: clone.id, region: event.region, tags, done: false }],
      repair: async () => {
        await reopen();
        await context.actions.tag(event.region, [clone.id], tags);
      },
    };
  }
  return {
    violations: [
      `${event.principal.display} restored ${clone.id}, which the ledger held as quarantined; quarantined again`,
    ],
    notes,
    planned: [{ type: 'quarantine', target: clone.id, kind: clone.kind, region: event.region, done: false }],
    repair: async () => {
      await reopen();
      await requarantine(event, clone, { ...item, status: 'quarantined' }, context);
    },
  };
};

const JUDGES: Record<TamperAction, Judge> = {
  tags: judgeTags,
  unquarantine: judgeUnquarantine,
  close: judgeClose,
  reopen: judgeReopen,
};

function reopening(event: TamperEvent, status: LedgerStatus) {
  const by = event.principal.callerArn ?? event.principal.arn;
  return {
    status,
    eventId: event.eventId,
    at: event.eventTime,
    ...(by ? { by } : {}),
    note: `restored (${event.eventName})`,
    unset: ['expiresAt' as const],
  };
}

/**
 * Quarantines the clone again and writes the ledger's tags. The shares it finds now are removed
 * but never recorded: only what the first quarantine recorded is ever given back.
 */
async function requarantine(
  event: TamperEvent,
  clone: CloneRef,
  item: LedgerItem,
  context: EnforceContext,
  note?: string,
): Promise<void> {
  if (note) await noteInLedger(context.ledger!, item, event, note);
  const tags = mirrorTags(item, clone.id);
  const ignoreNewShares = async () => {};
  if (clone.kind === 'image')
    await context.actions.quarantineImage(event.region, clone.id, tags, ignoreNewShares);
  else await context.actions.quarantineSnapshot(event.region, clone.id, tags, ignoreNewShares);
  await context.actions.tag(event.region, [clone.id], tags);
}

/** A line in the item's history naming the call and who made it (the status stays). */
async function noteInLedger(ledger: CloneLedger, item: LedgerItem, event: TamperEvent, note: string) {
  const by = event.principal.callerArn ?? event.principal.arn;
  await changeLedgerItem(ledger, item, (stored) =>
    stored.history.some((entry) => entry.eventId === event.eventId)
      ? undefined
      : { eventId: event.eventId, at: event.eventTime, ...(by ? { by } : {}), note },
  );
}
