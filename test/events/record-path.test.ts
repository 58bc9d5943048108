import { describe, expect, it } from 'vitest';
import {
  asArray,
  child,
  isListPath,
  MAX_LIST_ITEMS,
  readBoolean,
  readField,
  readPath,
  readResourceId,
  unwrap,
} from '../../shared/events/record-path.js';
import { EventValidationError } from '../../shared/model/errors.js';

function thrownBy(act: () => unknown): EventValidationError {
  try {
    act();
  } catch (error) {
    if (error instanceof EventValidationError) return error;
    throw error;
  }
  throw new Error('expected an EventValidationError');
}

describe('Events: record accessors', () => {
  const at = (value: unknown) => ({ value, path: 'x' });

  it.each([
    ['absent', undefined, []],
    ['null', null, []],
    ['an array', [{ a: 1 }, { a: 2 }], [{ a: 1 }, { a: 2 }]],
    ['{items: [...]}', { items: [{ a: 1 }] }, [{ a: 1 }]],
    ['{item: [...]}', { item: [{ a: 1 }, { a: 2 }] }, [{ a: 1 }, { a: 2 }]],
    ['{item: {...}} (a single item)', { item: { a: 1 } }, [{ a: 1 }]],
    ['a bare object (a list of one)', { a: 1 }, [{ a: 1 }]],
    [
      '[{tag, content}] strings',
      [
        { tag: 1, content: 'vol-1' },
        { tag: 2, content: 'vol-2' },
      ],
      ['vol-1', 'vol-2'],
    ],
    ['a single {tag, content}', { tag: 1, content: 'vol-1' }, [{ tag: 1, content: 'vol-1' }]],
  ])('asArray reads %s', (_case, value, expected) => {
    // Act
    const items = asArray(at(value)).map((field) => field.value);

    // Assess
    expect(items).toEqual(expected);
  });

  it('asArray gives each item its own path', () => {
    // Act
    const paths = asArray({ value: { item: [1, 2] }, path: 'responseElements.snapshotSet' }).map(
      (f) => f.path,
    );

    // Assess
    expect(paths).toEqual(['responseElements.snapshotSet.item[0]', 'responseElements.snapshotSet.item[1]']);
  });

  it(`asArray refuses more than ${MAX_LIST_ITEMS} items, with the count and the path`, () => {
    // Prepare
    const huge = { items: Array.from({ length: 10_000 }, () => ({})) };

    // Act
    const error = thrownBy(() => asArray({ value: huge, path: 'requestParameters.tagSpecificationSet' }));

    // Assess
    expect(error.message).toBe(
      `requestParameters.tagSpecificationSet.items: has 10000 items, more than the ${MAX_LIST_ITEMS} clonewarden reads`,
    );
  });

  it.each([
    ['camelCase', { instanceId: 'i-1' }, 'i-1', 'x.instanceId'],
    ['PascalCase', { InstanceId: 'i-2' }, 'i-2', 'x.InstanceId'],
    ['{tag, content}', { InstanceId: { tag: 1, content: 'i-3' } }, 'i-3', 'x.InstanceId'],
    ['absent', { other: 1 }, undefined, 'x.instanceId'],
    ['a non-object parent', 'i-4', undefined, 'x.instanceId'],
  ])('child reads a %s field', (_case, parent, value, path) => {
    // Act
    const field = child(at(parent), 'instanceId');

    // Assess
    expect(field).toEqual({ value, path });
  });

  it('child does not read inherited properties such as constructor', () => {
    // Act
    const field = child(at({}), 'constructor');

    // Assess
    expect(field.value).toBeUndefined();
  });

  it.each([
    [
      'a wrapped layout',
      { CreateSnapshotsRequest: { Description: 'd' } },
      { Description: 'd' },
      'x.CreateSnapshotsRequest',
    ],
    ['a flat layout', { description: 'd' }, { description: 'd' }, 'x'],
  ])('unwrap reads %s', (_case, value, expected, path) => {
    // Act
    const field = unwrap(at(value), 'CreateSnapshotsRequest');

    // Assess
    expect(field).toEqual({ value: expected, path });
  });

  it.each([
    [true, true],
    [false, false],
    ['true', true],
    ['false', false],
    [undefined, undefined],
  ])('readBoolean reads %j as %j', (value, expected) => {
    // Act
    const result = readBoolean(at(value));

    // Assess
    expect(result).toBe(expected);
  });

  it('readBoolean rejects "yes"', () => {
    // Act
    const error = thrownBy(() => readBoolean(at('yes')));

    // Assess
    expect(error.message).toBe('x: expected true or false, got "yes"');
  });

  it('readResourceId quotes a bad value in at most 40 characters', () => {
    // Act
    const error = thrownBy(() => readResourceId(at(`ami-${'!'.repeat(200)}`), 'image'));

    // Assess
    expect(error.message).toMatch(/^x: expected an image id \(ami-…\), got "ami-!{36}…"$/);
  });
});

describe('Events: readPath', () => {
  const values = (record: Record<string, unknown>, path: string) =>
    readPath(record, path).map((field) => [field.path, field.value]);

  it.each([
    [
      'a flat layout',
      { eventName: 'CreateSnapshots', responseElements: { snapshotSet: { items: [{ snapshotId: 's-1' }] } } },
      [['responseElements.snapshotSet.items[0].snapshotId', 's-1']],
    ],
    [
      'a wrapped layout with a single item',
      {
        eventName: 'CreateSnapshots',
        responseElements: { CreateSnapshotsResponse: { snapshotSet: { item: { snapshotId: 's-2' } } } },
      },
      [['responseElements.CreateSnapshotsResponse.snapshotSet.item.snapshotId', 's-2']],
    ],
    [
      'a bare array',
      { eventName: 'CreateSnapshots', responseElements: { snapshotSet: [{ SnapshotId: 's-3' }] } },
      [['responseElements.snapshotSet[0].SnapshotId', 's-3']],
    ],
    [
      'an item without the field, as an absent value on the item path',
      { eventName: 'CreateSnapshots', responseElements: { snapshotSet: { item: [{ volumeId: 'v' }] } } },
      [['responseElements.snapshotSet.item[0].snapshotId', undefined]],
    ],
    ['an absent list, as no field', { eventName: 'CreateSnapshots', responseElements: null }, []],
  ])('reads a list wrapper (item[]) in %s', (_case, record, expected) => {
    // Act
    const fields = values(record, 'responseElements.snapshotSet.item[].snapshotId');

    // Assess
    expect(fields).toEqual(expected);
  });

  it.each([
    ['the first name', { tagSpecificationSet: { items: [{ resourceType: 'image' }] } }, 'image'],
    ['the second name, PascalCase', { TagSpecification: { ResourceType: 'snapshot' } }, 'snapshot'],
  ])('tries each name of a|b and reads %s', (_case, requestParameters, expected) => {
    // Act
    const fields = readPath(
      { eventName: 'CreateImage', requestParameters },
      'requestParameters.tagSpecificationSet|tagSpecification[].resourceType',
    );

    // Assess
    expect(fields.map((field) => field.value)).toEqual([expected]);
  });

  it('reads one field, absent or not, for a path without a list', () => {
    // Act
    const fields = values(
      { eventName: 'CreateImage', requestParameters: {} },
      'requestParameters.instanceId',
    );

    // Assess
    expect(fields).toEqual([['requestParameters.instanceId', undefined]]);
  });

  it('does not read a wrapper named for another event', () => {
    // Prepare
    const record = { eventName: 'CreateImage', requestParameters: { CopyImageRequest: { Name: 'x' } } };

    // Act
    const field = readField(record, 'requestParameters.name');

    // Assess
    expect(field).toEqual({ value: undefined, path: 'requestParameters.name' });
  });

  it('does not read inherited properties of the record', () => {
    // Act
    const field = readField({ eventName: 'CreateImage' }, 'constructor.name');

    // Assess
    expect(field.value).toBeUndefined();
  });

  it.each([
    ['responseElements.imageId', false],
    ['responseElements.snapshotSet.item[].snapshotId', true],
  ])('isListPath(%s) is %s', (path, expected) => {
    // Act
    const result = isListPath(path);

    // Assess
    expect(result).toBe(expected);
  });
});
