import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALERT_SCHEMA,
  type AlertDocument,
  type AlertOptions,
  buildAlert,
} from '../../shared/actions/alert-message.js';
import {
  aPrincipal,
  aQuarantineAction,
  aQuarantinedVerdict,
  aTagAction,
  aVerdict,
  aViolation,
  DOCS_ALERT_OPTIONS,
  IMAGE_ID,
  TOPIC_ARN,
} from '../support/verdict.js';

const OPTIONS: AlertOptions = { topicArn: TOPIC_ARN, dryRun: false };
const PROTOCOLS = ['default', 'email', 'sqs', 'lambda', 'https', 'http'] as const;
type Variants = Record<(typeof PROTOCOLS)[number], string>;

const variantsOf = (message: string | undefined): Variants => JSON.parse(message ?? '{}') as Variants;
const documentOf = (message: string | undefined): AlertDocument =>
  JSON.parse(variantsOf(message).sqs) as AlertDocument;
const publishBytes = (input: ReturnType<typeof buildAlert>) =>
  Buffer.byteLength(input.Message ?? '') +
  Buffer.byteLength(input.Subject ?? '') +
  Buffer.byteLength(JSON.stringify(input.MessageAttributes));

/** A verdict whose every user-controlled field carries an attack. */
function aHostileVerdict() {
  const hostile = '<!channel> x\r\nBcc: evil@x `code` [click](http://evil) @here \u202Egnp';
  return aVerdict({
    reason: hostile,
    violations: [aViolation({ message: `tag Owner has value ${hostile}` })],
    actions: [aTagAction({ tags: { 'clonewarden:inherited-Name': hostile, [hostile]: 'value' } })],
    principal: aPrincipal({ display: `role/Dev (session ${hostile})`, sessionName: hostile }),
    unknowns: [{ rule: 'healthy-source', resource: IMAGE_ID, message: hostile }],
  });
}

describe('Alerts: buildAlert', () => {
  it('publishes to the topic with a per-protocol JSON message', () => {
    // Prepare
    const verdict = aVerdict();

    // Act
    const input = buildAlert(verdict, OPTIONS);

    // Assess
    expect(input.TopicArn).toBe(TOPIC_ARN);
    expect(input.MessageStructure).toBe('json');
    const variants = variantsOf(input.Message);
    expect(Object.keys(variants).sort()).toEqual([...PROTOCOLS].sort());
    for (const protocol of PROTOCOLS) expect(typeof variants[protocol]).toBe('string');
    for (const protocol of ['sqs', 'lambda', 'https', 'http'] as const) {
      expect(() => JSON.parse(variants[protocol])).not.toThrow();
    }
  });

  it('writes an inbox-readable subject', () => {
    // Prepare
    const verdict = aQuarantinedVerdict();

    // Act
    const input = buildAlert(verdict, OPTIONS);

    // Assess
    expect(input.Subject).toBe(
      'HIGH quarantined ami-0abc1234def567890 +1 CreateImage 111122223333/us-east-1 [clonewarden]',
    );
  });

  it('keeps the subject within 100 characters for long ids and many rules', () => {
    // Prepare
    const longId = `ami-${'0'.repeat(200)}`;
    const verdict = aVerdict({
      resources: [longId, ...Array.from({ length: 30 }, (_, index) => `snap-${index}`)],
      violations: Array.from({ length: 40 }, (_, index) =>
        aViolation({ rule: `rule-${index}-${'x'.repeat(50)}` }),
      ),
      eventName: `CreateImage${'X'.repeat(100)}`,
    });

    // Act
    const input = buildAlert(verdict, { ...OPTIONS, dryRun: true });

    // Assess
    expect(input.Subject?.length).toBeLessThanOrEqual(100);
    expect(input.Subject).toMatch(/^DRY RUN MEDIUM /);
    expect(input.Subject).toMatch(/^[\x21-\x7e][\x20-\x7e]*$/);
  });

  it.each(
    ['ap-southeast-5', 'us-gov-west-1', 'ap-northeast-1'].flatMap((region) =>
      [true, false].flatMap((dryRun) =>
        (['quarantined', 'violation'] as const).map((status) => ({ region, dryRun, status })),
      ),
    ),
  )(
    'fits every fact of the longest subject: $status in $region, dry-run $dryRun',
    ({ region, dryRun, status }) => {
      // Prepare: CreateSnapshots of 128 volumes, 17-hex ids, a 12-digit account, critical.
      const snapshots = Array.from({ length: 128 }, (_, i) => `snap-${i.toString(16).padStart(17, 'f')}`);
      const verdict = aVerdict({
        eventName: 'CreateSnapshots',
        account: '123456789012',
        region,
        status,
        resources: snapshots,
        violations: [aViolation({ severity: 'critical', resource: snapshots[0]! })],
      });

      // Act
      const input = buildAlert(verdict, { ...OPTIONS, dryRun });

      // Assess
      const subject = input.Subject ?? '';
      expect(subject.length).toBeLessThan(100);
      const word = status === 'quarantined' ? (dryRun ? 'quarantine' : 'quarantined') : 'violation';
      expect(subject).toMatch(
        new RegExp(
          `^${dryRun ? 'DRY RUN ' : ''}CRITICAL ${word} ${snapshots[0]} \\+127 CreateSnapshots 123456789012/${region}( \\[clonewarden\\])?$`,
        ),
      );
    },
  );

  it('marks a dry run in the subject, the text, the attributes and the JSON', () => {
    // Prepare
    const verdict = aQuarantinedVerdict({
      dryRun: true,
      actions: [aQuarantineAction({ done: false }), aTagAction({ done: false })],
    });

    // Act
    const input = buildAlert(verdict, OPTIONS);

    // Assess
    const variants = variantsOf(input.Message);
    expect(input.Subject).toMatch(/^DRY RUN HIGH quarantine /);
    expect(variants.email).toContain('DRY RUN: nothing was changed.');
    expect(variants.email).toContain('-> not done (dry run)');
    expect(variants.email).not.toMatch(/-> done/);
    expect(variants.email).toContain('Quarantine (dry run, not applied)');
    expect(input.MessageAttributes?.dryRun?.StringValue).toBe('true');
    expect(documentOf(input.Message).dryRun).toBe(true);
  });

  it('lists every violation of the event in one alert, with what, who, what was done and how to fix', () => {
    // Prepare
    const verdict = aQuarantinedVerdict();

    // Act
    const input = buildAlert(verdict, DOCS_ALERT_OPTIONS);

    // Assess
    const { email, default: text } = variantsOf(input.Message);
    expect(text).toBe(email);
    for (const violation of verdict.violations) {
      expect(email).toContain(`${violation.rule} on ${violation.resource}: ${violation.message}`);
    }
    expect(email).toContain('Principal:  role/Developer (session jane@example.com)');
    expect(email).toContain('ARN:        arn:aws:iam::111122223333:role/Developer');
    expect(email).toContain('quarantine image ami-0abc1234def567890 in us-east-1');
    expect(email).toContain('-> done');
    expect(email).toContain('clonewarden release ami-0abc1234def567890');
    expect(email).toContain('Add the missing tags');
    expect(email).toContain('generation 3');
    expect(email).toContain('Event id:   3f9c1d2e-7a41-4b9e-9c55-0d8e2f6a1b23');
    expect(email).toContain('#ImageDetails:imageId=ami-0abc1234def567890');
  });

  it('reports a failed action as an error', () => {
    // Prepare
    const verdict = aVerdict({ actions: [aTagAction({ done: false, error: 'UnauthorizedOperation' })] });

    // Act
    const input = buildAlert(verdict, OPTIONS);

    // Assess
    expect(variantsOf(input.Message).email).toContain('-> ERROR: UnauthorizedOperation');
  });

  it('gives SQS, Lambda and HTTP(S) the verdict as JSON that round-trips', () => {
    // Prepare
    const verdict = aQuarantinedVerdict();

    // Act
    const input = buildAlert(verdict, OPTIONS);

    // Assess
    const variants = variantsOf(input.Message);
    const document = documentOf(input.Message);
    expect(variants.lambda).toBe(variants.sqs);
    expect(variants.https).toBe(variants.sqs);
    expect(variants.http).toBe(variants.sqs);
    expect(document.schema).toBe(ALERT_SCHEMA);
    expect(document.highestSeverity).toBe('high');
    expect(document.rules).toEqual(['who-may-clone', 'labels', 'clone-depth']);
    expect(document.truncated).toBeUndefined();
    expect(document.verdict).toEqual(verdict);
  });

  it('sets filterable message attributes with the right types and no empty values', () => {
    // Prepare
    const verdict = aQuarantinedVerdict({
      violations: [aViolation(), aViolation(), aViolation({ rule: 'clone-depth', severity: 'critical' })],
    });

    // Act
    const input = buildAlert(verdict, { ...OPTIONS, policyName: 'prod' });

    // Assess
    const attributes = input.MessageAttributes ?? {};
    expect(attributes.severity).toEqual({ DataType: 'String', StringValue: 'critical' });
    expect(attributes.rules).toEqual({ DataType: 'String.Array', StringValue: '["labels","clone-depth"]' });
    expect(attributes.eventName).toEqual({ DataType: 'String', StringValue: 'CreateImage' });
    expect(attributes.account).toEqual({ DataType: 'String', StringValue: '111122223333' });
    expect(attributes.region).toEqual({ DataType: 'String', StringValue: 'us-east-1' });
    expect(attributes.status).toEqual({ DataType: 'String', StringValue: 'quarantined' });
    expect(attributes.dryRun).toEqual({ DataType: 'String', StringValue: 'false' });
    expect(attributes.policy).toEqual({ DataType: 'String', StringValue: 'prod' });
    expect(attributes.eventId).toEqual({ DataType: 'String', StringValue: verdict.eventId });
    expect(Object.keys(attributes).length).toBeLessThanOrEqual(10);
  });

  it('never sends an empty attribute value', () => {
    // Prepare
    const verdict = aVerdict({ eventName: '', account: '\u200B', region: '\r\n', violations: [] });

    // Act
    const input = buildAlert(verdict, { ...OPTIONS, policyName: '' });

    // Assess
    const attributes = input.MessageAttributes ?? {};
    for (const value of Object.values(attributes)) expect(value.StringValue).not.toBe('');
    expect(attributes.severity?.StringValue).toBe('none');
    expect(attributes.rules?.StringValue).toBe('[]');
    expect(attributes.account?.StringValue).toBe('unknown');
    expect(attributes.policy).toBeUndefined();
  });

  it('sanitises hostile tag values, names and session names in the JSON variant', () => {
    // Prepare
    const verdict = aHostileVerdict();

    // Act
    const input = buildAlert(verdict, { ...OPTIONS, chatbot: false });

    // Assess
    const variants = variantsOf(input.Message);
    const jsonStrings: string[] = [];
    JSON.parse(variants.sqs, (_key, value) => {
      if (typeof value === 'string') jsonStrings.push(value);
      return value;
    });
    const texts = [...jsonStrings, ...Object.keys(documentOf(input.Message).verdict.actions[0] ?? {})];
    for (const text of texts) {
      expect(text).not.toMatch(/<!|<@|\u202E|`|\[click\]|http:\/\/evil|(^|\s)@here/);
    }
    expect(jsonStrings.some((text) => text.includes('\n'))).toBe(false);
    expect(input.Subject).not.toMatch(/[\r\n]/);
  });

  it('shows hostile text in the plain-text e-mail as it was, minus what can do harm', () => {
    // Prepare
    const verdict = aHostileVerdict();

    // Act
    const input = buildAlert(verdict, OPTIONS);

    // Assess: no forged lines, no bidi or control characters, no live link; the rest exact.
    const { email, default: text } = variantsOf(input.Message);
    expect(text).toBe(email);
    expect(email).not.toMatch(/\r|\u202E|http:\/\/evil/);
    expect(email.split('\n').every((line) => !line.startsWith('Bcc'))).toBe(true);
    expect(email).toContain('Reason:     <!channel> x Bcc: evil@x `code` [click](hxxp://evil) @here gnp');
    expect(email).toContain('Session:    <!channel> x Bcc: evil@x');
  });

  it('shows every ARN and id in the e-mail exactly as the JSON verdict has it, byte for byte', () => {
    // Prepare: valid identifiers that look hostile to a markup sanitiser (IAM names allow
    // `_+=,.@-`; `*` is not valid in a session name but shows that nothing is rewritten).
    const role =
      'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Platform_Admin_0a1b2c3d4e5f6789';
    const session = 'jane.doe+ops=1,team@example.com';
    const caller = `arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Platform_Admin_0a1b2c3d4e5f6789/${session}`;
    const ids = ['ami-0abc1234def567890', 'snap-0123456789abcdef0'];
    const verdict = aQuarantinedVerdict({
      resources: ids,
      principal: aPrincipal({
        arn: role,
        callerArn: caller,
        sessionName: `${session}*_x_`,
        display: `role/AWSReservedSSO_Platform_Admin_0a1b2c3d4e5f6789 (session ${session})`,
      }),
      violations: [
        aViolation({ rule: 'who_may_clone', message: `${role} may not call CreateImage`, resource: ids[0]! }),
      ],
    });

    // Act
    const input = buildAlert(verdict, DOCS_ALERT_OPTIONS);

    // Assess
    const { email } = variantsOf(input.Message);
    const json = documentOf(input.Message).verdict;
    const exact = [
      json.principal?.arn,
      json.principal?.callerArn,
      json.principal?.sessionName,
      json.eventId,
      json.violations[0]?.rule,
      ...json.resources,
      ...json.actions.map((action) => action.target),
    ];
    for (const value of exact) {
      expect(value).toBeDefined();
      expect(Buffer.from(email).includes(Buffer.from(value!))).toBe(true);
    }
    expect(json.principal?.arn).toBe(role);
    expect(json.principal?.callerArn).toBe(caller);
    const arnsInEmail = email.match(/arn:aws[^\s;)]*/g) ?? [];
    expect(arnsInEmail.length).toBeGreaterThan(3);
    for (const arn of arnsInEmail) expect([role, caller, TOPIC_ARN]).toContain(arn);
    expect(email).toContain(`Session:    ${session}*_x_`);
  });

  it('keeps AWS identifiers exact in the JSON variant', () => {
    // Prepare
    const verdict = aVerdict({
      principal: aPrincipal({ arn: 'arn:aws:iam::111122223333:role/Platform_Admin+ci=1,x.y@z-w' }),
    });

    // Act
    const input = buildAlert(verdict, OPTIONS);

    // Assess
    expect(documentOf(input.Message).verdict.principal?.arn).toBe(
      'arn:aws:iam::111122223333:role/Platform_Admin+ci=1,x.y@z-w',
    );
  });

  it('cannot pollute a prototype through a tag key', () => {
    // Prepare
    const tags = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": "x"}') as Record<
      string,
      string
    >;
    const verdict = aVerdict({ actions: [aTagAction({ tags })] });

    // Act
    const input = buildAlert(verdict, OPTIONS);

    // Assess
    const action = documentOf(input.Message).verdict.actions[0];
    expect(action?.type === 'tag' && Object.keys(action.tags)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps 1000 violations under the 256 KB SNS limit and says what was cut', () => {
    // Prepare
    const violations = Array.from({ length: 1000 }, (_, index) =>
      aViolation({
        rule: `rule-${index % 7}`,
        resource: `snap-${index}`,
        message: `problem ${index} ${'é'.repeat(150)}`,
      }),
    );
    const verdict = aVerdict({
      violations,
      actions: violations.map((v) => aTagAction({ target: v.resource })),
    });

    // Act
    const input = buildAlert(verdict, OPTIONS);

    // Assess
    expect(publishBytes(input)).toBeLessThan(256 * 1024);
    const { email } = variantsOf(input.Message);
    expect(email).toContain('WHICH RULES FAILED (1000)');
    expect(email).toContain('... and 950 more (not listed)');
    const document = documentOf(input.Message);
    expect(document.truncated?.violations?.total).toBe(1000);
    expect(document.verdict.violations.length).toBe(document.truncated?.violations?.shown);
    expect(document.rules).toHaveLength(7);
  });

  // It builds 5000 distinct 50 KB resource ids (250 MB of strings) on purpose: under a loaded
  // `npm test` that alone took 9 s, past vitest's 5 s default. The timeout bounds a hang only.
  it('keeps even absurd verdicts under the limit', { timeout: 60_000 }, () => {
    // Prepare
    const huge = 'x'.repeat(50_000);
    const verdict = aVerdict({
      resources: Array.from({ length: 5000 }, (_, index) => `${huge}${index}`),
      violations: Array.from({ length: 5000 }, () => aViolation({ message: huge, rule: huge })),
      unknowns: Array.from({ length: 5000 }, () => ({ rule: huge, resource: huge, message: huge })),
    });

    // Act
    const input = buildAlert(verdict, OPTIONS);

    // Assess
    expect(publishBytes(input)).toBeLessThan(256 * 1024);
  });

  it('sends an AWS Chatbot custom notification over HTTPS when asked', () => {
    // Prepare
    const verdict = aQuarantinedVerdict();

    // Act
    const input = buildAlert(verdict, { ...OPTIONS, chatbot: true });

    // Assess
    const variants = variantsOf(input.Message);
    const chatbot = JSON.parse(variants.https) as {
      version: string;
      source: string;
      content: { textType: string };
    };
    expect(chatbot).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown' },
    });
    expect(documentOf(input.Message).schema).toBe(ALERT_SCHEMA);
    expect(JSON.parse(variants.http)).toEqual(JSON.parse(variants.sqs));
  });

  it('sanitises hostile text in the Chatbot notification', () => {
    // Prepare
    const verdict = aHostileVerdict();

    // Act
    const input = buildAlert(verdict, { ...OPTIONS, chatbot: true });

    // Assess
    const strings: string[] = [];
    JSON.parse(variantsOf(input.Message).https, (_key, value) => {
      if (typeof value === 'string') strings.push(value);
      return value;
    });
    expect(strings.join(' ')).toContain('‹!channel›');
    for (const text of strings) expect(text).not.toMatch(/<!|\u202E|\[click\]|http:\/\/evil|(^|\s)@here|\r/);
  });

  it('shows the e-mail text that docs/alerts.md documents', () => {
    // Prepare
    const docs = readFileSync(new URL('../../docs/alerts.md', import.meta.url), 'utf8');
    const example = /<!-- example-email:start -->\n```text\n([\s\S]*?)\n```\n<!-- example-email:end -->/.exec(
      docs,
    );

    // Act
    const input = buildAlert(aQuarantinedVerdict(), DOCS_ALERT_OPTIONS);

    // Assess
    expect(example?.[1]).toBe(`Subject: ${input.Subject}\n\n${variantsOf(input.Message).email}`);
  });

  it("shows in the README's shortened example only lines the code writes (… marks a cut)", () => {
    // Prepare
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = /## An example alert[\s\S]*?```text\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? '';
    const input = buildAlert(aQuarantinedVerdict(), DOCS_ALERT_OPTIONS);
    const written = `Subject: ${input.Subject}\n\n${variantsOf(input.Message).email}`.split('\n');

    // Act: each README line, with its cuts as wildcards, against the lines the code writes.
    const untrue = example
      .split('\n')
      .filter((line) => line.trim() !== '')
      .filter((line) => {
        const pattern = line
          .split('…')
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*');
        return !written.some((code) => new RegExp(`^${pattern}$`).test(code));
      });

    // Assess
    expect(example.split('\n').length).toBeGreaterThan(10);
    expect(untrue).toEqual([]);
  });
});

describe('Alerts: the source labels a rule judged by', () => {
  it('shows them in the text and the JSON, exact, with a hostile value cleaned in the text', () => {
    // Prepare
    const verdict = aVerdict({
      violations: [aViolation({ rule: 'approved-workloads', ruleType: 'allowed-sources' })],
      sourceLabels: { DataClass: 'secret', Team: 'web\r\nBcc: evil@x' },
    });

    // Act
    const input = buildAlert(verdict, OPTIONS);

    // Assess
    const text = variantsOf(input.Message).email;
    expect(text).toContain('Source labels: DataClass=secret, Team=web');
    expect(text).not.toContain('\r\nBcc:');
    expect(documentOf(input.Message).verdict.sourceLabels?.DataClass).toBe('secret');
    expect(text).toContain('approved-workloads: The source may not be cloned under this policy');
  });

  it('names CopyImage/CopySnapshot with Encrypted=true in the fix of a required-encryption violation', () => {
    // Prepare
    const verdict = aVerdict({
      violations: [aViolation({ rule: 'encrypted-clones', ruleType: 'required-encryption' })],
    });

    // Act
    const text = variantsOf(buildAlert(verdict, OPTIONS).Message).email;

    // Assess
    expect(text).toContain(
      'encrypted-clones: Make an encrypted copy: CopyImage or CopySnapshot with Encrypted=true',
    );
  });
});
