import { describe, expect, it } from 'vitest';
import { readGenerationTag, resolveLineage } from '../../shared/engine/resolve-lineage.js';
import type { CloneEvent, CloneFacts, SourceFact } from '../../shared/model/types.js';
import {
  imageSource,
  instanceSource,
  NOW,
  originImage,
  PLATFORM_ROLE,
  snapshotSource,
  volumeSource,
} from '../support/rule-input.js';

const INSTANCE = 'i-0aaaaaaaaaaaaaaa1';
const VOLUME = 'vol-0bbbbbbbbbbbbbbb1';
const SOURCE_IMAGE = 'ami-0ccccccccccccccc1';
const SOURCE_SNAPSHOT = 'snap-0ddddddddddddddd1';
const ORIGIN_IMAGE = 'ami-0eeeeeeeeeeeeeee1';
const ORIGIN_SNAPSHOT = 'snap-0eeeeeeeeeeeeeee2';
const ROOT_IMAGE = 'ami-0123456789abcdef0';
const NEW_IMAGE = 'ami-0fffffffffffffff1';
const NEW_SNAPSHOT = 'snap-0fffffffffffffff1';

/** A CloudTrail event for one new clone of `source`, in us-east-1 unless the source says otherwise. */
function eventFor(eventName: string, source: SourceFact | undefined, region = 'us-east-1'): CloneEvent {
  const kind = eventName.includes('Snapshot') ? 'snapshot' : 'image';
  return {
    family: 'creation',
    eventId: '11111111-2222-3333-4444-555555555555',
    eventName,
    eventTime: NOW.toISOString(),
    region,
    account: '111122223333',
    principal: PLATFORM_ROLE,
    clones: [{ kind, id: kind === 'image' ? NEW_IMAGE : NEW_SNAPSHOT }],
    ...(source ? { source: { kind: source.kind, id: source.id, region: source.region } } : {}),
    requestedTags: {},
  };
}

function factsFor(source: SourceFact | undefined, origin?: CloneFacts['origin']): CloneFacts {
  return { clones: [], gaps: [], ...(source ? { source } : {}), ...(origin ? { origin } : {}) };
}

describe('Engine: resolveLineage', () => {
  it.each([
    {
      case: 'CreateImage of an instance launched from a non-clone AMI',
      eventName: 'CreateImage',
      source: instanceSource(),
      origin: originImage(),
      expected: { source: INSTANCE, parent: INSTANCE, root: INSTANCE, generation: 1 },
    },
    {
      case: 'CreateImage of an instance launched from a generation-2 clone AMI',
      eventName: 'CreateImage',
      source: instanceSource(),
      origin: originImage({
        tags: { 'clonewarden:generation': '2', 'clonewarden:root': ROOT_IMAGE },
      }),
      expected: { source: INSTANCE, parent: ORIGIN_IMAGE, root: ROOT_IMAGE, generation: 3 },
    },
    {
      case: 'CreateImage of an instance whose AMI is gone',
      eventName: 'CreateImage',
      source: instanceSource(),
      origin: originImage({ found: false }),
      expected: { source: INSTANCE, parent: INSTANCE, root: INSTANCE, generation: 1 },
    },
    {
      case: 'CreateSnapshot of a volume restored from a generation-1 clone snapshot',
      eventName: 'CreateSnapshot',
      source: volumeSource({ snapshotId: ORIGIN_SNAPSHOT }),
      origin: {
        kind: 'snapshot' as const,
        id: ORIGIN_SNAPSHOT,
        found: true,
        tags: { 'clonewarden:generation': '1', 'clonewarden:root': VOLUME },
      },
      expected: { source: VOLUME, parent: ORIGIN_SNAPSHOT, root: VOLUME, generation: 2 },
    },
    {
      case: 'CopyImage of a non-clone image',
      eventName: 'CopyImage',
      source: imageSource(),
      origin: undefined,
      expected: { source: SOURCE_IMAGE, parent: SOURCE_IMAGE, root: SOURCE_IMAGE, generation: 1 },
    },
    {
      case: 'CopySnapshot of a non-clone snapshot',
      eventName: 'CopySnapshot',
      source: snapshotSource(),
      origin: undefined,
      expected: {
        source: SOURCE_SNAPSHOT,
        parent: SOURCE_SNAPSHOT,
        root: SOURCE_SNAPSHOT,
        generation: 1,
      },
    },
  ])('places $case', ({ eventName, source, origin, expected }) => {
    // Prepare
    const event = eventFor(eventName, source);
    const facts = factsFor(source, origin);

    // Act
    const lineage = resolveLineage(event, facts);

    // Assess
    expect(lineage).toMatchObject(expected);
    expect(lineage.evidence.length).toBeGreaterThan(0);
  });

  it.each([1, 2, 7, 10_000])('places a CopyImage of a generation-%i clone at the next generation', (n) => {
    // Prepare
    const source = imageSource({
      tags: { 'clonewarden:generation': String(n), 'clonewarden:root': ROOT_IMAGE },
    });

    // Act
    const lineage = resolveLineage(eventFor('CopyImage', source), factsFor(source));

    // Assess
    expect(lineage).toMatchObject({
      source: SOURCE_IMAGE,
      parent: SOURCE_IMAGE,
      root: ROOT_IMAGE,
      generation: n + 1,
    });
    expect(lineage.evidence).toContain(
      `${SOURCE_IMAGE} is a generation-${n} clone (its clonewarden:generation tag)`,
    );
  });

  it.each<{ case: string; tags: Record<string, string>; expectedRoot: string; generation: number }>([
    { case: 'a non-clone', tags: {}, expectedRoot: `us-west-2/${SOURCE_IMAGE}`, generation: 1 },
    {
      case: 'a generation-1 clone',
      tags: { 'clonewarden:generation': '1', 'clonewarden:root': `us-west-2/${ROOT_IMAGE}` },
      expectedRoot: `us-west-2/${ROOT_IMAGE}`,
      generation: 2,
    },
  ])('labels a cross-region CopyImage source of $case as region/id', ({ tags, expectedRoot, generation }) => {
    // Prepare
    const source = imageSource({ region: 'us-west-2', tags });
    const event = eventFor('CopyImage', source, 'us-east-1');

    // Act
    const lineage = resolveLineage(event, factsFor(source));

    // Assess
    expect(lineage).toMatchObject({
      source: `us-west-2/${SOURCE_IMAGE}`,
      parent: `us-west-2/${SOURCE_IMAGE}`,
      root: expectedRoot,
      generation,
    });
  });

  it.each([
    { forged: '0' },
    { forged: '-1' },
    { forged: 'abc' },
    { forged: '1e3' },
    { forged: '2.5' },
    { forged: ' 3' },
    { forged: '007' },
    { forged: '10001' },
    { forged: '99999999999999999999999' },
  ])('ignores a forged generation tag "$forged", with evidence', ({ forged }) => {
    // Prepare
    const source = imageSource({
      tags: { 'clonewarden:generation': forged, 'clonewarden:root': ROOT_IMAGE },
    });

    // Act
    const lineage = resolveLineage(eventFor('CopyImage', source), factsFor(source));

    // Assess
    expect(lineage).toMatchObject({
      source: SOURCE_IMAGE,
      parent: SOURCE_IMAGE,
      root: SOURCE_IMAGE,
      generation: 1,
    });
    expect(lineage.evidence).toContain(
      `ignored an invalid clonewarden:generation tag on ${SOURCE_IMAGE}: a generation is a positive integer`,
    );
  });

  it.each<{ case: string; tags: Record<string, string> }>([
    { case: 'no tag', tags: {} },
    { case: 'a forged "0"', tags: { 'clonewarden:generation': '0' } },
    { case: 'a forged "-1"', tags: { 'clonewarden:generation': '-1' } },
    { case: 'a valid but low "1"', tags: { 'clonewarden:generation': '1' } },
  ])('never places a copy of an image EC2 records as a copy below generation 2 ($case)', ({ tags }) => {
    // Prepare
    const source = imageSource({ sourceImageId: ROOT_IMAGE, tags });

    // Act
    const lineage = resolveLineage(eventFor('CopyImage', source), factsFor(source));

    // Assess
    expect(lineage.generation).toBe(2);
    expect(lineage.evidence).toContain(`EC2 records ${SOURCE_IMAGE} as a copy of ${ROOT_IMAGE}`);
  });

  it('takes the root from EC2 when the source carries no lineage tags but EC2 knows its source', () => {
    // Prepare
    const source = imageSource({ sourceImageId: ROOT_IMAGE });

    // Act
    const lineage = resolveLineage(eventFor('CopyImage', source), factsFor(source));

    // Assess
    expect(lineage).toMatchObject({ parent: SOURCE_IMAGE, root: ROOT_IMAGE, generation: 2 });
  });

  it('lets a higher generation tag win over the structural floor', () => {
    // Prepare
    const source = imageSource({
      sourceImageId: ROOT_IMAGE,
      tags: { 'clonewarden:generation': '4', 'clonewarden:root': ROOT_IMAGE },
    });

    // Act
    const lineage = resolveLineage(eventFor('CopyImage', source), factsFor(source));

    // Assess
    expect(lineage.generation).toBe(5);
  });

  it.each([
    { root: 'evil' },
    { root: '' },
    { root: 'ami-XYZ' },
    { root: 'ami-0123456789abcdef0; rm -rf /' },
    { root: 'arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0' },
    { root: 'US-EAST-1/ami-0123456789abcdef0' },
  ])('ignores an invalid clonewarden:root tag "$root" and roots the family at the parent', ({ root }) => {
    // Prepare
    const origin = originImage({ tags: { 'clonewarden:generation': '2', 'clonewarden:root': root } });
    const source = instanceSource();

    // Act
    const lineage = resolveLineage(eventFor('CreateImage', source), factsFor(source, origin));

    // Assess
    expect(lineage).toMatchObject({ parent: ORIGIN_IMAGE, root: ORIGIN_IMAGE, generation: 3 });
  });

  it('reports an unknown lineage when the event names no source', () => {
    // Prepare
    const event = eventFor('RegisterImage', undefined);

    // Act
    const lineage = resolveLineage(event, factsFor(undefined));

    // Assess
    expect(lineage).toEqual({
      source: 'unknown',
      parent: 'unknown',
      root: 'unknown',
      generation: 1,
      evidence: ['the event names no source'],
    });
  });
});

describe('Engine: readGenerationTag', () => {
  it.each([
    { value: '1', expected: 1 },
    { value: '42', expected: 42 },
    { value: '10000', expected: 10_000 },
    { value: '10001', expected: undefined },
    { value: '0', expected: undefined },
    { value: '-3', expected: undefined },
    { value: '01', expected: undefined },
    { value: '1e3', expected: undefined },
    { value: '0x10', expected: undefined },
    { value: '', expected: undefined },
    { value: undefined, expected: undefined },
  ])('reads "$value" as $expected', ({ value, expected }) => {
    // Prepare
    const tags: Record<string, string> = value === undefined ? {} : { 'clonewarden:generation': value };

    // Act
    const generation = readGenerationTag(tags);

    // Assess
    expect(generation).toBe(expected);
  });
});
