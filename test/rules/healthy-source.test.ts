import { describe, expect, it } from 'vitest';
import type { SourceFact } from '../../shared/model/types.js';
import { healthySourceRule } from '../../shared/rules/healthy-source.js';
import {
  imageSource,
  instanceSource,
  originImage,
  ruleInput,
  snapshotSource,
  volumeSource,
} from '../support/rule-input.js';

const I = 'i-0aaaaaaaaaaaaaaa1';
const V = 'vol-0bbbbbbbbbbbbbbb1';
const AMI = 'ami-0ccccccccccccccc1';
const SNAP = 'snap-0ddddddddddddddd1';
const ORIGIN = 'ami-0eeeeeeeeeeeeeee1';

const judge = (
  source: SourceFact | undefined,
  origin = source?.kind === 'instance' ? originImage() : undefined,
) => healthySourceRule.evaluate({}, ruleInput({ facts: { source, origin } }));

describe('Rule: healthy-source', () => {
  it.each([
    { case: 'a running instance with passing checks', source: instanceSource() },
    {
      case: 'a stopped instance without status checks',
      source: instanceSource({ state: 'stopped', statusChecks: 'not-applicable' }),
    },
    {
      case: 'a stopped instance with unknown checks',
      source: instanceSource({ state: 'stopped', statusChecks: 'unknown' }),
    },
    { case: 'an in-use volume', source: volumeSource() },
    {
      case: 'an available volume with no status checks',
      source: volumeSource({ state: 'available', statusChecks: 'not-applicable', attachments: [] }),
    },
    { case: 'an available image', source: imageSource() },
    { case: 'a completed snapshot', source: snapshotSource() },
  ])('passes $case', ({ source }) => {
    // Act
    const outcome = judge(source);

    // Assess
    expect(outcome).toEqual({ violations: [] });
  });

  it.each([
    {
      case: 'an impaired instance',
      source: instanceSource({ statusChecks: 'impaired' }),
      expected: `source instance ${I} is impaired (status checks failed)`,
    },
    {
      case: 'an initializing instance',
      source: instanceSource({ statusChecks: 'initializing' }),
      expected: `source instance ${I}: status checks not passed yet (initializing)`,
    },
    {
      case: 'an instance with insufficient data',
      source: instanceSource({ statusChecks: 'insufficient-data' }),
      expected: `source instance ${I}: status checks not passed yet (insufficient-data)`,
    },
    {
      case: 'a pending instance',
      source: instanceSource({ state: 'pending' }),
      expected: `source instance ${I} is pending, not running or stopped`,
    },
    {
      case: 'a stopping instance',
      source: instanceSource({ state: 'stopping' }),
      expected: `source instance ${I} is stopping, not running or stopped`,
    },
    {
      case: 'a terminated instance',
      source: instanceSource({ state: 'terminated' }),
      expected: `source instance ${I} is terminated, not running or stopped`,
    },
    {
      case: 'a volume in error',
      source: volumeSource({ state: 'error' }),
      expected: `source volume ${V} is error, not available or in-use`,
    },
    {
      case: 'an impaired volume',
      source: volumeSource({ statusChecks: 'impaired' }),
      expected: `source volume ${V} is impaired (volume status checks failed)`,
    },
    {
      case: 'a deprecated image',
      source: imageSource({ deprecated: true }),
      expected: `source image ${AMI} is deprecated`,
    },
    {
      case: 'a failed image',
      source: imageSource({ state: 'failed' }),
      expected: `source image ${AMI} is failed, not available`,
    },
    {
      case: 'a pending snapshot',
      source: snapshotSource({ state: 'pending' }),
      expected: `source snapshot ${SNAP} is pending, not completed`,
    },
    {
      case: 'a quarantined image',
      source: imageSource({ tags: { 'clonewarden:status': 'quarantined' } }),
      expected: `source ${AMI} is quarantined`,
    },
    {
      case: 'a quarantined snapshot',
      source: snapshotSource({ tags: { 'clonewarden:status': 'quarantined' } }),
      expected: `source ${SNAP} is quarantined`,
    },
  ])('reports $case', ({ source, expected }) => {
    // Act
    const outcome = judge(source);

    // Assess
    expect(outcome).toEqual({ violations: [expected] });
  });

  it.each([
    {
      case: 'launched from a quarantined AMI',
      source: instanceSource(),
      origin: originImage({ tags: { 'clonewarden:status': 'quarantined' } }),
      expected: `source ${I} was launched from quarantined image ${ORIGIN}`,
    },
    {
      case: 'created from a quarantined snapshot',
      source: volumeSource({ snapshotId: 'snap-0123456789abcdef0' }),
      origin: {
        kind: 'snapshot' as const,
        id: 'snap-0123456789abcdef0',
        found: true,
        tags: { 'clonewarden:status': 'quarantined' },
      },
      expected: `source ${V} was created from quarantined snapshot snap-0123456789abcdef0`,
    },
  ])('reports a source $case', ({ source, origin, expected }) => {
    // Act
    const outcome = judge(source, origin);

    // Assess
    expect(outcome).toEqual({ violations: [expected] });
  });

  it('does not treat an origin tagged anything but quarantined as a problem', () => {
    // Act
    const outcome = judge(instanceSource(), originImage({ tags: { 'clonewarden:status': 'exempt' } }));

    // Assess
    expect(outcome).toEqual({ violations: [] });
  });

  it.each([
    {
      case: 'the source was not found',
      source: instanceSource({ found: false }),
      origin: undefined,
      expected: `source ${I} could not be read (deleted, or in another account): its health was not checked`,
    },
    {
      case: 'the source facts are absent',
      source: undefined,
      origin: undefined,
      expected: `source ${I} could not be read (deleted, or in another account): its health was not checked`,
    },
    {
      case: 'the instance status checks are unknown',
      source: instanceSource({ statusChecks: 'unknown' }),
      origin: originImage(),
      expected: `status checks of running source instance ${I} are unknown: not checked`,
    },
    {
      case: 'the volume status is unknown (no DescribeVolumeStatus)',
      source: volumeSource({ statusChecks: 'unknown' }),
      origin: undefined,
      expected: `volume status of source volume ${V} is unknown: not checked`,
    },
    {
      case: 'the image state is unknown',
      source: imageSource({ state: undefined }),
      origin: undefined,
      expected: `state of source image ${AMI} is unknown: its health was not checked`,
    },
    {
      case: 'the origin AMI was not fetched',
      source: instanceSource(),
      origin: undefined,
      expected: `origin ${ORIGIN} of ${I} was not read: its quarantine was not checked`,
    },
    {
      case: 'the origin AMI is gone',
      source: instanceSource(),
      origin: originImage({ found: false }),
      expected: `origin image ${ORIGIN} of ${I} could not be read: its quarantine was not checked`,
    },
  ])('reports an unknown, not a violation, when $case', ({ source, origin, expected }) => {
    // Prepare
    const input = ruleInput({
      facts: { source, origin },
      event: { source: { kind: 'instance', id: I, region: 'us-east-1' } },
    });

    // Act
    const outcome = healthySourceRule.evaluate({}, input);

    // Assess
    expect(outcome).toEqual({ violations: [], unknowns: [expected] });
  });
});
