import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUBJECT_MAX_LENGTH, sanitizeSubject, sanitizeUserText } from '../../shared/actions/sanitize-text.js';

/** Everything the sanitised text must never contain, whatever went in. */
const CONTROL = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u;
const MARKUP = /[<>&`*_~|[\]]/;

const codePoints = (text: string) => Array.from(text).length;

describe('Sanitize: sanitizeUserText', () => {
  it.each([
    {
      attack: 'CRLF header injection',
      input: 'x\r\nBcc: victim@example.com\r\n\r\nbody',
      expected: 'x Bcc: victim@example.com body',
    },
    {
      attack: 'forged alert line',
      input: 'ok\n  Status: approved by security',
      expected: 'ok Status: approved by security',
    },
    {
      attack: 'Slack broadcast mention',
      input: '<!channel> please approve',
      expected: '‹!channel› please approve',
    },
    { attack: 'Slack user mention', input: 'ping <@U024BE7LH>', expected: 'ping ‹＠U024BE7LH›' },
    {
      attack: 'Slack link with label',
      input: '<http://evil.example|Open the console>',
      expected: '‹hxxp://evil.example¦Open the console›',
    },
    { attack: 'bare @here', input: '@here look', expected: '＠here look' },
    { attack: '@channel after a space', input: 'hey @channel', expected: 'hey ＠channel' },
    { attack: 'Markdown link', input: '[x](http://evil)', expected: '(x)(hxxp://evil)' },
    {
      attack: 'Markdown link over https',
      input: '[login](HTTPS://evil.example/a)',
      expected: '(login)(hxxps://evil.example/a)',
    },
    { attack: 'code span hiding text', input: '`rm -rf /`', expected: "'rm -rf /'" },
    {
      attack: 'emphasis and strike-through',
      input: '*APPROVED* _by_ ~nobody~ ||spoiler||',
      expected: '∗APPROVED∗ ˍbyˍ ∼nobody∼ ¦¦spoiler¦¦',
    },
    { attack: 'HTML entity', input: '&lt;b&gt;', expected: '＆lt;b＆gt;' },
    { attack: 'full-width markup folded by NFKC', input: '＜!here＞', expected: '‹!here›' },
    { attack: 'bidi override (Trojan Source)', input: 'admin\u202Egnp.exe', expected: 'admingnp.exe' },
    { attack: 'bidi isolates', input: '\u2066evil\u2069\u2067x\u2068', expected: 'evilx' },
    { attack: 'zero-width characters', input: 'ad\u200Bm\u200Ci\u200Dn\u2060\uFEFF', expected: 'admin' },
    { attack: 'Unicode tag characters (ASCII smuggling)', input: 'ok\u{E0049}\u{E0047}', expected: 'ok' },
    { attack: 'C1 controls and DEL', input: 'a\u0085b\u009Bc\u007Fd\u0000e', expected: 'a bcde' },
    { attack: 'line and paragraph separators', input: 'a\u2028b\u2029c', expected: 'a b c' },
    { attack: 'tabs and runs of whitespace', input: '  a\t\t b \u00A0\u3000 c  ', expected: 'a b c' },
    { attack: 'lone surrogate', input: 'a\uD800b\uDFFFc', expected: 'abc' },
  ])('neutralises $attack', ({ input, expected }) => {
    // Act
    const output = sanitizeUserText(input);

    // Assess
    expect(output).toBe(expected);
  });

  it.each([
    { text: 'an e-mail address', input: 'jane.doe+ci@example.com', expected: 'jane.doe+ci@example.com' },
    { text: 'an emoji', input: 'ship it 🚀', expected: 'ship it 🚀' },
    { text: 'a combining accent, composed by NFKC', input: 'Cafe\u0301', expected: 'Café' },
    {
      text: 'accented letters in other scripts',
      input: 'Ελληνικά 日本語 हिन्दी',
      expected: 'Ελληνικά 日本語 हिन्दी',
    },
    { text: 'an AWS id', input: 'ami-0abc1234def567890', expected: 'ami-0abc1234def567890' },
  ])('keeps $text readable', ({ input, expected }) => {
    // Act
    const output = sanitizeUserText(input);

    // Assess
    expect(output).toBe(expected);
  });

  it('cuts runs of combining marks ("Zalgo") to four', () => {
    // Prepare
    const zalgo = `Z${'\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307'.repeat(10)}algo`;

    // Act
    const output = sanitizeUserText(zalgo);

    // Assess
    expect(output).toMatch(/^Z\p{M}{4}algo$/u);
  });

  it('splits a ZWJ emoji sequence rather than keep an invisible joiner', () => {
    // Act
    const output = sanitizeUserText('👨\u200D👩\u200D👧');

    // Assess
    expect(output).toBe('👨👩👧');
  });

  it('caps a 100 KB string at maxLength code points plus an ellipsis', () => {
    // Prepare
    const huge = 'A'.repeat(100 * 1024);

    // Act
    const output = sanitizeUserText(huge, 50);

    // Assess
    expect(codePoints(output)).toBe(51);
    expect(output.endsWith('…')).toBe(true);
  });

  it('marks a huge input as cut even when little of it is visible', () => {
    // Prepare
    const mostlyInvisible = `${'\u200B'.repeat(100 * 1024)}visible`;

    // Act
    const output = sanitizeUserText(mostlyInvisible, 20);

    // Assess
    expect(output).toBe('…');
  });

  it('never splits an emoji when it cuts', () => {
    // Prepare
    const emoji = '😀'.repeat(10);

    // Act
    const output = sanitizeUserText(emoji, 3);

    // Assess
    expect(output).toBe('😀😀😀…');
  });

  it.each([
    { input: undefined, expected: '' },
    { input: null, expected: '' },
    { input: { toString: () => '<!channel>' }, expected: '' },
    { input: ['a'], expected: '' },
    { input: Symbol('x'), expected: '' },
    { input: 42, expected: '42' },
    { input: 10n, expected: '10' },
    { input: false, expected: 'false' },
  ])('turns the non-string $input into $expected', ({ input, expected }) => {
    // Act
    const output = sanitizeUserText(input);

    // Assess
    expect(output).toBe(expected);
  });

  it('treats a nonsense maxLength as the default or as zero', () => {
    // Act
    const nan = sanitizeUserText('x'.repeat(300), Number.NaN);
    const negative = sanitizeUserText('abc', -5);

    // Assess
    expect(codePoints(nan)).toBe(201);
    expect(negative).toBe('');
  });

  it('is idempotent on its own output', () => {
    // Prepare
    const once = sanitizeUserText('<!here> *x* @channel jane@example.com [a](http://b) `c` ＆');

    // Act
    const twice = sanitizeUserText(once);

    // Assess
    expect(twice).toBe(once);
  });

  // 500 generated strings × six checks: a fraction of a second on an idle core, but up to 20 s
  // measured on the 2-core test machine under a full `npm test` (load average 18). The timeout
  // bounds a hang, not the speed, which is not this test's business; the runs stay at 500 so
  // that the input space is covered as before.
  it('for any string, never throws and returns one clean line within the cap', { timeout: 60_000 }, () => {
    // Prepare
    const anyText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      fc.string({
        unit: fc.constantFrom('\r', '\n', '\u202E', '\u200B', '<', '@', '`', '*', ' ', 'a', '\u0301'),
        maxLength: 300,
      }),
    );

    // Act & Assess
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 300 }), (input, max) => {
        const output = sanitizeUserText(input, max);
        expect(output).not.toMatch(CONTROL);
        expect(output).not.toMatch(/[\r\n]/);
        expect(output).not.toMatch(MARKUP);
        expect(output).not.toMatch(/(^|\s)@/);
        expect(codePoints(output)).toBeLessThanOrEqual(max + 1);
        expect(output).toBe(output.trim());
      }),
      { numRuns: 500 },
    );
  });

  // Generated inputs, like the test above: the timeout bounds a hang on a loaded machine.
  it('for any value at all, never throws', { timeout: 60_000 }, () => {
    // Act & Assess
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(typeof sanitizeUserText(value)).toBe('string');
        expect(typeof sanitizeSubject(value)).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});

describe('Sanitize: sanitizeSubject', () => {
  it.each([
    {
      text: 'line breaks (header injection)',
      input: 'Alert\r\nBcc: victim@example.com',
      expected: 'Alert Bcc: victim@example.com',
    },
    { text: 'leading whitespace', input: ' \t  [clonewarden] HIGH', expected: '[clonewarden] HIGH' },
    { text: 'accents, transliterated', input: 'Ünïcödé façade', expected: 'Unicode facade' },
    { text: 'letters with an ASCII spelling', input: 'Straße Œuvre Łódź', expected: 'Strasse OEuvre Lodz' },
    { text: 'typographic punctuation', input: '“quoted” ‘x’ – … ‹a›', expected: '"quoted" \'x\' - ... ?a?' },
    { text: 'characters with no ASCII form', input: '日本 🚀', expected: '?? ?' },
    { text: 'bidi and zero-width characters', input: 'a\u202Eb\u200Bc', expected: 'abc' },
  ])('handles $text', ({ input, expected }) => {
    // Act
    const output = sanitizeSubject(input);

    // Assess
    expect(output).toBe(expected);
  });

  it(`cuts a long subject to ${SUBJECT_MAX_LENGTH} characters with "..."`, () => {
    // Prepare
    const long = `[clonewarden] ${'ami-0abc1234def567890 '.repeat(20)}`;

    // Act
    const output = sanitizeSubject(long);

    // Assess
    expect(output.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
    expect(output.endsWith('...')).toBe(true);
  });

  // Generated inputs: the timeout bounds a hang on a loaded machine (see sanitizeUserText's).
  it('for any string, returns printable ASCII that fits SNS', { timeout: 60_000 }, () => {
    // Act & Assess
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (input) => {
        const output = sanitizeSubject(input);
        expect(output).toMatch(/^(?:[\x21-\x7e][\x20-\x7e]*)?$/);
        expect(output.length).toBeLessThanOrEqual(100);
      }),
      { numRuns: 500 },
    );
  });
});
