import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCloneEvent } from '../../shared/events/parse-clone-event.js';
import { jsonErrorOffset, readRecordsFromFile } from '../../shared/events/read-records.js';
import { CloneWardenError, EventValidationError } from '../../shared/model/errors.js';
import { loadFixture } from './fixtures.js';

describe('Events: readRecordsFromFile', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clonewarden-read-records-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function writeTemp(name: string, content: string | Buffer): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  }

  function eventIdsOf(records: unknown[]): (string | undefined)[] {
    return records.map((record) => {
      const parsed = parseCloneEvent(record);
      return parsed.kind === 'event' ? parsed.event.eventId : parsed.eventId;
    });
  }

  const image = () => loadFixture('create-image-assumed-role');
  const snapshot = () => loadFixture('create-snapshot-iam-user');
  const envelope = () => loadFixture('eventbridge-create-image-sso');
  const IMAGE_ID = '7d1e5a3c-2b4f-4e6a-9c8d-1f2e3a4b5c6d';
  const SNAPSHOT_ID = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
  const ENVELOPE_ID = 'd4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a';

  it.each<[string, string, () => string, (string | undefined)[]]>([
    ['a bare record', 'record.json', () => JSON.stringify(image(), null, 2), [IMAGE_ID]],
    ['an EventBridge envelope', 'envelope.json', () => JSON.stringify(envelope()), [ENVELOPE_ID]],
    [
      'a CloudTrail log file',
      'log.json',
      () => JSON.stringify({ Records: [image(), snapshot()] }),
      [IMAGE_ID, SNAPSHOT_ID],
    ],
    [
      'a JSON array of records, envelopes and log files',
      'mixed.json',
      () => JSON.stringify([image(), envelope(), { Records: [snapshot()] }]),
      [IMAGE_ID, ENVELOPE_ID, SNAPSHOT_ID],
    ],
    [
      'JSON lines with blank lines and CRLF endings',
      'records.jsonl',
      () =>
        `${JSON.stringify(image())}\r\n\r\n${JSON.stringify(envelope())}\r\n${JSON.stringify({ Records: [snapshot()] })}\n`,
      [IMAGE_ID, ENVELOPE_ID, SNAPSHOT_ID],
    ],
    [
      'a file with a UTF-8 byte-order mark',
      'bom.json',
      () => `\uFEFF${JSON.stringify(snapshot())}`,
      [SNAPSHOT_ID],
    ],
    ['an empty log file', 'empty-log.json', () => JSON.stringify({ Records: [] }), []],
  ])('reads %s', async (_case, name, content, expected) => {
    // Prepare
    const path = await writeTemp(name, content());

    // Act
    const records = await readRecordsFromFile(path);

    // Assess
    expect(eventIdsOf(records)).toEqual(expected);
  });

  it.each([
    ['a gzipped log file named .json.gz', '111122223333_CloudTrail_us-east-1.json.gz'],
    ['a gzipped log file with no .gz extension (detected by magic bytes)', 'download.bin'],
  ])('reads %s', async (_case, name) => {
    // Prepare
    const log = { Records: [image(), snapshot(), loadFixture('modify-image-attribute-failed')] };
    const path = await writeTemp(name, gzipSync(JSON.stringify(log)));

    // Act
    const records = await readRecordsFromFile(path);

    // Assess
    expect(records).toHaveLength(3);
    expect(records.map((record) => parseCloneEvent(record).kind)).toEqual(['event', 'event', 'skipped']);
  });

  it('reads gzipped JSON lines', async () => {
    // Prepare
    const path = await writeTemp(
      'lines.jsonl.gz',
      gzipSync(`${JSON.stringify(image())}\n${JSON.stringify(snapshot())}\n`),
    );

    // Act
    const records = await readRecordsFromFile(path);

    // Assess
    expect(eventIdsOf(records)).toEqual([IMAGE_ID, SNAPSHOT_ID]);
  });

  it('reads a plain JSON file despite a .gz name', async () => {
    // Prepare
    const path = await writeTemp('misnamed.json.gz', JSON.stringify(snapshot()));

    // Act
    const records = await readRecordsFromFile(path);

    // Assess
    expect(eventIdsOf(records)).toEqual([SNAPSHOT_ID]);
  });

  it('returns non-record values as they are, for parseCloneEvent to reject', async () => {
    // Prepare
    const path = await writeTemp('odd.json', JSON.stringify([42, { Records: 'not a list' }]));

    // Act
    const records = await readRecordsFromFile(path);

    // Assess
    expect(records).toEqual([42, { Records: 'not a list' }]);
    expect(records.map((record) => parseCloneEvent(record).kind)).toEqual(['rejected', 'rejected']);
  });

  it('fails with the file name when the file cannot be read', async () => {
    // Prepare
    const path = join(dir, 'missing.json');

    // Act
    const reading = readRecordsFromFile(path);

    // Assess
    await expect(reading).rejects.toThrow(CloneWardenError);
    await expect(reading).rejects.toThrow(`cannot read ${path}: ENOENT`);
  });

  it('fails with the file name and the position when the JSON is broken', async () => {
    // Prepare
    const path = await writeTemp('broken.json', '{\n  "eventName": "CreateImage",\n  "eventID": \n}');

    // Act
    const reading = readRecordsFromFile(path);

    // Assess
    await expect(reading).rejects.toThrow(EventValidationError);
    await expect(reading).rejects.toThrow(`${path} is not valid JSON at line 4 column 1 (position 46): `);
  });

  it('fails with the file name and the line number when one JSON line is broken', async () => {
    // Prepare
    const path = await writeTemp(
      'broken.jsonl',
      `${JSON.stringify(image())}\n${JSON.stringify(snapshot())}\n{"eventID": tru\n`,
    );

    // Act
    const reading = readRecordsFromFile(path);

    // Assess
    await expect(reading).rejects.toThrow(EventValidationError);
    await expect(reading).rejects.toThrow(`${path} line 3 is not valid JSON at column 13: `);
  });

  it('fails with the file name when the file is empty', async () => {
    // Prepare
    const path = await writeTemp('empty.json', '  \n');

    // Act
    const reading = readRecordsFromFile(path);

    // Assess
    await expect(reading).rejects.toThrow(`${path} is empty: expected JSON or JSON lines`);
  });

  it('fails with the file name when gzip data is corrupt', async () => {
    // Prepare
    const gz = gzipSync(JSON.stringify({ Records: [image()] }));
    const path = await writeTemp('corrupt.json.gz', gz.subarray(0, gz.length - 12));

    // Act
    const reading = readRecordsFromFile(path);

    // Assess
    await expect(reading).rejects.toThrow(CloneWardenError);
    await expect(reading).rejects.toThrow(`cannot decompress ${path}`);
  });
});

describe('Events: jsonErrorOffset', () => {
  it.each<[string, string, number | undefined]>([
    ['valid JSON', '{"a": [1, -2.5e3, true, null, "x\\u00e9"]}', undefined],
    ['a missing value', '{"a": }', 6],
    ['a trailing comma', '[1, 2, ]', 7],
    ['an unquoted key', '{a: 1}', 1],
    ['a missing colon', '{"a" 1}', 5],
    ['an unterminated string', '{"a": "xyz', 10],
    ['a bad escape', '["\\q"]', 2],
    ['a raw newline in a string', '["a\nb"]', 3],
    ['a truncated literal', '[tru]', 1],
    ['a leading zero', '[01]', 2],
    ['trailing data', '{} {}', 3],
    ['a mismatched bracket', '[1}', 2],
    ['deep nesting cut short', '['.repeat(100_000), 100_000],
  ])('locates %s', (_case, text, expected) => {
    // Act
    const offset = jsonErrorOffset(text);

    // Assess
    expect(offset).toBe(expected);
  });
});
