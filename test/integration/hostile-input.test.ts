import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Caller, eventBridgeEnvelope, records } from '../../scripts/lib/cloudtrail-records.js';
import { EMULATOR_ACCOUNT } from '../../scripts/lib/emulator.js';
import { createAlertInbox } from '../../scripts/lib/emulator-resources.js';
import type { Verdict } from '../../shared/model/types.js';
import {
  asTags,
  createIdempotencyTable,
  createLedgerTable,
  grantees,
  shareSnapshotAsRecorded,
  tagsOf,
  writeEnforcingPolicy,
} from '../support/aws-fixtures.js';
import { useEmulatorRegion } from '../support/emulator.js';
import type { EnforceHarness } from '../support/enforce-harness.js';
import { FaultInjector, isMutating } from '../support/fault-injection.js';
import { type LambdaHandler, lambdaContext, recordFigures } from '../support/lambda-delivery.js';

/*
 * Hostile input through the real wrapped handler, against moto: at least 200 malformed or
 * adversarial events, generated with fast-check and written by hand (test/fixtures/hostile/).
 * For each one: no unexpected exception, no mutating AWS call when the input is rejected or
 * skipped (the fault harness records every request that reaches the endpoint), a logged reason,
 * and, where an alert goes out, user text that cannot break out of its place in e-mail or chat.
 */

const harness = vi.hoisted((): EnforceHarness => ({ options: {} }));
vi.mock('../../shared/aws/clients.js', async (importOriginal) =>
  (await import('../support/enforce-harness.js')).harnessedClients(await importOriginal(), harness),
);

const REGION = 'sa-east-1';
const developer: Caller = {
  type: 'AssumedRole',
  account: EMULATOR_ACCOUNT,
  role: 'Developer',
  session: 'eve',
};
const FIXTURES = join(import.meta.dirname, '../fixtures/hostile/hand-written.json');
/** The loud failures that send an event to the DLQ by design; anything else is a bug. */
const LOUD_ERRORS = new Set(['CloneNotVisibleError', 'ActionFailedError']);
/** Strings planted in user-controlled fields; none may reach an alert as it was. */
const PLANTED = [
  '<!channel>',
  '<@U024BE7LH>',
  '@here',
  '[click](https://evil.example/x)',
  '<https://evil.example|Approved>',
  'https://evil.example',
  '*APPROVED*',
  '_urgent_',
  '~struck~',
  '`hidden`',
  '<script>',
  '\r\nSubject: approved',
  '\u001b[31m',
  '\u202eTrojan',
  'zero\u200bwidth',
  '&lt;b&gt;',
];
const HOSTILE_TEXT = PLANTED.join(' ');
/** What can do harm in a plain-text e-mail: forged lines, controls, bidi, zero-width, live links. */
const PLAIN_TEXT_HARM = /[\r\n\p{Cc}\p{Cf}]|https?:\/\//u;
/** Principal fields with glob characters are rejected outright; the rest of the payload stays. */
const HOSTILE_PRINCIPAL_TEXT = HOSTILE_TEXT.replace(/[*?[\]]/g, '');

const faults = new FaultInjector(1);
let ec2: EC2Client;
let handler: LambdaHandler;
let volumeId: string;
let snapshotId: string;
const logLines: string[] = [];
const stats = { inputs: 0, rejected: 0, skipped: 0, enforced: 0, loudFailures: 0, alertsChecked: 0 };

interface Delivery {
  verdict?: Verdict;
  error?: Error;
  mutatingCalls: string[];
  logs: string[];
}

/** One delivery, with the requests that reached moto and the log lines it wrote. */
async function deliver(input: unknown): Promise<Delivery> {
  faults.resetStats();
  faults.recordSent = true;
  logLines.length = 0;
  let verdict: Verdict | undefined;
  let error: Error | undefined;
  try {
    verdict = await handler(input, lambdaContext());
  } catch (caught) {
    error = caught as Error;
  }
  stats.inputs += 1;
  if (verdict?.status === 'rejected') stats.rejected += 1;
  else if (verdict?.status === 'skipped') stats.skipped += 1;
  else if (verdict) stats.enforced += 1;
  else stats.loudFailures += 1;
  return {
    ...(verdict ? { verdict } : {}),
    ...(error ? { error } : {}),
    mutatingCalls: faults.sent
      .filter((a) => isMutating(a.operation))
      .map((a) => `${a.service}:${a.operation}`),
    logs: [...logLines],
  };
}

/** What every hostile delivery must satisfy, whatever it was. */
function expectHandled(delivery: Delivery, label: string) {
  if (delivery.error) {
    expect(
      LOUD_ERRORS.has(delivery.error.name),
      `${label}: ${delivery.error.name}: ${delivery.error.message}`,
    ).toBe(true);
    return;
  }
  const verdict = delivery.verdict!;
  for (const line of delivery.logs) expect(line.length, label).toBeLessThan(20_000);
  if (verdict.status === 'rejected' || verdict.status === 'skipped') {
    expect(delivery.mutatingCalls, label).toEqual([]);
    expect(verdict.reason, label).toBeTruthy();
    const logged = delivery.logs
      .map((line) => JSON.parse(line))
      .find((l) => l.message === `event ${verdict.status}`);
    expect(logged?.reason, `${label}: logged reason`).toBe(verdict.reason);
  }
}

/** A valid CreateSnapshot record for the real snapshot; every case starts from a fresh copy. */
function baseRecord(): Record<string, unknown> {
  return records.createSnapshot({ caller: developer, region: REGION, volumeId, snapshotId });
}

beforeAll(async () => {
  useEmulatorRegion(REGION);
  ec2 = new EC2Client({ region: REGION });
  const inbox = await createAlertInbox(REGION, 'hostile-input');
  await createIdempotencyTable(REGION, 'hostile-input-idempotency');
  // The functions require clonewarden's ledger table.
  await createLedgerTable(REGION, 'hostile-input-ledger');
  Object.assign(process.env, {
    CLONEWARDEN_LEDGER_TABLE: 'hostile-input-ledger',
    // The guards too (allowed-sharing, allowed-restore), so that share and restore records are judged.
    CLONEWARDEN_POLICY: writeEnforcingPolicy({ guards: true }),
    CLONEWARDEN_ALERT_TOPIC_ARN: inbox.topicArn,
    CLONEWARDEN_IDEMPOTENCY_TABLE: 'hostile-input-idempotency',
    CLONEWARDEN_ENFORCER_ROLE_ARN: `arn:aws:iam::${EMULATOR_ACCOUNT}:role/clonewarden-test-enforce`,
    CLONEWARDEN_VISIBILITY_ATTEMPTS: '1',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.CLONEWARDEN_DRY_RUN;
  harness.options = { decorateStack: faults.decorateStack };
  // Powertools writes JSON lines: info to stdout, warnings and errors to stderr.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (text.startsWith('{')) {
        logLines.push(...text.split('\n').filter(Boolean));
        return true;
      }
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    });
  }
  // These inputs lack an event id on purpose; Powertools idempotency, told not to throw for
  // that (functions/enforce.ts), says so with console.warn for each. Only that line is dropped.
  const warn = console.warn.bind(console);
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (String(args[0]).startsWith('No value found for idempotency_key')) return;
    warn(...args);
  });
  handler = ((await import('../../functions/enforce.js')) as unknown as { handler: LambdaHandler }).handler;
  ({ VolumeId: volumeId } = (await ec2.send(
    new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 1 }),
  )) as { VolumeId: string });
  ({ SnapshotId: snapshotId } = (await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }))) as {
    SnapshotId: string;
  });
});

afterEach(() => {
  faults.recordSent = false;
});

describe('Hostile input: the hand-written corpus (test/fixtures/hostile/hand-written.json)', () => {
  const { cases } = JSON.parse(readFileSync(FIXTURES, 'utf8')) as {
    cases: {
      name: string;
      detail?: Record<string, unknown>;
      envelope?: Record<string, unknown>;
      raw?: unknown;
      expect: string;
    }[];
  };

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    // Prepare
    const detail = JSON.parse(
      JSON.stringify({ ...baseRecord(), ...c.detail }).replaceAll('{volumeId}', volumeId),
    );
    const input = 'raw' in c ? c.raw : { ...eventBridgeEnvelope(detail), ...c.envelope };

    // Act
    const delivery = await deliver(input);

    // Assess
    expectHandled(delivery, name);
    expect(delivery.verdict?.status).toBe(c.expect);
  });

  it('100 KB strings and 10,000-item arrays are rejected or skipped with bounded logs; deep nesting elsewhere is harmless', async () => {
    // Prepare
    const huge = 'x'.repeat(100_000);
    const manyTags = Array.from({ length: 10_000 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 2_000; i++) deep = { nested: deep };
    const variants: [string, Record<string, unknown>][] = [
      ['100 KB eventName', { eventName: huge }],
      ['100 KB eventID', { eventID: huge }],
      ['100 KB ARN', { userIdentity: { type: 'IAMUser', arn: huge } }],
      [
        '100 KB tag value',
        {
          requestParameters: {
            volumeId,
            tagSpecificationSet: {
              items: [{ resourceType: 'snapshot', tags: [{ key: 'Owner', value: huge }] }],
            },
          },
        },
      ],
      ['100 KB description', { requestParameters: { volumeId, description: huge } }],
      [
        '10,000 new ids',
        { responseElements: { snapshotId: Array.from({ length: 10_000 }, () => snapshotId) } },
      ],
      [
        '10,000 tags',
        {
          requestParameters: {
            volumeId,
            tagSpecificationSet: { items: [{ resourceType: 'snapshot', tags: manyTags }] },
          },
        },
      ],
      [
        '10,000 tag specifications',
        {
          requestParameters: {
            volumeId,
            tagSpecificationSet: {
              items: Array.from({ length: 10_000 }, () => ({ resourceType: 'snapshot', tags: [] })),
            },
          },
        },
      ],
    ];
    // Deep nesting in a field clonewarden does not read is carried along: the clone is judged.
    const deepDelivery = await deliver(
      eventBridgeEnvelope({ ...baseRecord(), requestParameters: { volumeId, extra: deep } }),
    );
    expectHandled(deepDelivery, '2,000-deep nesting');
    expect(deepDelivery.verdict?.status).toBe('quarantined');

    for (const [name, overrides] of variants) {
      // Act
      const delivery = await deliver(eventBridgeEnvelope({ ...baseRecord(), ...overrides }));

      // Assess
      expectHandled(delivery, name);
      expect(['rejected', 'skipped'], name).toContain(delivery.verdict?.status);
    }
  });
});

describe('Hostile input: generated with fast-check', () => {
  it('anything at all (120 inputs) is rejected or skipped, with no AWS write and a logged reason', async () => {
    // Prepare
    const inputs = fc.sample(fc.anything({ withNullPrototype: true, withBigInt: false, maxDepth: 3 }), {
      numRuns: 120,
      seed: 42,
    });

    for (const [index, input] of inputs.entries()) {
      // Act
      const delivery = await deliver(input);

      // Assess
      expectHandled(delivery, `anything #${index}`);
      expect(['rejected', 'skipped']).toContain(delivery.verdict?.status);
    }
  });

  it('a valid record with one field missing or replaced (120 mutants) never crashes and never writes on rejected input', async () => {
    // Prepare
    const paths = [
      'eventID',
      'eventTime',
      'eventSource',
      'eventName',
      'awsRegion',
      'recipientAccountId',
      'userIdentity',
      'userIdentity.arn',
      'userIdentity.type',
      'userIdentity.sessionContext',
      'requestParameters',
      'requestParameters.volumeId',
      'requestParameters.tagSpecificationSet',
      'responseElements',
      'responseElements.snapshotId',
      'errorCode',
      'userAgent',
    ];
    const value = fc.oneof(
      fc.constant(DELETE),
      fc.constant(null),
      fc.integer(),
      fc.boolean(),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.array(fc.string(), { maxLength: 4 }),
      fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
      fc.constant('x'.repeat(100_000)),
    );
    const mutants = fc.sample(fc.tuple(fc.constantFrom(...paths), value), { numRuns: 120, seed: 7 });

    for (const [index, [path, replacement]] of mutants.entries()) {
      const record = baseRecord();
      replaceAt(record, path, replacement);

      // Act
      const delivery = await deliver(eventBridgeEnvelope(record));

      // Assess
      expectHandled(delivery, `mutant #${index} ${path}`);
    }
  });
});

describe('Hostile input: the restoring family', () => {
  it('a RunInstances record with one field missing or replaced (60 mutants) never crashes and never writes on rejected input', async () => {
    // Prepare: a launch of an image EC2 does not show, so that a valid mutant is read-only too.
    const base = () =>
      records.runInstances({
        caller: developer,
        region: REGION,
        imageId: 'ami-0fffffffffffffff1',
        instances: [{ instanceId: 'i-0aaaaaaaaaaaaaaa1', networkInterfaceIds: ['eni-0ccccccccccccccc1'] }],
      });
    const paths = [
      'requestParameters',
      'requestParameters.instancesSet',
      'responseElements',
      'responseElements.instancesSet',
      'responseElements.instancesSet.items',
      'eventName',
    ];
    const value = fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.array(fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), { maxLength: 3 }),
      fc.constant({ items: [{ instanceId: 'i-$(reboot)', imageId: 'ami-0fffffffffffffff1' }] }),
      fc.constant('x'.repeat(100_000)),
    );
    const mutants = fc.sample(fc.tuple(fc.constantFrom(...paths), value), { numRuns: 60, seed: 11 });

    for (const [index, [path, replacement]] of mutants.entries()) {
      const record = base();
      replaceAt(record, path, replacement);

      // Act
      const delivery = await deliver(eventBridgeEnvelope(record));

      // Assess
      expectHandled(delivery, `restore mutant #${index} ${path}`);
      expect(delivery.mutatingCalls, `restore mutant #${index} ${path}`).toEqual([]);
    }
  });
});

/** Every variant of every Publish that reached SNS, checked for what a hostile value could do. */
function expectSafeAlerts(label: string) {
  const publishes = faults.sent.filter((a) => a.operation === 'Publish');
  expect(publishes.length, label).toBe(1);
  for (const { input } of publishes) {
    stats.alertsChecked += 1;
    const subject = String(input.Subject);
    expect(subject.length, label).toBeLessThanOrEqual(100);
    expect(subject, label).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    const message = String(input.Message);
    expect(Buffer.byteLength(message), label).toBeLessThan(256 * 1024);
    const variants = JSON.parse(message) as Record<string, string>;
    const texts = [subject, variants.default!, variants.email!];
    const documents = [variants.sqs!, variants.lambda!, variants.http!, variants.https!].map((v) =>
      JSON.parse(v),
    );
    const leaves: string[] = [];
    const walk = (node: unknown): void => {
      if (typeof node === 'string') leaves.push(node);
      else if (node && typeof node === 'object') for (const child of Object.values(node)) walk(child);
    };
    documents.forEach(walk);
    for (const text of texts) {
      // One line per line: the only control character is the text's own line break.
      expect(text.replace(/\n/g, ''), label).not.toMatch(/[\p{Cc}\p{Cf}]/u);
      for (const line of text.split('\n')) expect(line.length, label).toBeLessThanOrEqual(600);
    }
    for (const leaf of leaves) expect(leaf, label).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    // The JSON may be rendered by its consumers, so no planted markup reaches it as it was.
    // The e-mail is plain text: markup is inert there and identifiers must stay exact, so
    // only what can do harm in plain text (line breaks, controls, bidi, zero-width, live
    // links) may not reach it.
    for (const planted of PLANTED) {
      for (const text of leaves)
        expect(text.includes(planted), `${label}: ${JSON.stringify(planted)}`).toBe(false);
    }
    for (const planted of PLANTED.filter((text) => PLAIN_TEXT_HARM.test(text))) {
      for (const text of texts)
        expect(text.includes(planted), `${label}: ${JSON.stringify(planted)}`).toBe(false);
    }
    for (const value of Object.values(input.MessageAttributes as Record<string, { StringValue: string }>)) {
      expect(value.StringValue, label).not.toMatch(/[\p{Cc}\p{Cf}<>]/u);
    }
  }
}

/** Given to {@link replaceAt} as the replacement: remove the field instead of setting it. */
const DELETE = Symbol('delete');

/**
 * Sets the field at a dotted path (array indexes included), making the parents it needs; with
 * {@link DELETE}, removes it.
 */
function replaceAt(record: Record<string, unknown>, path: string, replacement: unknown): void {
  const keys = path.split('.');
  let parent = record;
  for (const key of keys.slice(0, -1)) {
    if (typeof parent[key] !== 'object' || parent[key] === null) parent[key] = {};
    parent = parent[key] as Record<string, unknown>;
  }
  if (replacement === DELETE) delete parent[keys.at(-1)!];
  else parent[keys.at(-1)!] = replacement;
}

/** A snapshot of a developer's clone, quarantined by enforce: the ledger holds it as quarantined. */
async function quarantinedSnapshot(): Promise<string> {
  const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
  const birth = await deliver(
    eventBridgeEnvelope(
      records.createSnapshot({ caller: developer, region: REGION, volumeId, snapshotId: SnapshotId! }),
    ),
  );
  expect(birth.verdict?.status).toBe('quarantined');
  return SnapshotId!;
}

/** The clonewarden: tags a developer forges on a clone to lift its quarantine (no tamper event is delivered). */
const FORGED = {
  'clonewarden:status': 'compliant',
  'clonewarden:violations': '',
  'clonewarden:quarantine-shares': 'g=all',
  'clonewarden:restored-from': 'snap-0aaaaaaaaaaaaaaa1',
};

/** Hostile values for the id and grant fields of the new families' records. */
const HOSTILE_VALUES = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), { maxLength: 3 }),
  fc.constant('x'.repeat(100_000)),
  fc.constant('1'.repeat(100_000)),
  fc.constant('4444\u000055556666'),
  fc.constant('444455556666\r\nSubject: approved'),
  fc.constant({ items: [{ userId: '444455556666', group: 'all' }] }),
  fc.constant({ items: 'all' }),
);

describe('Hostile input: the sharing family', () => {
  it.each([
    [
      'ModifyImageAttribute',
      'ami-0fffffffffffffff2',
      [
        'requestParameters.imageId',
        'requestParameters.launchPermission',
        'requestParameters.launchPermission.add',
        'requestParameters.launchPermission.add.items',
        'requestParameters.launchPermission.add.items.0',
        'requestParameters.launchPermission.add.items.0.userId',
        'requestParameters.launchPermission.add.items.0.group',
        'requestParameters.launchPermission.add.items.0.organizationArn',
        'requestParameters.launchPermission.remove',
      ],
    ],
    [
      'ModifySnapshotAttribute',
      'snap-0fffffffffffffff2',
      [
        'requestParameters.snapshotId',
        'requestParameters.createVolumePermission',
        'requestParameters.createVolumePermission.add.items',
        'requestParameters.createVolumePermission.add.items.0.userId',
        'requestParameters.createVolumePermission.add.items.0.group',
        'requestParameters.attributeType',
      ],
    ],
  ] as const)(
    'a %s record with one field missing or replaced (60 mutants) never crashes and never writes',
    async (eventName, cloneId, paths) => {
      // Prepare: a share of a clone EC2 does not show, so that a mutant that stays valid is read-only too.
      const base = () =>
        eventName === 'ModifyImageAttribute'
          ? records.modifyImageAttribute({
              caller: developer,
              region: REGION,
              imageId: cloneId,
              add: [{ userId: '444455556666' }],
            })
          : records.modifySnapshotAttribute({
              caller: developer,
              region: REGION,
              snapshotId: cloneId,
              add: [{ userId: '444455556666' }],
            });
      const mutants = fc.sample(fc.tuple(fc.constantFrom(...paths), HOSTILE_VALUES), {
        numRuns: 60,
        seed: 13,
      });

      for (const [index, [path, replacement]] of mutants.entries()) {
        const record = base();
        replaceAt(record, path, replacement);

        // Act
        const delivery = await deliver(eventBridgeEnvelope(record));

        // Assess
        expectHandled(delivery, `share mutant #${index} ${path}`);
        expect(delivery.mutatingCalls, `share mutant #${index} ${path}`).toEqual([]);
      }
    },
  );

  it.each<[string, Record<string, string>[] | string]>([
    ['an account id with a NUL in it', [{ userId: '4444\u000055556666' }]],
    ['an account id of 100,000 digits', [{ userId: '4'.repeat(100_000) }]],
    ['an account id of 13 digits', [{ userId: '4444555566667' }]],
    ['an account id that forges a mail header', [{ userId: '444455556666\r\nSubject: approved' }]],
    ['group "all" with a line break', [{ group: 'all\nall' }]],
    [
      'an organization grant on a snapshot',
      [{ organizationArn: 'arn:aws:organizations::111122223333:organization/o-abcdefghij' }],
    ],
    ['two grantees in one item', [{ userId: '444455556666', group: 'all' }]],
    ['an account id that is a number', [{ userId: 444455556666 as unknown as string }]],
    ['the items are a string', 'all'],
  ])(
    'a snapshot share naming %s is rejected with its field, and the real share is left to a valid record',
    async (name, add) => {
      // Prepare: a real snapshot, really shared, so that a record wrongly accepted would revert for real.
      const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
      const record = await shareSnapshotAsRecorded(ec2, {
        caller: developer,
        region: REGION,
        snapshotId: SnapshotId!,
        add: [{ userId: '444455556666' }],
      });
      replaceAt(record, 'requestParameters.createVolumePermission.add.items', add);

      // Act
      const delivery = await deliver(eventBridgeEnvelope(record));

      // Assess
      expectHandled(delivery, name);
      expect(delivery.verdict?.status, name).toBe('rejected');
      const logged = delivery.logs
        .map((line) => JSON.parse(line))
        .find((l) => l.message === 'event rejected');
      expect(logged.issues.join(' '), name).toMatch(/createVolumePermission\.add\.items/);
      expect(JSON.stringify(logged.issues).length, name).toBeLessThan(2_000);
    },
  );

  it('a share of a quarantined clone whose clonewarden: tags were forged compliant is reverted, even to an allowed account; one alert, inert', async () => {
    // Prepare
    const snapshotId = await quarantinedSnapshot();
    await ec2.send(new CreateTagsCommand({ Resources: [snapshotId], Tags: asTags(FORGED) }));
    const record = await shareSnapshotAsRecorded(ec2, {
      caller: { ...developer, session: HOSTILE_PRINCIPAL_TEXT },
      region: REGION,
      snapshotId,
      add: [{ userId: '111122223333' }],
    });

    // Act
    const delivery = await deliver(eventBridgeEnvelope(record));

    // Assess
    expectHandled(delivery, 'forged share');
    expect(delivery.verdict?.violations.map((v) => v.rule)).toEqual(['quarantined-clone']);
    expect(await grantees(ec2, snapshotId)).toEqual([]);
    expectSafeAlerts('forged share');
  });
});

describe('Hostile input: the restoring family, hand-written', () => {
  it.each<[string, (record: Record<string, unknown>) => void]>([
    ['a volume id of 100 KB', (r) => replaceAt(r, 'responseElements.volumeId', `vol-${'f'.repeat(100_000)}`)],
    [
      'a volume id with control characters',
      (r) => replaceAt(r, 'responseElements.volumeId', 'vol-0aaa\u001b[31m\r\n'),
    ],
    ['a volume id that is a number', (r) => replaceAt(r, 'responseElements.volumeId', 12345)],
    ['a volume id that is an object', (r) => replaceAt(r, 'responseElements.volumeId', { $ne: null })],
    [
      'a snapshot id with a NUL in it',
      (r) => replaceAt(r, 'responseElements.snapshotId', 'snap-0\u0000aaaaaaaaaaaaaaa'),
    ],
    [
      'a snapshot id of 100 KB',
      (r) => replaceAt(r, 'responseElements.snapshotId', `snap-${'0'.repeat(100_000)}`),
    ],
  ])(
    'CreateVolume from a quarantined snapshot with %s is rejected or skipped, with no write',
    async (name, mutate) => {
      // Prepare: the snapshot really is quarantined, so a record wrongly accepted would label and alert.
      const snapshotId = await quarantinedSnapshot();
      const record = records.createVolume({
        caller: developer,
        region: REGION,
        snapshotId,
        volumeId: 'vol-0aaaaaaaaaaaaaaa1',
        zone: `${REGION}a`,
      });
      mutate(record);

      // Act
      const delivery = await deliver(eventBridgeEnvelope(record));

      // Assess
      expectHandled(delivery, name);
      expect(['rejected', 'skipped'], name).toContain(delivery.verdict?.status);
    },
  );

  it('a restore from a quarantined clone forged compliant, its new volume forged too: flagged, labelled with the true source, one alert, inert', async () => {
    // Prepare: the volume is created with forged clonewarden: tags, as a developer may.
    const snapshotId = await quarantinedSnapshot();
    await ec2.send(new CreateTagsCommand({ Resources: [snapshotId], Tags: asTags(FORGED) }));
    const { VolumeId } = await ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: `${REGION}a`,
        SnapshotId: snapshotId,
        TagSpecifications: [
          { ResourceType: 'volume', Tags: asTags({ ...FORGED, 'clonewarden:status': 'exempt' }) },
        ],
      }),
    );
    const record = records.createVolume({
      caller: { ...developer, session: HOSTILE_PRINCIPAL_TEXT },
      region: REGION,
      snapshotId,
      volumeId: VolumeId!,
      zone: `${REGION}a`,
    });

    // Act
    const delivery = await deliver(eventBridgeEnvelope(record));

    // Assess
    expectHandled(delivery, 'forged restore');
    expect(delivery.verdict?.status).toBe('violation');
    expect(delivery.verdict?.violations.map((v) => v.rule)).toContain('restore-only-good-clones');
    const { Volumes } = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }));
    expect(tagsOf(Volumes![0]!.Tags)).toMatchObject({
      'clonewarden:restored-from': snapshotId,
      'clonewarden:status': 'violation',
    });
    expectSafeAlerts('forged restore');
  });
});

describe('Hostile input: user text in alerts', () => {
  it.each<[string, (record: Record<string, unknown>) => void]>([
    [
      'hostile tag keys and values in tagSpecificationSet',
      (r) =>
        Object.assign(r.requestParameters as object, {
          tagSpecificationSet: {
            items: [
              {
                resourceType: 'snapshot',
                tags: [
                  { key: 'Owner', value: HOSTILE_TEXT },
                  { key: `Note${HOSTILE_TEXT.slice(0, 100)}`, value: 'x' },
                ],
              },
            ],
          },
        }),
    ],
    [
      'a hostile session name',
      (r) => {
        const identity = r.userIdentity as Record<string, unknown>;
        identity.arn = `arn:aws:sts::${EMULATOR_ACCOUNT}:assumed-role/Developer/${HOSTILE_PRINCIPAL_TEXT}`;
        identity.principalId = `AROAEXAMPLE:${HOSTILE_PRINCIPAL_TEXT}`;
      },
    ],
    [
      'a hostile description',
      (r) => Object.assign(r.requestParameters as object, { description: HOSTILE_TEXT }),
    ],
    ['a hostile user agent of 100 KB', (r) => (r.userAgent = `${HOSTILE_TEXT} ${'y'.repeat(100_000)}`)],
    ['a hostile event id', (r) => (r.eventID = `id-${HOSTILE_TEXT.slice(0, 200)}`)],
  ])('%s: the alert carries it sanitised, bounded and inert', async (name, mutate) => {
    // Prepare: a fresh snapshot by a developer, so that it is quarantined and alerted.
    const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
    const record = records.createSnapshot({
      caller: developer,
      region: REGION,
      volumeId,
      snapshotId: SnapshotId!,
    });
    mutate(record);

    // Act
    const delivery = await deliver(eventBridgeEnvelope(record));

    // Assess
    expectHandled(delivery, name);
    expect(delivery.verdict?.status, name).toBe('quarantined');
    expectSafeAlerts(name);
  });

  it('records the corpus figures', () => {
    // Assess: the corpus is at least 200 inputs, and every one was accounted for.
    expect(stats.inputs).toBeGreaterThanOrEqual(200);
    expect(stats.rejected + stats.skipped + stats.enforced + stats.loudFailures).toBe(stats.inputs);
    recordFigures('hostileInput', {
      command: 'npx vitest run --project integration test/integration/hostile-input.test.ts',
      ...stats,
    });
  });
});
