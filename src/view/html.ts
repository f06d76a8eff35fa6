/**
 * The page shell of index.html and the small helpers every section uses. The page is one file:
 * inline CSS, inline SVG plots, pictures as data: URIs, and a few lines of inline script (table
 * sorting, the linear/log switch). A Content-Security-Policy forbids every network load, so the
 * page works from disk, offline, and never calls anywhere.
 */

/** Text for HTML (element content or a quoted attribute). */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!);
}

/** A number as the tables show it: integers whole, others to 7 significant digits; n/a for null. */
export function num(x: unknown): string {
  if (x === null || x === undefined) return 'n/a';
  if (typeof x === 'number') {
    if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
    const a = Math.abs(x);
    const s = a !== 0 && Number.isFinite(x) && (a < 1e-4 || a >= 1e9) ? x.toExponential(6) : x.toPrecision(7);
    return s.replace(/\.?0+(e|$)/, '$1');
  }
  if (Array.isArray(x)) return x.map(num).join(' ');
  return String(x);
}

/** A status word in its colour class (pass, fail, or neutral). */
export function badge(status: string): string {
  const cls = /^(pass|ok)$/i.test(status) ? 'pass' : /^(fail|divergence|nan|shape|missing|extra|error|below_threshold|non_finite|size_mismatch|runner_failed|engine_failed)$/i.test(status) ? 'fail' : 'neutral';
  return `<span class="badge ${cls}">${esc(status)}</span>`;
}

/** A table; a header cell's data-sort="num" sorts numerically. Rows are raw HTML cells. */
export function table(head: Array<string | {text: string; numeric?: boolean}>, rows: Array<{cells: string[]; cls?: string}>, cls = ''): string {
  const th = head.map((h) => (typeof h === 'string' ? `<th>${esc(h)}</th>` : `<th${h.numeric ? ' data-sort="num"' : ''}>${esc(h.text)}</th>`)).join('');
  const body = rows.map((r) => `<tr${r.cls ? ` class="${r.cls}"` : ''}>${r.cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table class="sortable ${cls}"><thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

export function section(title: string, body: string, id?: string): string {
  return `<section${id ? ` id="${esc(id)}"` : ''}><h2>${esc(title)}</h2>\n${body}\n</section>`;
}

export function dataUri(mime: string, bytes: Uint8Array): string {
  return `data:${mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:1em 1.5em;color:#1b1b1b;background:#fff}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}pre{background:#f5f5f5;padding:.5em;overflow-x:auto}
.verdict{font-size:1.25em;padding:.5em .8em;border-radius:4px;margin:.5em 0}
.verdict.pass{background:#e3f4e6;border-left:6px solid #1a7f37}.verdict.fail{background:#fde7e9;border-left:6px solid #cf222e}.verdict.neutral{background:#eef1f5;border-left:6px solid #57606a}
.badge{display:inline-block;padding:0 .45em;border-radius:3px;font-weight:600;font-size:.9em}
.badge.pass{background:#1a7f37;color:#fff}.badge.fail{background:#cf222e;color:#fff}.badge.neutral{background:#d0d7de;color:#1b1b1b}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}th,td{border:1px solid #d0d7de;padding:.15em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa;cursor:pointer;user-select:none}tr.fail td{background:#fff1f2}tr.stage td{background:#eef1f5;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.plots{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}.plot svg{max-width:100%;height:auto}
.log .lin{display:none}body:not(.log) .logv{display:none}
.note{color:#57606a}.frames{display:flex;flex-wrap:wrap;gap:.5em 1em}.panel{display:flex;flex-direction:column}
svg image{image-rendering:pixelated}
`;

const SCRIPT = `
document.querySelectorAll('table.sortable th').forEach(function(th){th.addEventListener('click',function(){
var t=th.closest('table'),b=t.tBodies[0],i=Array.prototype.indexOf.call(th.parentNode.children,th),n=th.dataset.sort==='num';
var d=th.dataset.dir==='asc'?'desc':'asc';th.dataset.dir=d;
var rows=Array.prototype.filter.call(b.rows,function(r){return !r.classList.contains('stage')});
Array.prototype.forEach.call(b.querySelectorAll('tr.stage'),function(r){r.remove()});
rows.sort(function(x,y){var a=x.cells[i].textContent,c=y.cells[i].textContent;
if(n){a=parseFloat(a);c=parseFloat(c);a=isNaN(a)?-Infinity:a;c=isNaN(c)?-Infinity:c;return d==='asc'?a-c:c-a}
return d==='asc'?a.localeCompare(c):c.localeCompare(a)});
rows.forEach(function(r){b.appendChild(r)})})});
var lg=document.getElementById('log-toggle');if(lg){lg.addEventListener('change',function(){document.body.classList.toggle('log',lg.checked)})}
`;

/** The whole page. `generator` is written into a meta tag (verify re-renders pages of its own format). */
export function page(o: {title: string; generator: string; body: string}): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="generator" content="${esc(o.generator)}">
<title>${esc(o.title)}</title>
<style>${CSS}</style></head>
<body>
${o.body}
<script>${SCRIPT}</script>
</body></html>
`;
}
