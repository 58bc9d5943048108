import { describe, expect, it } from 'vitest';
import { csvCell } from '../../../shared/audit/report/audit-csv.js';
import { cspHash, jsonForScriptElement } from '../../../shared/audit/report/html-text.js';
import {
  AuditReportSchema,
  buildAuditReport,
  renderAuditCsv,
  renderAuditHtml,
  renderAuditJson,
} from '../../../shared/audit/report/index.js';
import { REPORT_PAGE_SCRIPT } from '../../../shared/audit/report/report-page-script.js';
import { REPORT_PAGE_STYLE } from '../../../shared/audit/report/report-page-style.js';
import { FORMULA_OWNER, HOSTILE_NAME, HOSTILE_OWNER, NOW, POLICY, SEEDED_ESTATE } from './seeded-estate.js';

const report = buildAuditReport(SEEDED_ESTATE, POLICY, NOW);

describe('Format: JSON', () => {
  it('parses back into the schema, with its version', () => {
    const parsed = AuditReportSchema.parse(JSON.parse(renderAuditJson(report)));
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.trees.flatMap((tree) => tree.edges).length).toBeGreaterThan(0);
  });
});

describe('Format: CSV', () => {
  it('quotes per RFC 4180', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(12.5)).toBe('12.5');
  });

  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])(
    'neutralises a formula-looking cell: %j',
    (value) => {
      expect(csvCell(value).replace(/^"/, '').startsWith("'")).toBe(true);
    },
  );

  it('has one row per clone and a neutralised hostile owner', () => {
    const csv = renderAuditCsv(report);
    const lines = csv.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(1 + SEEDED_ESTATE.length + 1);
    expect(lines[0]!.startsWith('id,kind,account,region,name,owner,')).toBe(true);
    expect(csv).toContain(`"'${FORMULA_OWNER.replaceAll('"', '""')}"`);
  });
});

describe('Format: HTML', async () => {
  const html = await renderAuditHtml(report);

  it('escapes every hostile tag value', () => {
    expect(html).not.toContain(HOSTILE_NAME);
    expect(html).not.toContain(HOSTILE_OWNER);
    expect(html).not.toMatch(/<img/i);
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;');
  });

  it('forbids the network in its CSP and admits its one script and style by hash', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src ${cspHash(REPORT_PAGE_SCRIPT)}`);
    expect(csp).toContain(`style-src ${cspHash(REPORT_PAGE_STYLE)}`);
    expect(html).toContain(`<script>${REPORT_PAGE_SCRIPT}</script>`);
    expect(html).toContain(`<style>${REPORT_PAGE_STYLE}</style>`);
  });

  it('links to nothing and loads nothing', () => {
    // The data block is JSON text (its hostile strings are checked above), not markup.
    const markup = html.replace(/<script type="application\/json"[\s\S]*?<\/script>/, '');
    expect(markup).not.toMatch(/<[a-z][^>]*\s(src|href|xlink:href|action|formaction)\s*=/i);
    expect(markup).not.toMatch(/url\(/i);
    expect(markup).not.toMatch(/<[a-z][^>]*\sstyle\s*=/i);
  });

  it('keeps JSON inside its script element', () => {
    expect(jsonForScriptElement({ a: '</script><!--&' })).toBe(
      '{"a":"\\u003c/script\\u003e\\u003c!--\\u0026"}',
    );
  });
});
