import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { isGovernedEventName } from '../../shared/events/event-table.js';
import { type ParsedInput, parseCloneEvent } from '../../shared/events/parse-clone-event.js';
import { readRecordsFromFile } from '../../shared/events/read-records.js';

/**
 * Every record of the real-record corpus (test/fixtures/real-records/, see its README.md for the
 * sources), read with the project's own reader and judged by the parser: none may be rejected.
 */
const CORPUS_DIR = fileURLToPath(new URL('../fixtures/real-records/', import.meta.url));
const CORPUS_FILES = readdirSync(CORPUS_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();

// biome-ignore lint/suspicious/noExplicitAny: corpus records are read as untyped JSON.
type Json = any;

interface CorpusRecord {
  file: string;
  index: number;
  input: Json;
  /** The CloudTrail record: the input, or its EventBridge `detail`. */
  record: Json;
  parsed: ParsedInput;
}

function isEnvelope(input: Json): boolean {
  return typeof input === 'object' && input !== null && 'detail' in input && 'detail-type' in input;
}

/** Who the account is, by the documented order: envelope `account`, `recipientAccountId`, caller. */
function expectedAccount(input: Json, record: Json): string | undefined {
  return (
    (isEnvelope(input) ? input.account : undefined) ??
    record.recipientAccountId ??
    record.userIdentity?.accountId
  );
}

function where(entry: CorpusRecord): string {
  return `${entry.file}[${entry.index}] ${entry.record?.eventName ?? '?'}`;
}

describe('Events: the real-record corpus', () => {
  const corpus: CorpusRecord[] = [];

  beforeAll(async () => {
    for (const file of CORPUS_FILES) {
      const records = await readRecordsFromFile(join(CORPUS_DIR, file));
      records.forEach((input, index) => {
        const record = isEnvelope(input) ? (input as Json).detail : input;
        corpus.push({ file, index, input, record, parsed: parseCloneEvent(input) });
      });
    }
  });

  it('holds at least 30 real records, in at least 15 files', () => {
    expect(CORPUS_FILES.length).toBeGreaterThanOrEqual(15);
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it('rejects none of them', () => {
    const rejected = corpus
      .filter((entry) => entry.parsed.kind === 'rejected')
      .map((entry) => ({ at: where(entry), parsed: entry.parsed }));
    expect(rejected).toEqual([]);
  });

  it('turns every successful governed EC2 call into an event with its account, id and source', () => {
    const governed = corpus.filter(
      ({ record }) =>
        record?.eventSource === 'ec2.amazonaws.com' &&
        isGovernedEventName(String(record?.eventName)) &&
        !record?.errorCode,
    );
    // The corpus holds no real governed record yet (see its README): this count says so.
    expect(governed.length).toBe(CORPUS_FIGURES.governed);
    for (const entry of governed) {
      const { parsed, input, record } = entry;
      expect(parsed.kind, where(entry)).toBe('event');
      if (parsed.kind !== 'event') continue;
      expect(parsed.event.account, where(entry)).toBe(expectedAccount(input, record));
      expect(parsed.event.eventName).toBe(record.eventName);
      expect(parsed.event.clones.length).toBeGreaterThan(0);
    }
  });

  it('skips every other record with a reason, and names its account when the record has one', () => {
    const others = corpus.filter((entry) => entry.parsed.kind === 'skipped');
    expect(others.length).toBeGreaterThan(0);
    for (const entry of others) {
      const { parsed, input, record } = entry;
      if (parsed.kind !== 'skipped') continue;
      const governedSuccess =
        record?.eventSource === 'ec2.amazonaws.com' &&
        isGovernedEventName(String(record?.eventName)) &&
        !record?.errorCode;
      expect(governedSuccess, `${where(entry)} is governed but was skipped: ${parsed.reason}`).toBe(false);
      expect(parsed.reason, where(entry)).toMatch(
        /is not governed|the call failed|dry-run call|eventSource .* is not ec2\.amazonaws\.com|EventBridge source .* is not aws\.ec2|detail-type/,
      );
      // Envelopes of another source are skipped before the record is read.
      if (!isEnvelope(input) || input.source === 'aws.ec2') {
        expect(parsed.account, where(entry)).toBe(expectedAccount(input, record));
        expect(parsed.eventName, where(entry)).toBe(record.eventName);
      }
    }
  });

  it('has the recorded size by event name, year and format', () => {
    const byName: Record<string, number> = {};
    const byYear: Record<string, number> = {};
    const byFormat: Record<string, number> = {};
    for (const { input, record } of corpus) {
      const name = String(record?.eventName);
      const year = String(record?.eventTime).slice(0, 4);
      byName[name] = (byName[name] ?? 0) + 1;
      byYear[year] = (byYear[year] ?? 0) + 1;
      const format = isEnvelope(input) ? 'EventBridge envelope' : 'CloudTrail record';
      byFormat[format] = (byFormat[format] ?? 0) + 1;
    }
    // The figures written in test/fixtures/real-records/README.md; update both together.
    const { governed: _governed, ...figures } = CORPUS_FIGURES;
    expect({ total: corpus.length, byName, byYear, byFormat }).toEqual(figures);
  });
});

const CORPUS_FIGURES = {
  total: 58,
  governed: 0,
  byName: {
    AssumeRole: 2,
    AuthorizeSecurityGroupIngress: 1,
    CreateBucket: 1,
    CreateGrant: 1,
    CreateKeyPair: 1,
    CreateVolume: 1,
    Decrypt: 1,
    DescribeInstances: 32,
    GenerateDataKeyWithoutPlaintext: 2,
    ModifyImageAttribute: 2,
    ModifyInstanceAttribute: 1,
    ModifySnapshotAttribute: 2,
    RunInstances: 2,
    SendSSHPublicKey: 3,
    StartInstances: 2,
    StopInstances: 2,
    TerminateInstances: 2,
  },
  byYear: { '2014': 9, '2016': 2, '2024': 46, '2025': 1 },
  byFormat: { 'CloudTrail record': 57, 'EventBridge envelope': 1 },
};
