import { describe, expect, it } from 'vitest';
import { buildAlert } from '../../shared/actions/alert-message.js';
import { readBirthRecord } from '../../shared/engine/birth-record.js';
import { evaluateRestore } from '../../shared/engine/evaluate-restore.js';
import type { RestoredCloneFact, RestoreEvent, RestoreFacts } from '../../shared/model/types.js';
import { parsePolicy } from '../../shared/policy/load-policy.js';
import { NOW, PLATFORM_ROLE } from '../support/rule-input.js';

const ACCOUNT = '111122223333';
const IMAGE = 'ami-0fffffffffffffff1';
const INSTANCES = ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2'];
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:clonewarden-alerts';
const DAY = 86_400_000;

const policyWith = (action: string, extra = '') =>
  parsePolicy(`
version: 1
rules:
  - id: capture
    type: consistent-capture
    severity: medium
    action: tag
  - id: restore-only-good-clones
    type: allowed-restore
    severity: high
    action: ${action}
    maxSourceAgeDays: 180
${extra}`);

const event: RestoreEvent = {
  family: 'restoring',
  eventId: 'e-restore-1',
  eventName: 'RunInstances',
  eventTime: NOW.toISOString(),
  region: 'us-east-1',
  account: ACCOUNT,
  principal: PLATFORM_ROLE,
  clone: { kind: 'image', id: IMAGE },
  created: INSTANCES.map((id) => ({ kind: 'instance' as const, id })),
};

function clone(overrides: Partial<RestoredCloneFact> = {}): RestoredCloneFact {
  return {
    kind: 'image',
    id: IMAGE,
    region: 'us-east-1',
    ownerId: ACCOUNT,
    tags: { 'clonewarden:root': 'i-0ddddddddddddddd1', 'clonewarden:generation': '1' },
    createdAt: new Date(NOW.getTime() - 10 * DAY).toISOString(),
    state: 'available',
    deprecated: false,
    ...overrides,
  };
}

const facts = (fact?: RestoredCloneFact): RestoreFacts => ({
  ...(fact ? { clone: fact } : {}),
  labelTargets: [...INSTANCES, 'vol-0bbbbbbbbbbbbbbb1', 'eni-0ccccccccccccccc1'],
  gaps: [],
});
const options = { now: NOW, dryRun: false, topicArn: TOPIC };

describe('Engine: evaluateRestore', () => {
  it('labels everything a restore of a compliant clone created, and plans no alert', () => {
    // Act
    const verdict = evaluateRestore(policyWith('stop'), event, facts(clone()), options);

    // Assess
    expect(verdict).toMatchObject({
      status: 'compliant',
      restoredFrom: IMAGE,
      resources: INSTANCES,
      violations: [],
    });
    expect(verdict.actions).toHaveLength(4);
    for (const action of verdict.actions) {
      expect(action).toMatchObject({
        type: 'tag',
        tags: {
          'clonewarden:restored-from': IMAGE,
          'clonewarden:root': 'i-0ddddddddddddddd1',
          'clonewarden:generation': '1',
          'clonewarden:created-by': PLATFORM_ROLE.callerArn ?? PLATFORM_ROLE.arn,
        },
      });
    }
  });

  it('refuses a quarantined, inconsistent, deprecated, disabled and old clone: marks, stops the instances, alerts once', () => {
    // Prepare
    const refused = clone({
      tags: { 'clonewarden:status': 'quarantined', 'clonewarden:violations': 'capture,labels' },
      status: 'quarantined',
      deprecated: true,
      state: 'disabled',
      createdAt: new Date(NOW.getTime() - 400 * DAY).toISOString(),
    });

    // Act
    const verdict = evaluateRestore(policyWith('stop'), event, facts(refused), options);

    // Assess
    expect(verdict.status).toBe('violation');
    expect(verdict.violations.map((v) => v.message)).toEqual([
      `${IMAGE} is quarantined by clonewarden`,
      `${IMAGE} is deprecated`,
      `${IMAGE} is disabled`,
      `${IMAGE} was captured from a running machine (rule capture): its file system may not be clean and replicated data may be stale`,
      `${IMAGE} is 400 days old (created ${refused.createdAt}), more than the maximum of 180: it brings back old software`,
    ]);
    expect(verdict.actions.map((a) => `${a.type}:${a.target}`)).toEqual([
      ...[...INSTANCES, 'vol-0bbbbbbbbbbbbbbb1', 'eni-0ccccccccccccccc1'].map((id) => `tag:${id}`),
      ...INSTANCES.map((id) => `stop:${id}`),
      `alert:${TOPIC}`,
    ]);
    expect(verdict.actions[0]).toMatchObject({
      tags: { 'clonewarden:status': 'violation', 'clonewarden:violations': 'restore-only-good-clones' },
    });
    const alert = buildAlert(verdict, { topicArn: TOPIC, dryRun: false });
    expect(alert.Message).toContain('resync replicated data');
  });

  it('never stops a restored volume: a stop rule only labels and alerts', () => {
    // Prepare
    const volumeEvent: RestoreEvent = {
      ...event,
      eventName: 'CreateVolume',
      clone: { kind: 'snapshot', id: 'snap-0fffffffffffffff1' },
      created: [{ kind: 'volume', id: 'vol-0bbbbbbbbbbbbbbb9' }],
    };
    const snapshot = clone({
      kind: 'snapshot',
      id: 'snap-0fffffffffffffff1',
      tags: { 'clonewarden:status': 'quarantined' },
      status: 'quarantined',
    });

    // Act
    const verdict = evaluateRestore(
      policyWith('stop'),
      volumeEvent,
      { ...facts(snapshot), labelTargets: ['vol-0bbbbbbbbbbbbbbb9'] },
      options,
    );

    // Assess
    expect(verdict.actions.map((a) => a.type)).toEqual(['tag', 'alert']);
  });

  it('exempts by the policy only: labels, no marks, no stop, still one alert', () => {
    // Prepare
    const policy = policyWith(
      'stop',
      `exemptions:\n  - resources: [${IMAGE}]\n    reason: golden image rebuild`,
    );

    // Act
    const verdict = evaluateRestore(policy, event, facts(clone({ deprecated: true })), options);

    // Assess
    expect(verdict).toMatchObject({ status: 'exempt', exemption: 'golden image rebuild' });
    expect(verdict.actions.map((a) => a.type)).toEqual(['tag', 'tag', 'tag', 'tag', 'alert']);
    expect(verdict.actions[0]).not.toHaveProperty('tags.clonewarden:status');
  });

  it('report-only rules alert without marking or stopping', () => {
    // Act
    const verdict = evaluateRestore(policyWith('report'), event, facts(clone({ deprecated: true })), options);

    // Assess
    expect(verdict.status).toBe('violation');
    expect(verdict.actions.filter((a) => a.type === 'stop')).toEqual([]);
    expect(verdict.actions[0]).not.toHaveProperty('tags.clonewarden:status');
  });

  it('skips an image that is not ours, and one EC2 does not show, with nothing planned', () => {
    // Act
    const foreign = evaluateRestore(
      policyWith('stop'),
      event,
      facts(clone({ ownerId: '137112412989' })),
      options,
    );
    const missing = evaluateRestore(policyWith('stop'), event, facts(), options);

    // Assess
    expect(foreign).toMatchObject({
      status: 'skipped',
      actions: [],
      reason: `${IMAGE} belongs to 137112412989, not to this account`,
    });
    expect(missing).toMatchObject({
      status: 'skipped',
      actions: [],
      reason: `${IMAGE} is not visible in us-east-1`,
    });
  });
});

describe('Engine: readBirthRecord', () => {
  it('keeps only the consistent-capture rule ids of the policy, and ignores bad lineage tags', () => {
    // Act
    const record = readBirthRecord(
      clone({
        tags: {
          'clonewarden:violations': 'labels,capture,+3',
          'clonewarden:root': '<script>',
          'clonewarden:generation': '-1',
        },
      }),
      policyWith('tag'),
    );

    // Assess
    expect(record).toEqual({ quarantined: false, inconsistentCapture: ['capture'] });
  });
});
