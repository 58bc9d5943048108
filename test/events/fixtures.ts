import { readFileSync } from 'node:fs';

/** Fixture JSON, typed loosely so that a test can reach into and mutate any field. */
// biome-ignore lint/suspicious/noExplicitAny: tests mutate arbitrary fields of recorded events.
export type Json = any;

const parsed = new Map<string, unknown>();

/** A fresh `structuredClone` of `test/fixtures/events/<name>.json`: each test mutates its own copy. */
export function loadFixture(name: string): Json {
  if (!parsed.has(name)) {
    const url = new URL(`../fixtures/events/${name}.json`, import.meta.url);
    parsed.set(name, JSON.parse(readFileSync(url, 'utf8')));
  }
  return structuredClone(parsed.get(name));
}

/** The bare-record fixtures, one per reference shape. */
export const RECORD_FIXTURES = [
  'create-image-assumed-role',
  'create-image-sso-noreboot-tagged',
  'copy-image-cross-region',
  'create-snapshot-iam-user',
  'create-snapshots-flat',
  'create-snapshots-wrapped-object',
  'create-snapshots-wrapped-array',
  'copy-snapshot-cross-region',
  'register-image',
  'modify-image-attribute-failed',
] as const;

/** The EventBridge-envelope fixtures. */
export const ENVELOPE_FIXTURES = [
  'eventbridge-create-image-sso',
  'eventbridge-create-snapshot',
  'eventbridge-create-snapshots-wrapped',
] as const;

/** Wraps a bare record the way EventBridge delivers it. */
export function inEnvelope(record: Json): Json {
  return {
    version: '0',
    id: '0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: record.recipientAccountId,
    time: '2026-01-01T00:00:00Z',
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}
