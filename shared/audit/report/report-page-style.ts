import { STATUS_STYLE } from './status-style.js';

const statusRules = Object.entries(STATUS_STYLE)
  .map(
    ([status, style]) =>
      `.st-${status}{background:${style.fill};color:${style.line};border-color:${style.line}}`,
  )
  .join('\n');

/** The page's only stylesheet, inline (the CSP admits it by hash). No web fonts: offline. */
export const REPORT_PAGE_STYLE = `
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--accent:#0a4fa8}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;color:var(--ink);background:#fff}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:var(--bg)}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:24px 0 8px}
main{padding:0 24px 40px;max-width:1400px}
.muted{color:var(--muted)}
.totals{display:flex;gap:24px;flex-wrap:wrap;margin-top:8px}
.totals b{font-size:18px;display:block}
.cards{display:flex;gap:8px;flex-wrap:wrap}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:130px;background:#fff;font:inherit;text-align:left;cursor:pointer}
.card b{display:block;font-size:20px}
.card.hot{border-color:#a40e26;border-width:2px}
.card[aria-pressed=true]{outline:3px solid var(--accent)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px 24px}
.grid>div{min-width:0;overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600;position:sticky;top:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.mono{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px;white-space:nowrap}
.nowrap{white-space:nowrap}
td.text{overflow-wrap:anywhere;max-width:28ch}
.status{display:inline-block;border:1px solid;border-radius:10px;padding:0 8px;font-size:12px;white-space:nowrap;font-weight:600}
.flag{display:inline-block;border:1px solid #59636e;border-radius:3px;padding:0 4px;margin:0 2px 2px 0;font-size:11px;font-weight:600;color:#1f2328;background:#fff}
.flag-public-share,.flag-foreign-share,.flag-quarantined{border-color:#a40e26;color:#a40e26}
${statusRules}
.controls{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid var(--line);padding:10px 0;display:flex;gap:8px;flex-wrap:wrap;align-items:end}
.controls label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
.controls input,.controls select{font:inherit;padding:4px 6px;min-width:150px}
.controls input[type=search]{min-width:260px}
.controls output{margin-left:auto;font-weight:600}
details.tree{border:1px solid var(--line);border-radius:6px;margin:6px 0;background:#fff}
details.tree>summary{padding:6px 10px;cursor:pointer;display:flex;gap:12px;flex-wrap:wrap;align-items:baseline}
details.tree[open]>summary{border-bottom:1px solid var(--line);background:var(--bg)}
.tree-body{overflow:auto;padding:8px;max-height:80vh}
.tree-body svg{max-width:none;height:auto}
.tree-body svg text{font-family:Helvetica,Arial,"Liberation Sans",sans-serif;text-anchor:middle;white-space:pre}
.note{font-size:12px;color:var(--muted);margin:4px 0}
.filtering g.node{opacity:.28}
.filtering g.node.hit{opacity:1}
g.node.hit path,g.node.hit polygon{stroke-width:3.5}
button.link{background:none;border:none;color:var(--accent);cursor:pointer;font:inherit;padding:0;text-decoration:underline}
.pager{display:flex;gap:8px;align-items:center;margin:8px 0}
.pager button,.more{font:inherit;padding:4px 10px}
.legend{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}
noscript p{border:1px solid #9a4d00;background:#fff7e6;padding:8px;border-radius:6px}
`;
