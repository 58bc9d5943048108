import { isResourceLabel, TAG } from '../model/clonewarden-tags.js';
import type { CloneEvent, CloneFacts, Lineage } from '../model/types.js';

/** The largest generation we believe a tag about; anything larger is noise or tampering. */
const MAX_BELIEVABLE_GENERATION = 10_000;

/**
 * Reads `clonewarden:generation` strictly: a positive integer or nothing. A forged `0`, a
 * negative or a non-number is ignored, so a tag can never make a family tree shallower than
 * what EC2 itself shows.
 */
export function readGenerationTag(tags: Record<string, string>): number | undefined {
  const raw = tags[TAG.generation];
  if (raw === undefined || !/^[1-9][0-9]*$/.test(raw)) return undefined;
  const generation = Number(raw);
  return generation <= MAX_BELIEVABLE_GENERATION ? generation : undefined;
}

/**
 * Places a new clone in its family tree from the facts, in O(1) lookups: first from the
 * `clonewarden:` lineage tags of the parent clone, then from what EC2 records
 * (`SourceImageId`, the instance's AMI, the volume's snapshot).
 *
 * The parent clone is the source itself for copies and RegisterImage, and the source's
 * origin (the AMI an instance was launched from, the snapshot a volume was created from)
 * for CreateImage and CreateSnapshot(s): an image of a machine restored from a clone is a
 * clone of that clone.
 */
export function resolveLineage(event: CloneEvent, facts: CloneFacts): Lineage {
  const source = event.source;
  if (!source) {
    return {
      source: 'unknown',
      parent: 'unknown',
      root: 'unknown',
      generation: 1,
      evidence: ['the event names no source'],
    };
  }
  const sourceLabel = source.region !== event.region ? `${source.region}/${source.id}` : source.id;
  const evidence: string[] = [];

  const sourceIsClone = source.kind === 'image' || source.kind === 'snapshot';
  const parentCandidate = sourceIsClone
    ? facts.source && { id: sourceLabel, tags: facts.source.tags, found: facts.source.found }
    : facts.origin && { id: facts.origin.id, tags: facts.origin.tags, found: facts.origin.found };

  // What EC2 itself shows, whatever the tags say: the floor the generation can never go below.
  let structuralGeneration = 1;
  let structuralRoot = sourceLabel;
  if (facts.source?.kind === 'image' && facts.source.sourceImageId) {
    structuralGeneration = 2;
    structuralRoot = facts.source.sourceImageId;
    evidence.push(`EC2 records ${source.id} as a copy of ${facts.source.sourceImageId}`);
  }

  const tagGeneration = parentCandidate ? readGenerationTag(parentCandidate.tags) : undefined;
  if (parentCandidate && parentCandidate.tags[TAG.generation] !== undefined && tagGeneration === undefined) {
    evidence.push(
      `ignored an invalid ${TAG.generation} tag on ${parentCandidate.id}: a generation is a positive integer`,
    );
  }

  if (parentCandidate && tagGeneration !== undefined) {
    const taggedRoot = parentCandidate.tags[TAG.root];
    const root = isResourceLabel(taggedRoot) ? taggedRoot : parentCandidate.id;
    const generation = Math.max(tagGeneration + 1, structuralGeneration);
    evidence.push(`${parentCandidate.id} is a generation-${tagGeneration} clone (its ${TAG.generation} tag)`);
    return { source: sourceLabel, parent: parentCandidate.id, root, generation, evidence };
  }

  if (sourceIsClone) {
    evidence.push(`${sourceLabel} carries no clonewarden lineage: treated as an original`);
    return {
      source: sourceLabel,
      parent: sourceLabel,
      root: structuralRoot,
      generation: structuralGeneration,
      evidence,
    };
  }

  if (facts.origin) {
    evidence.push(`${source.id} came from ${facts.origin.id}, which is not a known clone`);
  }
  return { source: sourceLabel, parent: sourceLabel, root: sourceLabel, generation: 1, evidence };
}
