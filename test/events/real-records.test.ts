import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isGovernedEventName } from '../../shared/events/event-table.js';
import { parseCloneEvent } from '../../shared/events/parse-clone-event.js';
import type { ParsedInput } from '../../shared/events/parsed-input.js';
import { readRecordsFromFile } from '../../shared/events/read-records.js';

/**
 * Every record of the real-record corpus (test/fixtures/real-records/, see its README.md for the
 * sources), read with the project's own reader and judged by the parser: none may be rejected.
 * The `state-change/` folder (EC2's own EventBridge events, not CloudTrail) is not read here.
 */
const CORPUS_DIR = fileURLToPath(new URL('../fixtures/real-records/', import.meta.url));
const CORPUS_FILES = readdirSync(CORPUS_DIR)
  .filter((name) => name.endsWith('.json') || name.endsWith('.yml'))
  .sort();

// biome-ignore lint/suspicious/noExplicitAny: corpus records are read as untyped JSON.
type Json = any;

/**
 * A `.json` file goes through the product's reader; a `.yml` file is one record kept as a rule
 * repository's YAML test case holds it (the product never reads YAML records).
 */
async function readCorpusFile(file: string): Promise<unknown[]> {
  const path = join(CORPUS_DIR, file);
  return file.endsWith('.yml') ? [parseYaml(readFileSync(path, 'utf8'))] : readRecordsFromFile(path);
}

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
      const records = await readCorpusFile(file);
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

  it('turns every successful governed EC2 call into an event with its account, ids and source', () => {
    const governed = corpus.filter(
      ({ record }) =>
        record?.eventSource === 'ec2.amazonaws.com' &&
        isGovernedEventName(String(record?.eventName)) &&
        !record?.errorCode,
    );
    expect(governed.length).toBe(CORPUS_FIGURES.governed);
    // Each governed record has its expectation, read off the record by hand (see GOVERNED below).
    expect(governed.map((entry) => entry.file).sort()).toEqual(Object.keys(GOVERNED).sort());
    for (const entry of governed) {
      const { parsed, input, record } = entry;
      expect(parsed.kind, where(entry)).toBe('event');
      if (parsed.kind !== 'event') continue;
      const expected = GOVERNED[entry.file];
      expect(parsed.event.account, where(entry)).toBe(expectedAccount(input, record));
      expect(parsed.event.eventId, where(entry)).toBe(record.eventID);
      const { event } = parsed;
      const common = { account: event.account, eventName: event.eventName, eventTime: event.eventTime };
      const read =
        event.family === 'creation'
          ? { ...common, clones: event.clones, source: event.source }
          : { ...common, clone: event.clone, added: event.added, removed: event.removed };
      expect(read, where(entry)).toEqual(expected);
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
    for (const { file, input, record } of corpus) {
      const name = String(record?.eventName);
      const year = String(record?.eventTime).slice(0, 4);
      byName[name] = (byName[name] ?? 0) + 1;
      byYear[year] = (byYear[year] ?? 0) + 1;
      const format = isEnvelope(input)
        ? 'EventBridge envelope'
        : file.endsWith('.yml')
          ? 'CloudTrail record (YAML)'
          : 'CloudTrail record';
      byFormat[format] = (byFormat[format] ?? 0) + 1;
    }
    // The figures written in test/fixtures/real-records/README.md; update both together.
    const { governed: _governed, ...figures } = CORPUS_FIGURES;
    expect({ total: corpus.length, byName, byYear, byFormat }).toEqual(figures);
  });
});

/**
 * What each governed record says, read off the record by hand: the new id from
 * `responseElements`, the source from `requestParameters` (region: `sourceRegion` for a copy, else
 * `awsRegion`), the account from the envelope's `account` or `recipientAccountId`.
 */
const GOVERNED: Record<string, object> = {
  // detail has no recipientAccountId: the envelope's account names it.
  '2018-streamalert-ec2-create-image-envelope.json': {
    account: '444444444444',
    eventName: 'CreateImage',
    eventTime: '2018-05-15T16:01:34Z',
    clones: [{ kind: 'image', id: 'ami-6eb72111' }],
    source: { kind: 'instance', id: 'i-fffffffffffffffff', region: 'us-east-1' },
  },
  '2021-spotlight-ec2-copy-snapshot.json': {
    account: '999999999999',
    eventName: 'CopySnapshot',
    eventTime: '2021-10-18T15:11:13Z',
    clones: [{ kind: 'snapshot', id: 'snap-031b3694bcd5fea93' }],
    source: { kind: 'snapshot', id: 'snap-0ff57e33506fdcd8e', region: 'ap-northeast-1' },
  },
  '2021-spotlight-ec2-create-image.json': {
    account: '999999999999',
    eventName: 'CreateImage',
    eventTime: '2021-04-05T08:03:12Z',
    clones: [{ kind: 'image', id: 'ami-094a52a9a2b58d074' }],
    source: { kind: 'instance', id: 'i-008cb657e3dc2a5e7', region: 'ap-northeast-1' },
  },
  '2021-spotlight-ec2-create-snapshot.json': {
    account: '999999999999',
    eventName: 'CreateSnapshot',
    eventTime: '2021-04-20T05:41:35Z',
    clones: [{ kind: 'snapshot', id: 'snap-04233f8a0017f5a77' }],
    source: { kind: 'volume', id: 'vol-0a1cf44d8314c33cf', region: 'ap-northeast-1' },
  },
  // Logged wrapped and PascalCase (CreateSnapshotsRequest / CreateSnapshotsResponse), the one
  // snapshot as `snapshotSet.item` (an object, not a list).
  '2021-spotlight-ec2-create-snapshots.json': {
    account: '999999999999',
    eventName: 'CreateSnapshots',
    eventTime: '2021-04-28T05:01:46Z',
    clones: [{ kind: 'snapshot', id: 'snap-0ea8b3632c0ff21d6' }],
    source: { kind: 'instance', id: 'i-0c424a66ab9f64345', region: 'ap-northeast-1' },
  },
  // The sharing family: the grants added, read off `launchPermission` / `createVolumePermission`.
  // StreamAlert's rule test: an AMI made public from the console, in an envelope.
  '2018-streamalert-ec2-modify-image-attribute-envelope.json': {
    account: '444444444444',
    eventName: 'ModifyImageAttribute',
    eventTime: '2018-05-15T16:17:48Z',
    clone: { kind: 'image', id: 'ami-6eb72111' },
    added: [{ kind: 'group', value: 'all' }],
    removed: [],
  },
  // StreamAlert's rule test: a snapshot made public, in a CloudTrail log file (anonymised caller).
  '2019-streamalert-ec2-modify-snapshot-attribute-log-file.json': {
    account: '123456789123',
    eventName: 'ModifySnapshotAttribute',
    eventTime: '2019-07-09T19:30:04Z',
    clone: { kind: 'snapshot', id: 'snap-00000000000000000' },
    added: [{ kind: 'group', value: 'all' }],
    removed: [],
  },
  // Stratus Red Team's exfiltration.ec2-share-ami: the AMI shared with one foreign account.
  '2024-stratus-exfiltration.ec2-share-ami.json': {
    account: '118238665043',
    eventName: 'ModifyImageAttribute',
    eventTime: '2024-08-01T12:25:57Z',
    clone: { kind: 'image', id: 'ami-de1fbCab6ccB03e6D' },
    added: [{ kind: 'account', value: '846424999548' }],
    removed: [],
  },
  // Stratus Red Team's exfiltration.ec2-share-ebs-snapshot: attributeType CREATE_VOLUME_PERMISSION.
  '2024-stratus-exfiltration.ec2-share-ebs-snapshot.json': {
    account: '756680937392',
    eventName: 'ModifySnapshotAttribute',
    eventTime: '2024-08-01T12:28:02Z',
    clone: { kind: 'snapshot', id: 'snap-041993b54a9b3af6f' },
    added: [{ kind: 'account', value: '098797384747' }],
    removed: [],
  },
  // eventTime written `2022-09-29 22:25:17` (Panther's form, UTC).
  '2022-panther-ec2-create-image.yml': {
    account: '123456789101',
    eventName: 'CreateImage',
    eventTime: '2022-09-29T22:25:17Z',
    clones: [{ kind: 'image', id: 'ami-06aaf5e4b77161786' }],
    source: { kind: 'instance', id: 'i-0381a3817f72a949d', region: 'us-east-1' },
  },
};

const CORPUS_FIGURES = {
  total: 71,
  governed: 10,
  byName: {
    AssumeRole: 2,
    AuthorizeSecurityGroupIngress: 1,
    CopySnapshot: 1,
    CreateBucket: 1,
    CreateGrant: 1,
    CreateImage: 3,
    CreateKeyPair: 1,
    CreateSnapshot: 1,
    CreateSnapshots: 1,
    CreateVolume: 3,
    Decrypt: 1,
    DeleteSnapshot: 1,
    DeregisterImage: 1,
    DescribeInstances: 32,
    GenerateDataKeyWithoutPlaintext: 2,
    ModifyImageAttribute: 2,
    ModifyInstanceAttribute: 1,
    ModifySnapshotAttribute: 2,
    RestoreSnapshotFromRecycleBin: 1,
    RunInstances: 5,
    SendSSHPublicKey: 3,
    StartInstances: 2,
    StopInstances: 2,
    TerminateInstances: 1,
  },
  byYear: { '2014': 9, '2016': 5, '2018': 2, '2019': 1, '2021': 9, '2022': 1, '2024': 44 },
  byFormat: { 'CloudTrail record': 67, 'CloudTrail record (YAML)': 1, 'EventBridge envelope': 3 },
};
