import { executeActions } from '../../actions/execute-actions.js';
import { birthItems } from '../../actions/ledger-record.js';
import { evaluatePolicy } from '../../engine/evaluate-policy.js';
import type { CloneEvent, Verdict } from '../../model/types.js';
import type { EnforceContext } from '../enforce-context.js';
import { lineageFromLedger } from '../ledger-lineage.js';
import { reportVerdict } from './report-verdict.js';

/**
 * A clone's birth: facts about the clone and its source (its parent's lineage from the ledger)
 * → verdict → ledger item, tags, quarantine, alert.
 */
export async function enforceCreation(event: CloneEvent, context: EnforceContext): Promise<Verdict> {
  const collected = await context.facts.collect(event);
  const { facts, evidence } = await lineageFromLedger(event, collected, context.ledger);
  const planned = evaluatePolicy(context.policy, event, facts, {
    now: context.now(),
    dryRun: context.dryRun,
    ...(context.topicArn ? { topicArn: context.topicArn } : {}),
  });
  // Every clone of one event shares one lineage object: the ledger's evidence is added once.
  const lineage = Object.values(planned.lineage ?? {})[0];
  lineage?.evidence.push(...evidence);
  const births = birthItems(event, planned, facts, 'event');
  const verdict = await executeActions(planned, facts, context, births);

  reportVerdict(verdict, context, { gaps: facts.gaps });
  return verdict;
}
