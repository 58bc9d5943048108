import { describe, expect, it } from 'vitest';
import { records } from '../../../scripts/lib/cloudtrail-records.js';
import { parseCloneEvent } from '../../../shared/events/parse-clone-event.js';
import type { Json } from '../fixtures.js';

const caller = { type: 'AssumedRole', account: '111122223333', role: 'Developer', session: 'eve' } as const;
const IMAGE = 'ami-0fffffffffffffff1';
const launch = () =>
  records.runInstances({
    caller,
    region: 'us-east-1',
    imageId: IMAGE,
    instances: [{ instanceId: 'i-0aaaaaaaaaaaaaaa1' }, { instanceId: 'i-0aaaaaaaaaaaaaaa2' }],
  }) as Json;

describe('Events: the restoring family', () => {
  it('reads a launch template launch (no imageId in the request) from the response', () => {
    // Prepare
    const record = launch();
    record.requestParameters = { launchTemplate: { launchTemplateId: 'lt-0123456789abcdef0' } };

    // Act
    const parsed = parseCloneEvent(record);

    // Assess
    expect(parsed).toMatchObject({
      kind: 'event',
      event: {
        family: 'restoring',
        clone: { kind: 'image', id: IMAGE },
        created: [
          { kind: 'instance', id: 'i-0aaaaaaaaaaaaaaa1' },
          { kind: 'instance', id: 'i-0aaaaaaaaaaaaaaa2' },
        ],
      },
    });
  });

  it.each([
    [
      'an image id that is not one',
      (r: Json) => (r.responseElements.instancesSet.items[0].imageId = 'ami-$(reboot)'),
      /expected an image id/,
    ],
    [
      'an instance item without its id',
      (r: Json) => delete r.responseElements.instancesSet.items[1].instanceId,
      /instanceId: is missing/,
    ],
    [
      'an instance id as a number',
      (r: Json) => (r.responseElements.instancesSet.items[0].instanceId = 7),
      /expected a string/,
    ],
  ])('rejects %s, naming the field', (_name, spoil, issue) => {
    // Prepare
    const record = launch();
    spoil(record);

    // Act
    const parsed = parseCloneEvent(record);

    // Assess
    expect(parsed.kind).toBe('rejected');
    if (parsed.kind === 'rejected') expect(parsed.issues.join('\n')).toMatch(issue);
  });

  it('rejects a launch that names no new instance, and skips a blank volume', () => {
    // Prepare
    const empty = launch();
    empty.responseElements.instancesSet.items = [];
    const blank = records.createVolume({
      caller,
      region: 'us-east-1',
      snapshotId: 'snap-0fffffffffffffff1',
      volumeId: 'vol-0bbbbbbbbbbbbbbb1',
      zone: 'us-east-1a',
    }) as Json;
    delete blank.requestParameters.snapshotId;
    delete blank.responseElements.snapshotId;

    // Act & Assess
    expect(parseCloneEvent(empty)).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/without a new instance id/),
    });
    expect(parseCloneEvent(blank)).toMatchObject({
      kind: 'skipped',
      reason: 'CreateVolume names no snapshot: it restores no clone',
    });
  });

  it("skips a failed launch and the enforcer's own call", () => {
    // Prepare
    const failed = { ...launch(), errorCode: 'Client.UnauthorizedOperation', responseElements: null };
    const own = launch();
    own.userIdentity.sessionContext.sessionIssuer.arn =
      'arn:aws:iam::111122223333:role/clonewarden-prod-enforce';

    // Act & Assess
    expect(parseCloneEvent(failed)).toMatchObject({
      kind: 'skipped',
      reason: expect.stringMatching(/the call failed/),
    });
    expect(
      parseCloneEvent(own, { enforcerPrincipals: ['arn:aws:iam::*:role/clonewarden-*-enforce'] }),
    ).toMatchObject({
      kind: 'skipped',
      reason: expect.stringMatching(/enforcer itself/),
    });
  });
});
