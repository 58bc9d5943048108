import { describe, expect, it } from 'vitest';
import { evaluateStateChange, FAILED_IMAGE_RULE } from '../../shared/engine/evaluate-state-change.js';
import type { CloneFact, ImageStateEvent } from '../../shared/model/types.js';
import { parsePolicy } from '../../shared/policy/load-policy.js';

const IMAGE = 'ami-0fffffffffffffff1';
const DISK = 'snap-0fffffffffffffff1';
const DISK_2 = 'snap-0fffffffffffffff2';
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:clonewarden-alerts';
const OPTIONS = { now: new Date('2026-06-15T12:00:00Z'), dryRun: false, topicArn: TOPIC };

const policy = (extra = '') =>
  parsePolicy(`
version: 1
${extra}
rules:
  - id: labels
    type: required-tags
    severity: medium
    action: tag
    tags:
      Owner: {}
      CostCenter: {}
`);

const event = (state: string, errorMessage?: string): ImageStateEvent => ({
  family: 'state-change',
  eventId: 'e-1',
  eventName: 'EC2 AMI State Change',
  eventTime: '2026-06-15T12:00:00Z',
  region: 'us-east-1',
  account: '111122223333',
  imageId: IMAGE,
  state,
  ...(errorMessage ? { errorMessage } : {}),
});

const VERDICT_TAGS = {
  'clonewarden:status': 'compliant',
  'clonewarden:generation': '1',
  'clonewarden:root': 'i-0aaaaaaaaaaaaaaa1',
  'clonewarden:event-id': 'create-1',
};

const image = (
  tags: Record<string, string>,
  diskTags?: Record<string, Record<string, string>>,
): CloneFact => ({
  kind: 'image',
  id: IMAGE,
  region: 'us-east-1',
  tags,
  state: 'available',
  backingSnapshotIds: [DISK, DISK_2],
  ...(diskTags ? { diskTags } : {}),
});

describe('Engine: evaluateStateChange', () => {
  it('does nothing for an image its creation event handled whole', () => {
    // Act
    const verdict = evaluateStateChange(
      policy(),
      event('available'),
      { image: image({ ...VERDICT_TAGS, Owner: 'a' }) },
      OPTIONS,
    );

    // Assess
    expect(verdict).toMatchObject({
      status: 'compliant',
      actions: [],
      violations: [],
      imageState: 'available',
    });
    expect(verdict.reason).toMatch(/^nothing left/);
  });

  it('leaves an image with no verdict yet to its creation event and the reconcile', () => {
    // Act
    const verdict = evaluateStateChange(
      policy(),
      event('available'),
      { image: image({ 'clonewarden:disks': 'pending' }) },
      OPTIONS,
    );

    // Assess
    expect(verdict).toMatchObject({ status: 'skipped', actions: [] });
    expect(verdict.reason).toMatch(/no verdict yet/);
  });

  it('labels the disks a pending image left (never overwriting their values), then confirms clonewarden:disks=done', () => {
    // Prepare
    const tags = {
      ...VERDICT_TAGS,
      'clonewarden:disks': 'pending',
      Owner: 'jane',
      CostCenter: 'cc-1',
      Team: 'x',
    };
    const facts = { image: image(tags, { [DISK]: { CostCenter: 'own' }, [DISK_2]: {} }) };

    // Act
    const verdict = evaluateStateChange(policy(), event('available'), facts, OPTIONS);

    // Assess
    expect(verdict.actions).toEqual([
      {
        type: 'tag',
        target: DISK,
        region: 'us-east-1',
        tags: { ...VERDICT_TAGS, Owner: 'jane' },
        done: false,
      },
      {
        type: 'tag',
        target: DISK_2,
        region: 'us-east-1',
        tags: { ...VERDICT_TAGS, Owner: 'jane', CostCenter: 'cc-1' },
        done: false,
      },
      {
        type: 'tag',
        target: IMAGE,
        region: 'us-east-1',
        tags: { 'clonewarden:disks': 'done' },
        confirms: true,
        done: false,
      },
    ]);
    expect(verdict.resources).toEqual([IMAGE, DISK, DISK_2]);
  });

  it('quarantines the disks of a quarantined image, and keeps the image pending while a disk is not visible', () => {
    // Prepare
    const tags = { ...VERDICT_TAGS, 'clonewarden:status': 'quarantined', 'clonewarden:disks': 'pending' };
    const facts = { image: image(tags, { [DISK]: {} }) };

    // Act
    const verdict = evaluateStateChange(policy(), event('available'), facts, OPTIONS);

    // Assess
    expect(verdict.status).toBe('quarantined');
    expect(verdict.actions.map((a) => `${a.type}:${a.target}`)).toEqual([
      `tag:${DISK}`,
      `quarantine:${DISK}`,
    ]);
    expect(verdict.awaiting).toEqual([
      `${IMAGE}: 1 of its disks are not visible yet; the daily reconcile finishes them`,
    ]);
  });

  it('records a failed image on its tags, and alerts only when alerts.failedImages asks', () => {
    // Act
    const quiet = evaluateStateChange(
      policy(),
      event('failed', 'out of capacity'),
      { image: image({}) },
      OPTIONS,
    );
    const loud = evaluateStateChange(
      policy('alerts: { failedImages: high }'),
      event('failed', 'out of capacity'),
      { image: image({}) },
      OPTIONS,
    );

    // Assess
    const record = {
      type: 'tag',
      target: IMAGE,
      region: 'us-east-1',
      tags: { 'clonewarden:image-state': 'failed' },
      done: false,
    };
    expect(quiet).toMatchObject({ status: 'compliant', violations: [], actions: [record] });
    expect(quiet.reason).toBe(`image ${IMAGE} failed to become available: out of capacity`);
    expect(loud.status).toBe('violation');
    expect(loud.violations).toEqual([
      { rule: FAILED_IMAGE_RULE, severity: 'high', action: 'report', resource: IMAGE, message: quiet.reason },
    ]);
    expect(loud.actions).toEqual([record, { type: 'alert', target: TOPIC, severity: 'high', done: false }]);
  });

  it('records nothing for a failed image EC2 no longer shows', () => {
    // Act
    const verdict = evaluateStateChange(policy(), event('failed'), {}, OPTIONS);

    // Assess
    expect(verdict.actions).toEqual([]);
    expect(verdict.reason).toMatch(/nothing to record it on/);
  });
});
