import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import {
  buildSnsPublish,
  fitSubject,
  publishBytes,
  SHRINK_LEVELS,
  type ShrinkLevel,
  SNS_PUBLISH_MAX_BYTES,
  stringAttribute,
} from '../../shared/actions/sns-publish.js';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:clonewarden-alerts';
const PROTOCOLS = ['default', 'email', 'sqs', 'lambda', 'https', 'http'];

/** Content whose size a test controls: `items` JSON entries of `bytes` each, cut by the level. */
const sized = (items: number, bytes: number) => (level: ShrinkLevel) => ({
  text: `text with ${Math.min(items, level.textItems)} items`,
  document: { items: Array.from({ length: Math.min(items, level.listItems) }, () => 'x'.repeat(bytes)) },
});

describe('SNS publish: buildSnsPublish', () => {
  it('sends each protocol its variant under MessageStructure json', () => {
    // Act
    const input = buildSnsPublish({
      topicArn: TOPIC,
      subject: 'HIGH violation ami-1',
      attributes: { severity: stringAttribute('high') },
      content: () => ({ text: 'plain', document: { a: 1 } }),
    });

    // Assess
    const message = JSON.parse(input.Message ?? '{}') as Record<string, string>;
    expect(input).toMatchObject({
      TopicArn: TOPIC,
      MessageStructure: 'json',
      Subject: 'HIGH violation ami-1',
    });
    expect(Object.keys(message).sort()).toEqual([...PROTOCOLS].sort());
    expect(message.email).toBe('plain');
    expect(message.default).toBe('plain');
    for (const key of ['sqs', 'lambda', 'https', 'http']) expect(JSON.parse(message[key]!)).toEqual({ a: 1 });
  });

  it('gives the https key the chat notification when there is one', () => {
    // Act
    const input = buildSnsPublish({
      topicArn: TOPIC,
      subject: '',
      attributes: {},
      content: () => ({ text: 't', document: { a: 1 }, chat: { version: '1.0' } }),
    });

    // Assess
    const message = JSON.parse(input.Message ?? '{}') as Record<string, string>;
    expect(JSON.parse(message.https!)).toEqual({ version: '1.0' });
    expect(JSON.parse(message.http!)).toEqual({ a: 1 });
    expect(input.Subject).toBeUndefined();
  });

  it('keeps the fullest level when it fits', () => {
    // Act
    const input = buildSnsPublish({
      topicArn: TOPIC,
      subject: 's',
      attributes: {},
      content: sized(300, 100),
    });

    // Assess
    const message = JSON.parse(input.Message ?? '{}') as Record<string, string>;
    expect((JSON.parse(message.sqs!) as { items: string[] }).items).toHaveLength(300);
  });

  it('shrinks until message, subject and attributes together fit 262,144 bytes', () => {
    // Prepare: 200 items of 300 bytes fit once (60 KB) but not four times over.
    const attributes = { big: { DataType: 'String', StringValue: 'a'.repeat(10_000) } };

    // Act
    const input = buildSnsPublish({ topicArn: TOPIC, subject: 's', attributes, content: sized(400, 300) });

    // Assess
    expect(publishBytes(input)).toBeLessThanOrEqual(SNS_PUBLISH_MAX_BYTES);
    const message = JSON.parse(input.Message ?? '{}') as Record<string, string>;
    const shown = (JSON.parse(message.sqs!) as { items: string[] }).items.length;
    expect(SHRINK_LEVELS.map((level) => level.listItems)).toContain(shown);
    expect(shown).toBeLessThan(400);
  });

  it('counts attribute names, types and values, as SNS does', () => {
    // Prepare
    const input: PublishCommandInput = {
      TopicArn: TOPIC,
      Message: 'é',
      Subject: 'ab',
      MessageAttributes: { name: { DataType: 'String', StringValue: 'value' } },
    };

    // Act
    const bytes = publishBytes(input);

    // Assess: 2 (é in UTF-8) + 2 + 4 + 6 + 5
    expect(bytes).toBe(19);
  });
});

describe('SNS publish: fitSubject', () => {
  it('adds the optional parts and the [clonewarden] tag while they fit', () => {
    // Act
    const subject = fitSubject(['HIGH', 'violation', 'ami-1'], ['(~$1.00/month)']);

    // Assess
    expect(subject).toBe('HIGH violation ami-1 (~$1.00/month) [clonewarden]');
  });

  it('leaves out what does not fit and keeps every fact', () => {
    // Prepare
    const facts = ['DRY RUN', 'x'.repeat(80)];

    // Act
    const subject = fitSubject(facts, ['(~$1.00/month)']);

    // Assess
    expect(subject).toBe(`DRY RUN ${'x'.repeat(80)}`);
  });

  it('cuts only absurd facts, at the end, within 99 characters', () => {
    // Act
    const subject = fitSubject(['DRY RUN', 'y'.repeat(300)]);

    // Assess
    expect(subject.length).toBeLessThanOrEqual(99);
    expect(subject).toMatch(/^DRY RUN y+\.\.\.$/);
  });
});

describe('SNS publish: stringAttribute', () => {
  it('never sends an empty value', () => {
    // Act & Assess
    expect(stringAttribute('\u200b')).toEqual({ DataType: 'String', StringValue: 'unknown' });
    expect(stringAttribute('us-east-1')).toEqual({ DataType: 'String', StringValue: 'us-east-1' });
  });
});
