import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCloneEvent } from '../../../shared/events/parse-clone-event.js';

/** AWS's own examples (test/fixtures/real-records/state-change/), with a real time for the placeholder. */
function awsExample(state: 'available' | 'failed' | 'deregistered') {
  const url = new URL(
    `../../fixtures/real-records/state-change/awsdocs-ec2-ami-state-change-${state}.json`,
    import.meta.url,
  );
  return { ...JSON.parse(readFileSync(url, 'utf8')), time: '2026-06-15T12:00:00Z' };
}

describe('Events: the state-change family (EC2 AMI State Change)', () => {
  it('reads an available image from the envelope: the detail-type decides, not a CloudTrail record', () => {
    // Act
    const parsed = parseCloneEvent(awsExample('available'));

    // Assess
    expect(parsed).toEqual({
      kind: 'event',
      event: {
        family: 'state-change',
        eventId: 'example-9f07-51db-246b-d8b8441bcdf0',
        eventName: 'EC2 AMI State Change',
        eventTime: '2026-06-15T12:00:00Z',
        region: 'us-east-1',
        account: '012345678901',
        imageId: 'ami-0123456789example',
        state: 'available',
      },
    });
  });

  it('keeps EC2’s reason for a failed image', () => {
    // Act
    const parsed = parseCloneEvent(awsExample('failed'));

    // Assess
    expect(parsed.kind === 'event' && parsed.event).toMatchObject({
      state: 'failed',
      errorMessage: 'Description of failure',
    });
  });

  it('skips a state it does not act on, saying which', () => {
    // Act
    const parsed = parseCloneEvent(awsExample('deregistered'));

    // Assess
    expect(parsed).toMatchObject({
      kind: 'skipped',
      reason: 'EC2 AMI State Change: image ami-0123456789example is "deregistered", which needs nothing',
      eventId: 'example-9f07-51db-246b-d8b8441bcdf0',
    });
  });

  it.each([
    [
      'an image id that is not one',
      { ImageId: 'snap-0123', State: 'available' },
      'detail.ImageId: expected an image id (ami-…), got "snap-0123"',
    ],
    ['no state', { ImageId: 'ami-0123456789abcdef0' }, 'detail.State: is missing'],
    [
      'a state that is not text',
      { ImageId: 'ami-0123456789abcdef0', State: 7 },
      'detail.State: expected a string, got a number',
    ],
  ])('rejects %s, naming the field', (_case, detail, issue) => {
    // Act
    const parsed = parseCloneEvent({ ...awsExample('available'), detail });

    // Assess
    expect(parsed).toMatchObject({ kind: 'rejected', issues: [issue] });
  });

  it('rejects an envelope whose time is AWS’s documentation placeholder', () => {
    // Act
    const parsed = parseCloneEvent({ ...awsExample('available'), time: 'yyyy-mm-ddThh:mm:ssZ' });

    // Assess
    expect(parsed).toMatchObject({
      kind: 'rejected',
      reason: 'the EventBridge envelope does not fit its schema',
    });
  });
});
