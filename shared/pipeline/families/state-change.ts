import { type ActionDependencies, executeActions } from '../../actions/execute-actions.js';
import type { CloneFactsReader } from '../../aws/ec2-clone-facts.js';
import { disksLeftPending, evaluateStateChange } from '../../engine/evaluate-state-change.js';
import type { CloneFact, CloneFacts, ImageStateEvent, Verdict } from '../../model/types.js';
import type { Policy } from '../../policy/schema.js';
import type { EnforceContext } from '../enforce-context.js';
import { reportVerdict } from './report-verdict.js';

/** What finishing an image needs: the Lambda's context, or prune's reconcile (no alert topic). */
export interface ImageStateDependencies extends ActionDependencies {
  policy: Policy;
  facts: CloneFactsReader;
  dryRun: boolean;
  topicArn?: string;
  now: () => Date;
}

/**
 * An image became `available` or `failed` (EC2's `EC2 AMI State Change` event): finish what its
 * creation left, or record the failure → verdict → tag, quarantine the disks, alert.
 */
export async function enforceStateChange(event: ImageStateEvent, context: EnforceContext): Promise<Verdict> {
  const verdict = await settleImageState(event, context);
  reportVerdict(verdict, context, { imageState: verdict.imageState, awaiting: verdict.awaiting ?? [] });
  return verdict;
}

/**
 * One read of the image; its disks are read only when its creation left them pending, so that
 * an image handled whole at creation costs one call (bench/api-calls-per-event.ts).
 */
export async function settleImageState(
  event: ImageStateEvent,
  deps: ImageStateDependencies,
): Promise<Verdict> {
  const image = await deps.facts.readImage(event.region, event.imageId);
  const read =
    image && event.state === 'available' && disksLeftPending(image)
      ? await deps.facts.readDisks(image)
      : image;
  const planned = evaluateStateChange(deps.policy, event, read ? { image: read } : {}, {
    now: deps.now(),
    dryRun: deps.dryRun,
    ...(deps.topicArn ? { topicArn: deps.topicArn } : {}),
  });
  return executeActions(planned, factsOf(read), deps);
}

/** The image and its disks as clones, so that quarantine knows each disk's recorded shares. */
function factsOf(image: CloneFact | undefined): CloneFacts {
  if (!image) return { clones: [], gaps: [] };
  const disks = Object.entries(image.diskTags ?? {}).map(
    ([id, tags]): CloneFact => ({ kind: 'snapshot', id, region: image.region, tags, backingSnapshotIds: [] }),
  );
  return { clones: [image, ...disks], gaps: [] };
}
