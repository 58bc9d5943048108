import { describe, expect, it } from 'vitest';
import { evaluateSharing, needsOrganization } from '../../shared/engine/evaluate-sharing.js';
import type { Share } from '../../shared/model/clonewarden-tags.js';
import type { SharedCloneFact, ShareEvent, ShareFacts } from '../../shared/model/types.js';
import { parsePolicy } from '../../shared/policy/load-policy.js';
import { aPrincipal, IMAGE_ID, SNAPSHOT_ID, TOPIC_ARN } from '../support/verdict.js';

const ACCOUNT = '210987654321';
const NOW = new Date('2026-06-01T00:00:00Z');
const ORG = {
  known: true as const,
  arn: 'arn:aws:organizations::210987654321:organization/o-abcdefghij',
  id: 'o-abcdefghij',
  accounts: new Set(['333344445555']),
};

function policy(action = 'revert', extra = '') {
  return parsePolicy(`version: 1
rules:
  - id: no-foreign-shares
    type: allowed-sharing
    severity: critical
    action: ${action}
    accounts: ["111122223333"]
    organization: true
${extra}`);
}

function share(added: Share[], removed: Share[] = []): ShareEvent {
  return {
    family: 'sharing',
    eventId: 'event-1',
    eventName: 'ModifyImageAttribute',
    eventTime: '2026-06-01T00:00:00Z',
    region: 'us-east-1',
    account: ACCOUNT,
    principal: aPrincipal(),
    clone: { kind: 'image', id: IMAGE_ID },
    added,
    removed,
  };
}

function facts(clone: Partial<SharedCloneFact> = {}): ShareFacts {
  return {
    clone: {
      kind: 'image',
      id: IMAGE_ID,
      region: 'us-east-1',
      found: true,
      ownerId: ACCOUNT,
      tags: {},
      encrypted: false,
      kmsKeyIds: [],
      backingSnapshotIds: [SNAPSHOT_ID],
      ...clone,
    },
    organization: ORG,
    gaps: [],
  };
}

const options = { now: NOW, dryRun: false, topicArn: TOPIC_ARN };
const pub: Share = { kind: 'group', value: 'all' };
const foreign: Share = { kind: 'account', value: '444455556666' };
const allowed: Share = { kind: 'account', value: '111122223333' };
const member: Share = { kind: 'account', value: '333344445555' };

describe('Engine: evaluateSharing', () => {
  it('plans the revert of exactly the grants that broke the rule, and one alert', () => {
    // Act
    const verdict = evaluateSharing(policy(), share([pub, foreign, allowed, member]), facts(), options);

    // Assess
    expect(verdict.status).toBe('violation');
    expect(verdict.sharing).toEqual({
      added: ['g=all', 'u=444455556666', 'u=111122223333', 'u=333344445555'],
      removed: [],
      denied: ['g=all', 'u=444455556666'],
      notes: [],
    });
    expect(verdict.actions.map((a) => a.type)).toEqual(['revert', 'alert']);
    expect(verdict.actions[0]).toMatchObject({ shares: ['g=all', 'u=444455556666'], target: IMAGE_ID });
  });

  it('quarantines the clone and marks it and its disks when the rule asks for quarantine', () => {
    // Act
    const verdict = evaluateSharing(policy('quarantine'), share([foreign]), facts(), options);

    // Assess
    expect(verdict.status).toBe('quarantined');
    expect(verdict.actions.map((a) => `${a.type}:${a.target}`)).toEqual([
      `tag:${IMAGE_ID}`,
      `tag:${SNAPSHOT_ID}`,
      `quarantine:${IMAGE_ID}`,
      `alert:${TOPIC_ARN}`,
    ]);
  });

  it('reports only, when the rule says report', () => {
    // Act
    const verdict = evaluateSharing(policy('report'), share([foreign]), facts(), options);

    // Assess
    expect(verdict.actions.map((a) => a.type)).toEqual(['alert']);
  });

  it('reverts any grant of a quarantined clone, even an allowed one', () => {
    // Act
    const verdict = evaluateSharing(policy(), share([allowed]), facts({ status: 'quarantined' }), options);

    // Assess
    expect(verdict.violations.map((v) => v.rule)).toEqual(['quarantined-clone']);
    expect(verdict.actions[0]).toMatchObject({ type: 'revert', shares: ['u=111122223333'] });
  });

  it('changes nothing for an exempt caller, but still alerts', () => {
    // Prepare
    const exempt = policy(
      'revert',
      `exemptions:
  - principals: ["${aPrincipal().arn}"]
    reason: release pipeline shares with partners`,
    );

    // Act
    const verdict = evaluateSharing(exempt, share([foreign]), facts(), options);

    // Assess
    expect(verdict).toMatchObject({ status: 'exempt', exemption: 'release pipeline shares with partners' });
    expect(verdict.actions.map((a) => a.type)).toEqual(['alert']);
  });

  it('says that an encrypted clone needs its KMS key shared, and still judges the share', () => {
    // Act
    const verdict = evaluateSharing(
      policy(),
      share([allowed]),
      facts({ encrypted: true, kmsKeyIds: ['arn:aws:kms:us-east-1:210987654321:key/k1'] }),
      options,
    );

    // Assess
    expect(verdict.status).toBe('compliant');
    expect(verdict.sharing?.notes[0]).toMatch(
      /encrypted \(arn:aws:kms:us-east-1:210987654321:key\/k1\).*u=111122223333 can use it only if the key is shared/,
    );
  });

  it('treats a grantee as foreign, with an unknown, when our organization could not be read', () => {
    // Prepare
    const unread: ShareFacts = {
      ...facts(),
      organization: { known: false, reason: 'AccessDeniedException: no' },
    };

    // Act
    const verdict = evaluateSharing(policy(), share([member]), unread, options);

    // Assess
    expect(verdict.violations).toHaveLength(1);
    expect(verdict.unknowns[0]?.message).toMatch(
      /could not be read \(AccessDeniedException: no\): account 333344445555 treated as foreign/,
    );
  });

  it.each([
    ['a call that only removed grants', share([], [foreign]), facts(), /only removed grants/],
    ['a clone that no longer exists', share([foreign]), facts({ found: false }), /no longer exists/],
    [
      'a clone of another owner',
      share([foreign]),
      facts({ ownerId: '999988887777' }),
      /owned by 999988887777/,
    ],
  ])('skips %s', (_case, event, shareFacts, reason) => {
    // Act
    const verdict = evaluateSharing(policy(), event, shareFacts, options);

    // Assess
    expect(verdict).toMatchObject({ status: 'skipped', actions: [] });
    expect(verdict.reason).toMatch(reason);
  });

  it('reads our organization only when a rule allows it and something not public was granted', () => {
    // Assess
    expect(needsOrganization(policy(), share([foreign]))).toBe(true);
    expect(needsOrganization(policy(), share([pub]))).toBe(false);
    expect(needsOrganization(parsePolicy('version: 1\nrules: []'), share([foreign]))).toBe(false);
  });
});
