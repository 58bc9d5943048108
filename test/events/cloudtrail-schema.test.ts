import { describe, expect, it } from 'vitest';
import {
  CloudTrailRecordSchema,
  EventBridgeCloudTrailSchema,
  EventTimeSchema,
  MAX_TEXT_LENGTH,
} from '../../shared/events/cloudtrail-schema.js';
import { ENVELOPE_FIXTURES, inEnvelope, loadFixture, RECORD_FIXTURES } from './fixtures.js';

function issuePaths(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }): string[] {
  return (result.error?.issues ?? []).map((issue) => issue.path.join('.'));
}

describe('Schema: CloudTrailRecord', () => {
  it.each(RECORD_FIXTURES)('parses the %s fixture', (name) => {
    // Prepare
    const record = loadFixture(name);

    // Act
    const parsed = CloudTrailRecordSchema.parse(record);

    // Assess
    expect(parsed.eventID).toBe(record.eventID);
    expect(parsed.eventName).toBe(record.eventName);
    expect(parsed.recipientAccountId).toBe(record.recipientAccountId);
  });

  it('keeps fields it does not know (loose)', () => {
    // Prepare
    const record = loadFixture('create-image-sso-noreboot-tagged');

    // Act
    const parsed = CloudTrailRecordSchema.parse(record);

    // Assess
    expect(parsed.tlsDetails).toEqual(record.tlsDetails);
    expect(parsed.userIdentity?.accessKeyId).toBe('ASIAFIXTUREKEY000022');
  });

  it('normalises the "YYYY-MM-DD hh:mm:ss" eventTime to ISO 8601', () => {
    // Prepare
    const record = loadFixture('create-image-assumed-role');

    // Act
    const parsed = CloudTrailRecordSchema.parse(record);

    // Assess
    expect(record.eventTime).toBe('2025-11-04 09:12:44');
    expect(parsed.eventTime).toBe('2025-11-04T09:12:44Z');
  });

  it.each([
    ['2026-03-25T16:30:25Z', '2026-03-25T16:30:25Z'],
    ['2026-03-25 16:30:25', '2026-03-25T16:30:25Z'],
    ['2026-03-25T16:30:25.250Z', '2026-03-25T16:30:25.250Z'],
    ['2026-03-25T18:30:25+02:00', '2026-03-25T16:30:25Z'],
    ['2026-03-25T16:30:25', '2026-03-25T16:30:25Z'],
  ])('reads eventTime %s as %s', (input, expected) => {
    // Act
    const result = EventTimeSchema.parse(input);

    // Assess
    expect(result).toBe(expected);
  });

  it.each(['yesterday', '2026-02-30 10:00:00', '2026-03-25', '2026-13-01T00:00:00Z', '1774456225', ''])(
    'rejects eventTime %j',
    (input) => {
      // Act
      const result = EventTimeSchema.safeParse(input);

      // Assess
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/expected an ISO 8601 time/);
    },
  );

  it('accepts null requestParameters and responseElements, as CloudTrail logs them for some calls', () => {
    // Prepare
    const record = loadFixture('create-snapshot-iam-user');
    record.requestParameters = null;
    record.responseElements = null;

    // Act
    const result = CloudTrailRecordSchema.safeParse(record);

    // Assess
    expect(result.success).toBe(true);
  });

  it.each([
    ['eventID', (r: Record<string, unknown>) => delete r.eventID, 'eventID'],
    ['eventName', (r: Record<string, unknown>) => (r.eventName = 42), 'eventName'],
    ['awsRegion', (r: Record<string, unknown>) => (r.awsRegion = 'Not A Region'), 'awsRegion'],
    [
      'userIdentity.arn',
      (r: { userIdentity: { arn: unknown } }) => (r.userIdentity.arn = 7),
      'userIdentity.arn',
    ],
    [
      'requestParameters',
      (r: Record<string, unknown>) => (r.requestParameters = 'volumeId=vol-1'),
      'requestParameters',
    ],
  ])('rejects a wrong %s with its path', (_field, mutate, path) => {
    // Prepare
    const record = loadFixture('create-snapshot-iam-user');
    mutate(record);

    // Act
    const result = CloudTrailRecordSchema.safeParse(record);

    // Assess
    expect(result.success).toBe(false);
    expect(issuePaths(result)).toContain(path);
  });

  it.each([
    ['eventName', 129, /at most 128 characters/],
    ['eventID', 257, /at most 256 characters/],
    ['recipientAccountId', 100_000, /at most 256 characters/],
    ['sourceIPAddress', MAX_TEXT_LENGTH + 1, /at most 4096 characters/],
  ])('rejects a %s of %i characters with a clear message', (field, length, message) => {
    // Prepare
    const record = loadFixture('create-snapshot-iam-user');
    record[field] = 'x'.repeat(length);

    // Act
    const result = CloudTrailRecordSchema.safeParse(record);

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: [field], message: expect.stringMatching(message) }),
    ]);
  });

  it('cuts a caller-chosen userAgent to 4096 characters instead of rejecting the record', () => {
    // Prepare
    const record = loadFixture('create-image-sso-noreboot-tagged');
    record.userAgent = 'A'.repeat(100_000);

    // Act
    const parsed = CloudTrailRecordSchema.parse(record);

    // Assess
    expect(parsed.userAgent).toHaveLength(MAX_TEXT_LENGTH);
  });
});

describe('Schema: EventBridgeCloudTrail', () => {
  it.each(ENVELOPE_FIXTURES)('parses the %s fixture', (name) => {
    // Prepare
    const envelope = loadFixture(name);

    // Act
    const parsed = EventBridgeCloudTrailSchema.parse(envelope);

    // Assess
    expect(parsed['detail-type']).toBe('AWS API Call via CloudTrail');
    expect(parsed.source).toBe('aws.ec2');
    expect(parsed.detail.eventID).toBe(envelope.detail.eventID);
  });

  it.each([
    ['detail-type', 'EC2 Instance State-change Notification'],
    ['source', 'aws.s3'],
  ])('rejects an envelope whose %s is %s', (field, value) => {
    // Prepare
    const envelope = inEnvelope(loadFixture('create-snapshot-iam-user'));
    envelope[field] = value;

    // Act
    const result = EventBridgeCloudTrailSchema.safeParse(envelope);

    // Assess
    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual([field]);
  });

  it('reports problems inside the record under detail.', () => {
    // Prepare
    const envelope = loadFixture('eventbridge-create-snapshot');
    envelope.detail.eventTime = 'not a time';

    // Act
    const result = EventBridgeCloudTrailSchema.safeParse(envelope);

    // Assess
    expect(issuePaths(result)).toEqual(['detail.eventTime']);
  });
});
