import { executeActions } from '../../actions/execute-actions.js';
import { evaluateSharing, needsOrganization } from '../../engine/evaluate-sharing.js';
import type { CloneFacts, ShareEvent, ShareFacts, Verdict } from '../../model/types.js';
import type { EnforceContext } from '../enforce-context.js';
import { reportSkipped, reportVerdict } from './report-verdict.js';

/** A clone shared: facts about the clone (and our Organization) → verdict → revert, quarantine, alert. */
export async function enforceSharing(event: ShareEvent, context: EnforceContext): Promise<Verdict> {
  const facts = await context.shareFacts.collect(event, {
    organization: needsOrganization(context.policy, event),
  });
  const planned = evaluateSharing(context.policy, event, facts, {
    now: context.now(),
    dryRun: context.dryRun,
    ...(context.topicArn ? { topicArn: context.topicArn } : {}),
  });
  if (planned.status === 'skipped') return reportSkipped(planned, facts.gaps, context);
  const verdict = await executeActions(planned, asCloneFacts(facts), context);

  reportVerdict(verdict, context, { gaps: facts.gaps });
  return verdict;
}

/** What quarantine needs of the clone (its tags and disks), in the form the actions read. */
function asCloneFacts({ clone, gaps }: ShareFacts): CloneFacts {
  if (!clone.found) return { clones: [], gaps };
  const { kind, id, region, tags, backingSnapshotIds } = clone;
  return { clones: [{ kind, id, region, tags, backingSnapshotIds }], gaps };
}
