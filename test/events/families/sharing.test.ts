import { describe, expect, it } from 'vitest';
import { records } from '../../../scripts/lib/cloudtrail-records.js';
import { parseCloneEvent } from '../../../shared/events/parse-clone-event.js';

const caller = { type: 'IAMUser' as const, account: '210987654321', user: 'eve' };
const image = (add: Record<string, string>[], remove: Record<string, string>[] = []) =>
  records.modifyImageAttribute({
    caller,
    region: 'us-east-1',
    imageId: 'ami-0abc1234def567890',
    add,
    remove,
  });

describe('Events: the sharing family', () => {
  it('reads the grants added and removed, each once', () => {
    // Act
    const parsed = parseCloneEvent(
      image(
        [{ userId: '444455556666' }, { group: 'all' }, { userId: '444455556666' }],
        [{ userId: '111122223333' }],
      ),
    );

    // Assess
    expect(parsed).toMatchObject({
      kind: 'event',
      event: {
        family: 'sharing',
        clone: { kind: 'image', id: 'ami-0abc1234def567890' },
        added: [
          { kind: 'account', value: '444455556666' },
          { kind: 'group', value: 'all' },
        ],
        removed: [{ kind: 'account', value: '111122223333' }],
      },
    });
  });

  it.each([
    [
      'an account id that is not 12 digits',
      [{ userId: '4444-5555' }],
      /userId: expected a 12-digit account id/,
    ],
    ['a group other than all', [{ group: 'everyone' }], /group: expected "all"/],
    [
      'an item naming two grantees',
      [{ userId: '444455556666', group: 'all' }],
      /expected one of .* per item, got 2/,
    ],
    ['an item naming none', [{ name: 'x' }], /per item, got 0/],
  ])('rejects %s, naming the field', (_case, add, issue) => {
    // Act
    const parsed = parseCloneEvent(image(add));

    // Assess
    expect(parsed.kind).toBe('rejected');
    if (parsed.kind === 'rejected') expect(parsed.issues.join('\n')).toMatch(issue);
  });

  it('rejects an organization grant on a snapshot, which EC2 does not take', () => {
    // Act
    const parsed = parseCloneEvent(
      records.modifySnapshotAttribute({
        caller,
        region: 'us-east-1',
        snapshotId: 'snap-0123456789abcdef0',
        add: [{ organizationArn: 'arn:aws:organizations::111122223333:organization/o-abcdefghij' }],
      }),
    );

    // Assess
    expect(parsed.kind).toBe('rejected');
  });

  it('skips a change of another attribute: not a share', () => {
    // Prepare
    const record = image([{ group: 'all' }]);
    record.requestParameters = {
      imageId: 'ami-0abc1234def567890',
      attributeType: 'description',
      description: { value: 'x' },
    };

    // Act
    const parsed = parseCloneEvent(record);

    // Assess
    expect(parsed).toMatchObject({
      kind: 'skipped',
      reason: 'ModifyImageAttribute changed description, not who may use ami-0abc1234def567890',
    });
  });
});
