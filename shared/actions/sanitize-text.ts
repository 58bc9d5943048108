/**
 * Makes user-controlled text (tag values, names, descriptions, session names, user agents, ids
 * taken from the event) safe to put into an alert that is read in a mail client, in Slack or
 * Teams through AWS Chatbot, or by a program.
 *
 * The threats, and what defeats each one:
 *
 * - **Line and header injection.** A CR/LF in a tag value could forge extra lines in the alert
 *   ("Status: approved") or, in a subject, extra mail headers. Every line break and tab becomes
 *   one space, and every other control character (C0, C1, DEL) is removed.
 * - **Invisible and reordering characters.** Zero-width characters, bidi overrides and isolates
 *   ("Trojan Source"), soft hyphens, Hangul fillers and Unicode tag characters ("ASCII
 *   smuggling") make text read differently from what it is. All Unicode *default ignorable*
 *   code points are removed. That also removes ZWJ and variation selectors, so an emoji
 *   sequence may fall apart into its parts: a fair price.
 * - **Look-alike forms.** NFKC folds full-width and compatibility forms (`＜`, `﹤`, `ｈｔｔｐ`)
 *   into their plain forms *before* the markup step, so they are neutralised too.
 * - **Chat and Markdown markup.** Slack mrkdwn has no backslash escapes, so escaping with `\`
 *   would not work there. Instead each markup character is replaced by a visually similar
 *   character that no formatter treats as syntax, so the text stays readable:
 *   `<` `>` → `‹` `›` (kills `<!channel>`, `<@U…>`, `<http://x|label>` links and HTML),
 *   `&` → `＆` (no entities), a backtick → `'` (no code spans that hide text),
 *   `*` → `∗`, `_` → `ˍ`, `~` → `∼`, `|` → `¦` (no bold, italics, strike-through, spoilers or
 *   table cells), `[` `]` → `(` `)` (no Markdown links). An `@` that starts a word becomes `＠`,
 *   which defuses `@here`, `@channel` and `@someone` while `jane@example.com` stays as it is.
 *   `http://`, `https://` and `ftp://` are defanged to `hxxp://`, `hxxps://` and `fxp://`, the
 *   usual convention in security alerts, so that chat and mail clients do not turn a hostile
 *   value into a clickable link.
 * - **Zalgo and size.** Runs of combining marks are cut to four, and the result is capped.
 *
 * This is for text that a formatter reads: chat payloads (AWS Chatbot) and the JSON variant
 * that programs may render. Plain-text e-mail needs none of the markup step and gets
 * {@link cleanPlainText}, which keeps identifiers exact.
 */

/** Combining marks allowed in a row: enough for every real script, too few for "Zalgo" text. */
const MAX_COMBINING_MARKS = 4;

/**
 * SNS: "Subjects must be … less than 100 characters long" (Publish, SNS API reference), hence 99.
 */
export const SUBJECT_MAX_LENGTH = 99;

const LINE_BREAKS_AND_SPACES =
  /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/gu;
/** Controls (C0, DEL, C1), format characters (bidi, zero-width, tags), lone surrogates, ignorables. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Default_Ignorable_Code_Point}]/gu;
const COMBINING_RUN = new RegExp(`(\\p{M}{${MAX_COMBINING_MARKS}})\\p{M}+`, 'gu');
/** An `@` that starts a word, i.e. a chat mention; an `@` inside an e-mail address is left alone. */
const MENTION = /(?<![\p{L}\p{N}._%+-])@/gu;
const URL_SCHEME = /\b(https?|ftp):\/\//giu;
const DEFANGED_SCHEME: Readonly<Record<string, string>> = { http: 'hxxp', https: 'hxxps', ftp: 'fxp' };

const MARKUP: Readonly<Record<string, string>> = {
  '<': '\u2039',
  '>': '\u203a',
  '&': '\uff06',
  '`': "'",
  '*': '\u2217',
  _: '\u02cd',
  '~': '\u223c',
  '|': '\u00a6',
  '[': '(',
  ']': ')',
};
const MARKUP_CHARS = /[<>&`*_~|[\]]/g;

/**
 * Makes user-controlled text safe and readable for an alert: one line, no controls, no
 * invisible or bidi characters, no chat/Markdown markup or mentions, at most `maxLength` code
 * points plus a trailing `…` when cut. Never throws.
 *
 * Strings are sanitised; numbers, booleans and bigints are converted with `String()`; anything
 * else (objects, `undefined`, `null`, symbols) gives `''`.
 *
 * @example
 * sanitizeUserText('ok\r\nStatus: approved <!channel>'); // 'ok Status: approved ‹!channel›'
 */
export function sanitizeUserText(value: unknown, maxLength = 200): string {
  const limit = normaliseLimit(maxLength, 200);
  const { text, cut } = precut(toText(value), limit);
  const clean = text
    .replace(INVISIBLE_BEFORE_NFKC, '')
    .normalize('NFKC')
    .replace(LINE_BREAKS_AND_SPACES, ' ')
    .replace(INVISIBLE, '')
    .replace(COMBINING_RUN, '$1')
    .replace(URL_SCHEME, (_match, scheme: string) => `${DEFANGED_SCHEME[scheme.toLowerCase()] ?? 'x'}://`)
    .replace(MARKUP_CHARS, (char) => MARKUP[char] ?? '')
    .replace(MENTION, '\uff20')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (!cut && !longerThan(clean, limit)) return clean;
  return limit === 0 ? '' : `${firstCodePoints(clean, limit).trimEnd()}\u2026`;
}

/**
 * Makes user-controlled text safe for a plain-text e-mail, and changes nothing else: one line
 * (line breaks and tabs become a space, so no forged lines or headers), no control, bidi,
 * zero-width or other invisible characters, runs of combining marks cut to four, URL schemes
 * defanged (`hxxps://`, so that mail clients do not make a hostile value a link), at most
 * `maxLength` code points plus `…`. Plain text has no markup to inject, so `_`, `*`, `<`, `@`
 * and the rest stay as they are: an ARN such as `…:role/AWSReservedSSO_Dev_0a1b…` reads and
 * copies exactly. Never throws.
 *
 * @example
 * cleanPlainText('AWSReservedSSO_Dev\r\nStatus: ok'); // 'AWSReservedSSO_Dev Status: ok'
 */
export function cleanPlainText(value: unknown, maxLength = 200): string {
  const limit = normaliseLimit(maxLength, 200);
  const { text, cut } = precut(toText(value), limit);
  const clean = text
    .replace(INVISIBLE_BEFORE_NFKC, '')
    .replace(LINE_BREAKS_AND_SPACES, ' ')
    .replace(INVISIBLE, '')
    .replace(COMBINING_RUN, '$1')
    .replace(URL_SCHEME, (_match, scheme: string) => `${DEFANGED_SCHEME[scheme.toLowerCase()] ?? 'x'}://`)
    .replace(/ {2,}/g, ' ')
    .trim();
  if (!cut && !longerThan(clean, limit)) return clean;
  return limit === 0 ? '' : `${firstCodePoints(clean, limit).trimEnd()}\u2026`;
}

/**
 * Lone surrogates are removed before NFKC: they cannot be encoded as UTF-8, and SNS replaces a
 * message that is not valid UTF-8 with an error text.
 */
const INVISIBLE_BEFORE_NFKC = /\p{Cs}/gu;

/** Characters with no ASCII decomposition that still have an obvious ASCII spelling. */
const TRANSLITERATION: Readonly<Record<string, string>> = {
  ß: 'ss',
  Æ: 'AE',
  æ: 'ae',
  Œ: 'OE',
  œ: 'oe',
  Ø: 'O',
  ø: 'o',
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  Þ: 'Th',
  þ: 'th',
  ı: 'i',
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u2032': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u2033': '"',
  '\u00ab': '"',
  '\u00bb': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u2022': '-',
  '\u00b7': '-',
  '\u2217': '*',
  '\u02cd': '_',
  '\u223c': '~',
  '\u00a6': '|',
};

/**
 * Makes a valid SNS `Subject`: printable ASCII only (accents dropped, a few letters and
 * punctuation transliterated, anything else `?`), one line, no leading whitespace, at most
 * {@link SUBJECT_MAX_LENGTH} characters (cut with `...`). Returns `''` when nothing is left,
 * in which case the caller should leave `Subject` out. Never throws.
 *
 * @example
 * sanitizeSubject('Ünïcode\r\nBcc: x@evil'); // 'Unicode Bcc: x@evil'
 */
export function sanitizeSubject(text: unknown): string {
  const { text: raw } = precut(toText(text), SUBJECT_MAX_LENGTH);
  const ascii = Array.from(
    raw
      .replace(INVISIBLE_BEFORE_NFKC, '')
      .normalize('NFKD')
      .replace(LINE_BREAKS_AND_SPACES, ' ')
      .replace(INVISIBLE, '')
      .replace(/\p{M}/gu, ''),
    (char) => (/^[\x20-\x7e]$/.test(char) ? char : (TRANSLITERATION[char] ?? '?')),
  )
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (ascii.length <= SUBJECT_MAX_LENGTH) return ascii;
  return `${ascii.slice(0, SUBJECT_MAX_LENGTH - 3).trimEnd()}...`;
}

function toText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return '';
  }
}

function normaliseLimit(maxLength: number, fallback: number): number {
  if (typeof maxLength !== 'number' || Number.isNaN(maxLength)) return fallback;
  return Math.max(0, Math.floor(maxLength));
}

/**
 * Cuts a huge input early so that normalising a megabyte cannot cost real time. NFKC and the
 * removals can shrink or grow text, so the cut keeps far more than the limit.
 */
function precut(text: string, limit: number): { text: string; cut: boolean } {
  const keep = Number.isFinite(limit) ? Math.max(1024, limit * 8) : Number.POSITIVE_INFINITY;
  if (text.length <= keep) return { text, cut: false };
  return { text: text.slice(0, keep), cut: true };
}

function longerThan(text: string, limit: number): boolean {
  if (text.length <= limit) return false;
  let count = 0;
  for (const _char of text) {
    count += 1;
    if (count > limit) return true;
  }
  return false;
}

/** The first `limit` code points, never splitting a surrogate pair. */
function firstCodePoints(text: string, limit: number): string {
  let count = 0;
  let index = 0;
  for (const char of text) {
    if (count === limit) break;
    count += 1;
    index += char.length;
  }
  return text.slice(0, index);
}
