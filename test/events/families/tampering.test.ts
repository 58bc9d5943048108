import { describe, expect, it } from 'vitest';
import { parseCloneEvent } from '../../../shared/events/parse-clone-event.js';

function record(eventName: string, requestParameters: Record<string, unknown>) {
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      arn: 'arn:aws:sts::123456789012:assumed-role/Developer/eve',
      accountId: '123456789012',
      sessionContext: {
        sessionIssuer: { arn: 'arn:aws:iam::123456789012:role/Developer', userName: 'Developer' },
      },
    },
    eventTime: '2026-01-01T00:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName,
    awsRegion: 'eu-west-1',
    requestParameters,
    responseElements: { _return: true },
    eventID: 'e-1',
    recipientAccountId: '123456789012',
  };
}

const tagSet = (tags: Record<string, string | undefined>) => ({
  items: Object.entries(tags).map(([key, value]) => (value === undefined ? { key } : { key, value })),
});

describe('Events: the tampering family', () => {
  it('reads a CreateTags on a clonewarden: key: the clones it touched (not the instance) and the keys with their values', () => {
    // Act
    const parsed = parseCloneEvent(
      record('CreateTags', {
        resourcesSet: {
          items: [{ resourceId: 'ami-0123456789abcdef0' }, { resourceId: 'i-0123456789abcdef0' }],
        },
        tagSet: tagSet({ 'clonewarden:status': 'exempt', Owner: 'eve' }),
      }),
    );

    // Assess
    expect(parsed).toMatchObject({
      kind: 'event',
      event: {
        family: 'tampering',
        action: 'tags',
        clones: [{ kind: 'image', id: 'ami-0123456789abcdef0' }],
        tags: [{ key: 'clonewarden:status', value: 'exempt' }],
      },
    });
  });

  it('skips a CreateTags that touches no clonewarden: key, and one that touches no clone', () => {
    const ownKeyOnInstance = parseCloneEvent(
      record('CreateTags', {
        resourcesSet: { items: [{ resourceId: 'i-0123456789abcdef0' }] },
        tagSet: tagSet({ 'clonewarden:status': 'exempt' }),
      }),
    );
    const userKey = parseCloneEvent(
      record('CreateTags', {
        resourcesSet: { items: [{ resourceId: 'snap-0123456789abcdef0' }] },
        tagSet: tagSet({ Owner: 'eve' }),
      }),
    );
    expect(ownKeyOnInstance).toMatchObject({
      kind: 'skipped',
      reason: 'CreateTags touched no image or snapshot',
    });
    expect(userKey).toMatchObject({ kind: 'skipped', reason: 'CreateTags touched no clonewarden: tag' });
  });

  it('reads a DeleteTags without a tag list as removing every tag', () => {
    const parsed = parseCloneEvent(
      record('DeleteTags', { resourcesSet: { items: [{ resourceId: 'snap-0123456789abcdef0' }] } }),
    );
    expect(parsed).toMatchObject({
      kind: 'event',
      event: { action: 'tags', removesAllTags: true, tags: [] },
    });
  });

  it.each([
    ['EnableImage', { imageId: 'ami-0123456789abcdef0' }, 'unquarantine'],
    ['DisableImageDeprecation', { imageId: 'ami-0123456789abcdef0' }, 'unquarantine'],
    ['DeregisterImage', { imageId: 'ami-0123456789abcdef0' }, 'close'],
    ['DeleteSnapshot', { snapshotId: 'snap-0123456789abcdef0' }, 'close'],
    ['RestoreImageFromRecycleBin', { imageId: 'ami-0123456789abcdef0' }, 'reopen'],
    ['RestoreSnapshotFromRecycleBin', { snapshotId: 'snap-0123456789abcdef0' }, 'reopen'],
  ])('reads %s as %s', (eventName, parameters, action) => {
    const parsed = parseCloneEvent(record(eventName, parameters));
    expect(parsed).toMatchObject({ kind: 'event', event: { family: 'tampering', action, eventName } });
  });

  it('rejects an image call whose id is not an image id', () => {
    const parsed = parseCloneEvent(record('EnableImage', { imageId: 'snap-0123456789abcdef0' }));
    expect(parsed).toMatchObject({ kind: 'rejected' });
  });

  it('skips the enforcer’s own calls', () => {
    const parsed = parseCloneEvent(
      record('CreateTags', {
        resourcesSet: { items: [{ resourceId: 'ami-0123456789abcdef0' }] },
        tagSet: tagSet({ 'clonewarden:status': 'quarantined' }),
      }),
      { enforcerPrincipals: ['arn:aws:iam::123456789012:role/Developer'] },
    );
    expect(parsed).toMatchObject({ kind: 'skipped' });
  });
});
