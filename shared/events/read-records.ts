import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { CloneWardenError, EventValidationError } from '../model/errors.js';

const gunzipAsync = promisify(gunzip);

/** A decompressed file larger than this is refused (CloudTrail log files are a few MB at most). */
const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/**
 * Reads the records in a file for `clonewarden replay`. The file holds a bare CloudTrail record,
 * an EventBridge envelope, a CloudTrail log file (`{"Records": […]}`), a JSON array of any of
 * those, or JSON lines of any of those; gzipped or not (detected by its magic bytes, not its name).
 * Records are returned as they are, unvalidated: {@link parseCloneEvent} judges each one.
 *
 * @throws {CloneWardenError} when the file cannot be read or decompressed.
 * @throws {EventValidationError} when it is not JSON or JSON lines; the message names the file and
 *   the position.
 *
 * @example
 * for (const record of await readRecordsFromFile('trail/2026/03/25/111122223333_CloudTrail.json.gz')) { … }
 */
export async function readRecordsFromFile(path: string): Promise<unknown[]> {
  const text = await readText(path);
  return parseRecordsText(text, path);
}

async function readText(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CloneWardenError(`cannot read ${path}: ${messageOf(error)}`, { cause: error });
  }
  if (isGzip(bytes)) {
    try {
      bytes = await gunzipAsync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
    } catch (error) {
      throw new CloneWardenError(`cannot decompress ${path}: ${messageOf(error)}`, { cause: error });
    }
  }
  // TextDecoder drops a UTF-8 byte-order mark, which JSON.parse would choke on.
  return new TextDecoder('utf-8').decode(bytes);
}

/** gzip's magic number, RFC 1952 §2.3.1. */
function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The records in `text`, read from `name` (used in messages only). See {@link readRecordsFromFile}.
 * @throws {EventValidationError} when the text is neither JSON nor JSON lines.
 */
function parseRecordsText(text: string, name: string): unknown[] {
  if (text.trim() === '') throw new EventValidationError(`${name} is empty: expected JSON or JSON lines`);
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch (error) {
    // Not one JSON document; JSON lines, if the first line stands on its own.
    const lines = text.split(/\r?\n/);
    const firstLine = lines.findIndex((line) => line.trim() !== '');
    if (lines.filter((line) => line.trim() !== '').length < 2 || !parsesAsJson(lines[firstLine] ?? '')) {
      const problem = `${name} is not valid JSON${whereIn(text)}: ${messageOf(error)}`;
      throw new EventValidationError(problem, [problem], { cause: error });
    }
    return lines.flatMap((line, index) =>
      line.trim() === '' ? [] : recordsIn(parseLine(line, index + 1, name)),
    );
  }
  return recordsIn(whole);
}

function parseLine(line: string, lineNumber: number, name: string): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    const problem = `${name} line ${lineNumber} is not valid JSON${whereIn(line, false)}: ${messageOf(error)}`;
    throw new EventValidationError(problem, [problem], { cause: error });
  }
}

/** ` at line 3 column 14 (position 41)`, or `` when the error cannot be located. */
function whereIn(text: string, withLine = true): string {
  const offset = jsonErrorOffset(text);
  if (offset === undefined) return '';
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return withLine ? ` at line ${line} column ${column} (position ${offset})` : ` at column ${column}`;
}

/**
 * Where the first JSON syntax error in `text` is, as an offset. V8's `JSON.parse` messages give a
 * position for some errors and only a snippet for others, so a small scanner finds it. Iterative,
 * so that deeply nested input cannot overflow the stack.
 */
export function jsonErrorOffset(text: string): number | undefined {
  const open: string[] = [];
  let i = 0;
  let expecting: 'value' | 'key' | 'after' = 'value';
  const skipWhitespace = () => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i += 1;
  };
  for (;;) {
    skipWhitespace();
    const char = text.charAt(i);
    if (expecting === 'key') {
      if (char !== '"') return i;
      const end = scanJsonString(text, i);
      if (end < 0) return -end;
      i = end;
      skipWhitespace();
      if (text.charAt(i) !== ':') return i;
      i += 1;
      expecting = 'value';
    } else if (expecting === 'value') {
      if (char === '{' || char === '[') {
        i += 1;
        skipWhitespace();
        if (text.charAt(i) === (char === '{' ? '}' : ']')) {
          i += 1;
          expecting = 'after';
        } else {
          open.push(char);
          expecting = char === '{' ? 'key' : 'value';
        }
      } else if (char === '"') {
        const end = scanJsonString(text, i);
        if (end < 0) return -end;
        i = end;
        expecting = 'after';
      } else {
        JSON_SCALAR.lastIndex = i;
        const scalar = JSON_SCALAR.exec(text);
        if (!scalar) return i;
        i += scalar[0].length;
        expecting = 'after';
      }
    } else {
      const container = open.at(-1);
      if (container === undefined) return i < text.length ? i : undefined;
      if (char === ',') {
        i += 1;
        expecting = container === '{' ? 'key' : 'value';
      } else if (char === (container === '{' ? '}' : ']')) {
        i += 1;
        open.pop();
      } else {
        return i;
      }
    }
  }
}

const JSON_SCALAR = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** The offset just past the string starting at `start`, or minus the offset of its first error. */
function scanJsonString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const char = text.charAt(i);
    if (char === '"') return i + 1;
    if (char < ' ') return -i;
    if (char === '\\') {
      const escaped = text.charAt(i + 1);
      if (escaped === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return -i;
        i += 6;
      } else if ('"\\/bfnrt'.includes(escaped) && escaped !== '') {
        i += 2;
      } else {
        return -i;
      }
    } else {
      i += 1;
    }
  }
  return -text.length;
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A log file's `Records`, an array's items (each possibly a log file), or the value itself. */
function recordsIn(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap((item) => (isLogFile(item) ? item.Records : [item]));
  return isLogFile(value) ? value.Records : [value];
}

function isLogFile(value: unknown): value is { Records: unknown[] } {
  return (
    typeof value === 'object' && value !== null && Array.isArray((value as { Records?: unknown }).Records)
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
