import type {
  CloneEvent,
  CloneFact,
  CloneFacts,
  ImageSourceFact,
  InstanceSourceFact,
  Lineage,
  OriginFact,
  Principal,
  RuleInput,
  SnapshotSourceFact,
  VolumeSourceFact,
} from '../../shared/model/types.js';

/** The fixed clock every rule test runs at. */
export const NOW = new Date('2026-06-15T12:00:00.000Z');

export const PLATFORM_ROLE: Principal = {
  type: 'AssumedRole',
  arn: 'arn:aws:iam::111122223333:role/PlatformEngineer',
  callerArn: 'arn:aws:sts::111122223333:assumed-role/PlatformEngineer/jane',
  sessionName: 'jane',
  accountId: '111122223333',
  display: 'role/PlatformEngineer (session jane)',
};

/** A running instance with passing status checks, launched from an AMI that is not quarantined. */
export function instanceSource(overrides: Partial<InstanceSourceFact> = {}): InstanceSourceFact {
  return {
    kind: 'instance',
    id: 'i-0aaaaaaaaaaaaaaa1',
    region: 'us-east-1',
    found: true,
    tags: {},
    state: 'running',
    statusChecks: 'ok',
    imageId: 'ami-0eeeeeeeeeeeeeee1',
    volumeIds: ['vol-0bbbbbbbbbbbbbbb1'],
    ...overrides,
  };
}

/** An in-use volume attached to a stopped instance, with passing volume status. */
export function volumeSource(overrides: Partial<VolumeSourceFact> = {}): VolumeSourceFact {
  return {
    kind: 'volume',
    id: 'vol-0bbbbbbbbbbbbbbb1',
    region: 'us-east-1',
    found: true,
    tags: {},
    state: 'in-use',
    statusChecks: 'ok',
    attachments: [{ instanceId: 'i-0aaaaaaaaaaaaaaa1', instanceState: 'stopped' }],
    ...overrides,
  };
}

export function imageSource(overrides: Partial<ImageSourceFact> = {}): ImageSourceFact {
  return {
    kind: 'image',
    id: 'ami-0ccccccccccccccc1',
    region: 'us-east-1',
    found: true,
    tags: {},
    state: 'available',
    createdAt: '2026-06-01T00:00:00.000Z',
    deprecated: false,
    ...overrides,
  };
}

export function snapshotSource(overrides: Partial<SnapshotSourceFact> = {}): SnapshotSourceFact {
  return {
    kind: 'snapshot',
    id: 'snap-0ddddddddddddddd1',
    region: 'us-east-1',
    found: true,
    tags: {},
    state: 'completed',
    createdAt: '2026-06-01T00:00:00.000Z',
    ...overrides,
  };
}

export function originImage(overrides: Partial<OriginFact> = {}): OriginFact {
  return { kind: 'image', id: 'ami-0eeeeeeeeeeeeeee1', found: true, tags: {}, ...overrides };
}

export interface RuleInputOverrides {
  event?: Partial<CloneEvent>;
  facts?: Partial<CloneFacts>;
  clone?: Partial<CloneFact>;
  lineage?: Partial<Lineage>;
  callerIsTrustedService?: boolean;
  now?: Date;
}

/**
 * A RuleInput for one clone: by default a CreateImage (with reboot) of a healthy running
 * instance by a platform role, generation 1. Each part can be overridden shallowly.
 *
 * @example
 * ruleInput({ event: { noReboot: true }, facts: { source: instanceSource({ state: 'stopped' }) } });
 */
export function ruleInput(overrides: RuleInputOverrides = {}): RuleInput {
  const clone: CloneFact = {
    kind: 'image',
    id: 'ami-0fffffffffffffff1',
    region: 'us-east-1',
    tags: {},
    createdAt: NOW.toISOString(),
    state: 'available',
    backingSnapshotIds: ['snap-0fffffffffffffff1'],
    ...overrides.clone,
  };
  const source = overrides.facts && 'source' in overrides.facts ? overrides.facts.source : instanceSource();
  const event: CloneEvent = {
    family: 'creation',
    eventId: '11111111-2222-3333-4444-555555555555',
    eventName: 'CreateImage',
    eventTime: NOW.toISOString(),
    region: 'us-east-1',
    account: '111122223333',
    principal: PLATFORM_ROLE,
    clones: [{ kind: clone.kind, id: clone.id }],
    source: source ? { kind: source.kind, id: source.id, region: source.region } : undefined,
    noReboot: false,
    requestedTags: {},
    ...overrides.event,
  };
  return {
    event,
    facts: { clones: [clone], gaps: [], ...overrides.facts, source },
    clone,
    lineage: {
      source: source?.id ?? 'unknown',
      parent: source?.id ?? 'unknown',
      root: source?.id ?? 'unknown',
      generation: 1,
      evidence: [],
      ...overrides.lineage,
    },
    callerIsTrustedService: overrides.callerIsTrustedService ?? false,
    now: overrides.now ?? NOW,
  };
}
