import { afterEach, describe, expect, it, vi } from 'vitest';
import { type EvaluationOptions, evaluatePolicy } from '../../shared/engine/evaluate-policy.js';
import type { CloneEvent, CloneFacts, PlannedAction, Principal } from '../../shared/model/types.js';
import { parsePolicy } from '../../shared/policy/load-policy.js';
import type { Policy } from '../../shared/policy/schema.js';
import { instanceSource, NOW, originImage, PLATFORM_ROLE, ruleInput } from '../support/rule-input.js';

const IMAGE = 'ami-0fffffffffffffff1';
const BACKING_SNAPSHOT = 'snap-0fffffffffffffff1';
const INSTANCE = 'i-0aaaaaaaaaaaaaaa1';
const EVENT_ID = '11111111-2222-3333-4444-555555555555';
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:clonewarden-alerts';
const OWNER = { Owner: 'jane@example.com' };

const POLICY_YAML = `
version: 1
alerts:
  minSeverity: low
rules:
  - id: labels
    type: required-tags
    severity: medium
    action: tag
    tags:
      Owner: { pattern: "^[a-z]+@example\\\\.com$" }
  - id: who-may-clone
    type: allowed-principals
    severity: high
    action: quarantine
    principals: ["arn:aws:iam::*:role/Platform*"]
  - id: clone-depth
    type: max-generation
    severity: critical
    action: quarantine
    max: 2
  - id: healthy-source
    type: healthy-source
    severity: high
    action: tag
  - id: consistent-capture
    type: consistent-capture
    severity: medium
    action: tag
  - id: fresh-source
    type: max-source-age
    severity: low
    action: report
    days: 180
`;

const DEVELOPER: Principal = {
  type: 'AssumedRole',
  arn: 'arn:aws:iam::111122223333:role/Developer',
  callerArn: 'arn:aws:sts::111122223333:assumed-role/Developer/joe',
  sessionName: 'joe',
  accountId: '111122223333',
  display: 'role/Developer (session joe)',
};

const BREAK_GLASS: Principal = {
  type: 'AssumedRole',
  arn: 'arn:aws:iam::111122223333:role/BreakGlassAdmin',
  callerArn: 'arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/ops',
  accountId: '111122223333',
  display: 'role/BreakGlassAdmin (session ops)',
};

/** A fresh policy per call: tests change their own copy. */
function aPolicy(): Policy {
  return parsePolicy(POLICY_YAML, 'test-policy.yml');
}

interface Scenario {
  principal?: Principal;
  cloneTags?: Record<string, string>;
  event?: Partial<CloneEvent>;
  facts?: Partial<CloneFacts>;
}

/**
 * A CreateImage (with reboot) of a healthy running instance by the platform role, making
 * IMAGE backed by BACKING_SNAPSHOT; the clone carries a valid Owner unless told otherwise.
 */
function aScenario({ principal = PLATFORM_ROLE, cloneTags = { ...OWNER }, event, facts }: Scenario = {}) {
  const input = ruleInput({
    clone: { tags: cloneTags },
    event: { principal, ...event },
    ...(facts ? { facts } : {}),
  });
  return { event: input.event, facts: input.facts };
}

const OPTIONS: EvaluationOptions = { now: NOW, dryRun: false, topicArn: TOPIC };

const tagAction = (target: string, tags: Record<string, string>): PlannedAction => ({
  type: 'tag',
  target,
  region: 'us-east-1',
  tags,
  done: false,
});

function tagsPlannedFor(actions: PlannedAction[], target: string): Record<string, string> | undefined {
  const action = actions.find((a) => a.type === 'tag' && a.target === target);
  return action?.type === 'tag' ? action.tags : undefined;
}

describe('Engine: evaluatePolicy', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('finds a well-labelled clone of a healthy instance compliant and tags it and its backing snapshot', () => {
    // Prepare
    const policy = aPolicy();
    const { event, facts } = aScenario();

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    const expectedTags = {
      'clonewarden:created-by': PLATFORM_ROLE.callerArn!,
      'clonewarden:created-at': NOW.toISOString(),
      'clonewarden:event-id': EVENT_ID,
      'clonewarden:source': INSTANCE,
      'clonewarden:parent': INSTANCE,
      'clonewarden:root': INSTANCE,
      'clonewarden:generation': '1',
      'clonewarden:status': 'compliant',
    };
    expect(verdict).toMatchObject({
      eventId: EVENT_ID,
      eventName: 'CreateImage',
      status: 'compliant',
      resources: [IMAGE],
      violations: [],
      dryRun: false,
    });
    expect(verdict.actions).toEqual([
      tagAction(IMAGE, expectedTags),
      tagAction(BACKING_SNAPSHOT, expectedTags),
    ]);
    expect(verdict.lineage?.[IMAGE]).toMatchObject({ source: INSTANCE, generation: 1 });
  });

  it('writes created-at from the event time, not from the evaluation clock', () => {
    // Prepare
    const policy = aPolicy();
    const { event, facts } = aScenario({ event: { eventTime: '2026-06-15T11:58:03Z' } });

    // Act
    const verdict = evaluatePolicy(policy, event, facts, {
      ...OPTIONS,
      now: new Date('2026-06-16T00:00:00Z'),
    });

    // Assess
    expect(tagsPlannedFor(verdict.actions, IMAGE)?.['clonewarden:created-at']).toBe('2026-06-15T11:58:03Z');
  });

  it('marks tag-rule violations in clonewarden:violations and plans one alert at the highest severity', () => {
    // Prepare
    const policy = aPolicy();
    const { event, facts } = aScenario({
      cloneTags: {},
      facts: { source: instanceSource({ statusChecks: 'impaired' }) },
    });

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    expect(verdict.status).toBe('violation');
    expect(verdict.violations.map((v) => [v.rule, v.severity, v.action])).toEqual([
      ['labels', 'medium', 'tag'],
      ['healthy-source', 'high', 'tag'],
    ]);
    for (const target of [IMAGE, BACKING_SNAPSHOT]) {
      expect(tagsPlannedFor(verdict.actions, target)).toMatchObject({
        'clonewarden:status': 'violation',
        'clonewarden:violations': 'labels,healthy-source',
      });
    }
    expect(verdict.actions.filter((a) => a.type === 'alert')).toEqual([
      { type: 'alert', target: TOPIC, severity: 'high', done: false },
    ]);
    expect(verdict.actions.some((a) => a.type === 'quarantine')).toBe(false);
  });

  it.each([
    {
      case: 'an unapproved principal',
      scenario: { principal: DEVELOPER },
      rule: 'who-may-clone',
      severity: 'high',
      generation: '1',
    },
    {
      case: 'a clone deeper than the maximum generation',
      scenario: {
        facts: {
          origin: originImage({
            tags: { 'clonewarden:generation': '2', 'clonewarden:root': 'ami-0123456789abcdef0' },
          }),
        },
      },
      rule: 'clone-depth',
      severity: 'critical',
      generation: '3',
    },
  ])('quarantines $case', ({ scenario, rule, severity, generation }) => {
    // Prepare
    const policy = aPolicy();
    const { event, facts } = aScenario(scenario);

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    expect(verdict.status).toBe('quarantined');
    expect(verdict.violations.map((v) => v.rule)).toEqual([rule]);
    expect(verdict.actions.filter((a) => a.type === 'quarantine')).toEqual([
      { type: 'quarantine', target: IMAGE, kind: 'image', region: 'us-east-1', done: false },
    ]);
    expect(tagsPlannedFor(verdict.actions, IMAGE)).toMatchObject({
      'clonewarden:status': 'quarantined',
      'clonewarden:violations': rule,
      'clonewarden:generation': generation,
    });
    expect(verdict.actions.at(-1)).toEqual({ type: 'alert', target: TOPIC, severity, done: false });
  });

  it('alerts on a report-only violation and calls the verdict a violation, but leaves the status tag compliant and writes no violations tag', () => {
    // Prepare
    const policy = aPolicy();
    policy.rules.find((rule) => rule.id === 'labels')!.action = 'report';
    const { event, facts } = aScenario({ cloneTags: {} });

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    expect(verdict.status).toBe('violation');
    expect(verdict.violations).toEqual([
      expect.objectContaining({ rule: 'labels', action: 'report', resource: IMAGE }),
    ]);
    const imageTags = tagsPlannedFor(verdict.actions, IMAGE);
    expect(imageTags?.['clonewarden:status']).toBe('compliant');
    expect(imageTags).not.toHaveProperty('clonewarden:violations');
    expect(verdict.actions.filter((a) => a.type === 'alert')).toEqual([
      { type: 'alert', target: TOPIC, severity: 'medium', done: false },
    ]);
  });

  it.each([
    {
      case: 'a principal glob',
      exemption: { principals: ['arn:aws:iam::*:role/BreakGlass*'], reason: 'incident response' },
      principal: BREAK_GLASS,
    },
    {
      case: 'the clone id',
      exemption: { resources: [IMAGE], reason: 'golden image, reviewed' },
      principal: DEVELOPER,
    },
  ])('exempts a clone by $case: status exempt and no quarantine', ({ exemption, principal }) => {
    // Prepare
    const policy = aPolicy();
    policy.exemptions = [exemption];
    const { event, facts } = aScenario({ principal });

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    expect(verdict.status).toBe('exempt');
    expect(verdict.exemption).toBe(exemption.reason);
    expect(verdict.actions.some((a) => a.type === 'quarantine')).toBe(false);
    expect(tagsPlannedFor(verdict.actions, IMAGE)?.['clonewarden:status']).toBe('exempt');
    expect(tagsPlannedFor(verdict.actions, IMAGE)).not.toHaveProperty('clonewarden:violations');
  });

  it('ignores an exemption that has expired', () => {
    // Prepare
    const policy = aPolicy();
    policy.exemptions = [
      { principals: ['arn:aws:iam::*:role/BreakGlass*'], reason: 'incident response', expires: '2026-06-01' },
    ];
    const { event, facts } = aScenario({ principal: BREAK_GLASS });

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    expect(verdict.status).toBe('quarantined');
    expect(verdict).not.toHaveProperty('exemption');
    expect(verdict.actions.some((a) => a.type === 'quarantine')).toBe(true);
  });

  it('honours an exemption that expires later', () => {
    // Prepare
    const policy = aPolicy();
    policy.exemptions = [
      { principals: ['arn:aws:iam::*:role/BreakGlass*'], reason: 'incident response', expires: '2026-07-01' },
    ];
    const { event, facts } = aScenario({ principal: BREAK_GLASS });

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    expect(verdict.status).toBe('exempt');
  });

  it.each([
    { case: 'a compliant clone', principal: PLATFORM_ROLE, cloneTags: { ...OWNER }, expected: 'compliant' },
    { case: 'a violating clone', principal: DEVELOPER, cloneTags: {}, expected: 'quarantined' },
  ])(
    'never lets forged exemption or status tags on the clone, source or origin change the verdict of $case',
    ({ principal, cloneTags, expected }) => {
      // Prepare
      const forged = {
        'clonewarden:status': 'exempt',
        'clonewarden:exempt': 'true',
        Exempt: 'true',
        exemption: 'security said ok',
      };
      const policy = aPolicy();
      const honest = aScenario({ principal, cloneTags });
      const tampered = aScenario({
        principal,
        cloneTags: { ...cloneTags, ...forged },
        facts: {
          source: instanceSource({ tags: { ...forged } }),
          origin: originImage({ tags: { ...forged } }),
        },
      });
      // The origin is read for lineage; give the honest run the same origin without the forgery.
      honest.facts.origin = originImage();

      // Act
      const honestVerdict = evaluatePolicy(policy, honest.event, honest.facts, OPTIONS);
      const tamperedVerdict = evaluatePolicy(policy, tampered.event, tampered.facts, OPTIONS);

      // Assess
      expect(tamperedVerdict.status).toBe(expected);
      expect(tamperedVerdict).toEqual(honestVerdict);
    },
  );

  it.each([
    { minSeverity: 'low' as const, alerted: true },
    { minSeverity: 'medium' as const, alerted: true },
    { minSeverity: 'high' as const, alerted: false },
    { minSeverity: 'critical' as const, alerted: false },
  ])('with minSeverity $minSeverity, alerts on a medium violation: $alerted', ({ minSeverity, alerted }) => {
    // Prepare
    const policy = aPolicy();
    policy.alerts.minSeverity = minSeverity;
    const { event, facts } = aScenario({ cloneTags: {} });

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    expect(verdict.status).toBe('violation');
    expect(verdict.actions.some((a) => a.type === 'alert')).toBe(alerted);
  });

  it('plans the alert in AWS Chatbot format when alerts.chatbot is set', () => {
    // Prepare
    const policy = aPolicy();
    policy.alerts.chatbot = true;
    const { event, facts } = aScenario({ cloneTags: {} });

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    expect(verdict.actions.at(-1)).toEqual({
      type: 'alert',
      target: TOPIC,
      severity: 'medium',
      chatbot: true,
      done: false,
    });
  });

  it('plans no alert when there is no topic, whatever the violations', () => {
    // Prepare
    const policy = aPolicy();
    const { event, facts } = aScenario({ principal: DEVELOPER, cloneTags: {} });
    const { topicArn: _none, ...withoutTopic } = OPTIONS;

    // Act
    const verdict = evaluatePolicy(policy, event, facts, withoutTopic);

    // Assess
    expect(verdict.status).toBe('quarantined');
    expect(verdict.actions.map((a) => a.type)).toEqual(['tag', 'tag', 'quarantine']);
  });

  it('fits a clone that already has 45 tags to 50: only the highest-priority clonewarden tags, status first', () => {
    // Prepare
    const policy = aPolicy();
    const filler = Object.fromEntries(Array.from({ length: 44 }, (_, i) => [`team-tag-${i}`, 'x']));
    const { event, facts } = aScenario({ cloneTags: { ...OWNER, ...filler } });

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    const imageTags = tagsPlannedFor(verdict.actions, IMAGE)!;
    expect(Object.keys(facts.clones[0]!.tags)).toHaveLength(45);
    expect(Object.keys(imageTags)).toEqual([
      'clonewarden:status',
      'clonewarden:generation',
      'clonewarden:parent',
      'clonewarden:root',
      'clonewarden:source',
    ]);
  });

  it('keeps the violations tag second when the budget is tight', () => {
    // Prepare
    const policy = aPolicy();
    const filler = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`team-tag-${i}`, 'x']));
    const { event, facts } = aScenario({ cloneTags: filler });

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    expect(tagsPlannedFor(verdict.actions, IMAGE)).toEqual({
      'clonewarden:status': 'violation',
      'clonewarden:violations': 'labels',
    });
  });

  it('overwrites clonewarden tags the clone already has without spending budget on them', () => {
    // Prepare
    const policy = aPolicy();
    const filler = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`team-tag-${i}`, 'x']));
    const { event, facts } = aScenario({
      cloneTags: { ...filler, 'clonewarden:event-id': 'stale' },
    });

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    expect(tagsPlannedFor(verdict.actions, IMAGE)).toEqual({
      'clonewarden:status': 'violation',
      'clonewarden:event-id': EVENT_ID,
    });
  });

  it('assumes the backing snapshots carry as many tags as the image, so that their CreateTags stays within 50', () => {
    // Prepare
    const policy = aPolicy();
    const filler = Object.fromEntries(Array.from({ length: 44 }, (_, i) => [`team-tag-${i}`, 'x']));
    const { event, facts } = aScenario({ cloneTags: { ...OWNER, ...filler } });

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    const snapshotTags = tagsPlannedFor(verdict.actions, BACKING_SNAPSHOT)!;
    expect(Object.keys(snapshotTags).length).toBeLessThanOrEqual(5);
    expect(snapshotTags['clonewarden:status']).toBe('compliant');
  });

  it.each([
    {
      case: 'the AWS Backup service principal',
      principal: {
        type: 'AWSService',
        arn: 'backup.amazonaws.com',
        invokedBy: 'backup.amazonaws.com',
        display: 'service backup.amazonaws.com',
      } satisfies Principal,
    },
    {
      case: "AWS Backup's service-linked role",
      principal: {
        type: 'AssumedRole',
        arn: 'arn:aws:iam::111122223333:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup',
        display: 'role/AWSServiceRoleForBackup',
      } satisfies Principal,
    },
  ])('lets $case pass allowed-principals and consistent-capture', ({ principal }) => {
    // Prepare
    const policy = aPolicy();
    const noRebootOfRunning = { noReboot: true };
    const byBackup = aScenario({ principal, event: noRebootOfRunning });
    const byDeveloper = aScenario({ principal: DEVELOPER, event: noRebootOfRunning });

    // Act
    const backupVerdict = evaluatePolicy(policy, byBackup.event, byBackup.facts, OPTIONS);
    const developerVerdict = evaluatePolicy(policy, byDeveloper.event, byDeveloper.facts, OPTIONS);

    // Assess
    expect(backupVerdict.status).toBe('compliant');
    expect(backupVerdict.violations).toEqual([]);
    expect(developerVerdict.violations.map((v) => v.rule)).toEqual(['who-may-clone', 'consistent-capture']);
  });

  it('is deterministic: the same input gives a deep-equal verdict whatever the wall clock says', () => {
    // Prepare
    const policy = aPolicy();
    const { event, facts } = aScenario({ principal: DEVELOPER, cloneTags: {} });
    const snapshot = structuredClone({ policy, event, facts });

    // Act
    vi.useFakeTimers({ now: new Date('2001-01-01T00:00:00Z') });
    const first = evaluatePolicy(policy, event, facts, OPTIONS);
    vi.setSystemTime(new Date('2099-12-31T23:59:59Z'));
    const second = evaluatePolicy(structuredClone(policy), structuredClone(event), structuredClone(facts), {
      ...OPTIONS,
    });

    // Assess
    expect(second).toEqual(first);
    expect({ policy, event, facts }).toEqual(snapshot);
  });
});

describe('Engine: evaluatePolicy, the source labels a rule judged by', () => {
  const LABEL_POLICY = `
version: 1
rules:
  - id: approved-workloads
    type: allowed-sources
    severity: high
    action: quarantine
    sourceTags: { DataClass: [public, internal] }
`;

  it('records the labels as they were on the verdict, and quarantines a clone of a refused source', () => {
    // Prepare
    const policy = parsePolicy(LABEL_POLICY, 'labels.yml');
    const { event, facts } = aScenario({
      facts: { source: instanceSource({ tags: { DataClass: 'secret', Team: 'web' } }) },
    });

    // Act
    const verdict = evaluatePolicy(policy, event, facts, OPTIONS);

    // Assess
    expect(verdict.sourceLabels).toEqual({ DataClass: 'secret' });
    expect(verdict.status).toBe('quarantined');
    expect(verdict.violations.map((v) => v.message)).toEqual([
      `source ${INSTANCE} is labelled DataClass=secret; allowed: public, internal`,
    ]);
  });

  it('leaves sourceLabels out when no rule judged labels, so older verdicts keep their shape', () => {
    // Act
    const verdict = evaluatePolicy(aPolicy(), aScenario().event, aScenario().facts, OPTIONS);

    // Assess
    expect(verdict).not.toHaveProperty('sourceLabels');
  });
});
