/**
 * The page of a matrix (metrics kind "matrix"): one row per case and run with its status, the
 * image figures and the traced pixels' verdicts, linked to the case's own page
 * (`<bundle>/index.html`, a sub-bundle of the matrix).
 */
import {arr, diagnosticsBlock, footer, obj, str, verdictBox, warningsBlock, type Obj} from './common.js';
import {badge, esc, num, section, table} from './html.js';

/**
 * A link to a sub-bundle's page, relative to this page's folder (`root`: where a case run's own page
 * sits below the campaign; bundle paths in the rows are relative to the campaign); each segment escaped.
 */
function pageLink(bundle: string, root: string): string {
  let rel = bundle;
  if (root && bundle === root) rel = '.';
  else if (root && bundle.startsWith(`${root}/`)) rel = bundle.slice(root.length + 1);
  return `${rel.split('/').map(encodeURIComponent).join('/')}/index.html`;
}

function linked(text: string, bundle: unknown, root: string): string {
  return typeof bundle === 'string' && bundle ? `<a href="${esc(pageLink(bundle, root))}">${text}</a>` : text;
}

export function matrixPage(m: Obj): {title: string; body: string} {
  const rows = arr(m.rows);
  const root = typeof m.root === 'string' ? m.root : '';
  const totals = obj(m.totals);
  const errors = rows.filter((r) => r.status === 'error').length;
  const failed = (totals.failed as number) ?? rows.filter((r) => r.status === 'fail').length;
  const ok = failed === 0 && errors === 0;
  const title = `Matrix: ${num(totals.rows ?? rows.length)} runs, ${num(totals.passed)} passed, ${num(failed)} failed${errors ? `, ${errors} errors` : ''}`;
  const cells = rows.map((r) => {
    const img = r.image ? obj(r.image) : null;
    const pixels = arr(r.pixels)
      .map((p) => `${badge(str(p.verdict))} ${linked(`(${esc(num(p.slow))}, ${esc(num(p.fast))})`, p.bundle, root)} ${esc(p.mode ?? '')}${p.first_divergence ? ` first <code>${esc(p.first_divergence)}</code>` : ''}${p.attribution ? ` <span class="note">${esc(p.attribution)}</span>` : ''}`)
      .join('<br>');
    return {
      cls: r.status === 'pass' ? undefined : 'fail',
      cells: [
        linked(esc(r.case), r.bundle, root),
        esc(r.run ?? ''),
        esc(r.mode ?? ''),
        badge(str(r.status)),
        esc(r.reason ?? ''),
        img ? `${linked(badge(str(img.status)), img.bundle, root)} corr ${esc(num(img.corr))}, sum ratio ${esc(num(img.sum_ratio))}, max |diff| ${esc(num(img.max_abs))}, RMSE ${esc(num(img.rmse))}` : '',
        pixels,
      ],
    };
  });
  const body = [
    `<h1>${esc(title)}</h1>`,
    verdictBox(ok ? 'pass' : 'fail', ok ? `PASS: all ${num(rows.length)} runs pass` : `FAIL: ${num(failed)} failed${errors ? `, ${errors} could not run` : ''}`),
    diagnosticsBlock(arr(m.diagnostics)),
    warningsBlock(m.warnings),
    section('Runs (the case name opens its own page)', table(['case', 'run', 'mode', 'status', 'reason', 'image', 'pixels'], cells, 'matrix'), 'runs'),
    footer(m),
  ];
  return {title, body: body.filter((x) => x !== '').join('\n')};
}
