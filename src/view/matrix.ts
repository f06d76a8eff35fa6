/**
 * The page of a matrix (metrics kind "matrix"): one row per case and run with its status, the
 * image figures and the traced pixels' verdicts, linked to the case's own page
 * (`<bundle>/index.html`, a sub-bundle of the matrix).
 */
import {arr, diagnosticsBlock, footer, obj, str, verdictBox, warningsBlock, type Obj} from './common.js';
import {badge, esc, num, section, table} from './html.js';

/** A relative link to a sub-bundle's page; each path segment escaped. */
function pageLink(bundle: string): string {
  return `${bundle.split('/').map(encodeURIComponent).join('/')}/index.html`;
}

export function matrixPage(m: Obj): {title: string; body: string} {
  const rows = arr(m.rows);
  const totals = obj(m.totals);
  const errors = rows.filter((r) => r.status === 'error').length;
  const failed = (totals.failed as number) ?? rows.filter((r) => r.status === 'fail').length;
  const ok = failed === 0 && errors === 0;
  const title = `Matrix: ${num(totals.rows ?? rows.length)} runs, ${num(totals.passed)} passed, ${num(failed)} failed${errors ? `, ${errors} errors` : ''}`;
  const cells = rows.map((r) => {
    const img = r.image ? obj(r.image) : null;
    const pixels = arr(r.pixels)
      .map((p) => `${badge(str(p.verdict))} (${esc(num(p.slow))}, ${esc(num(p.fast))}) ${esc(p.mode ?? '')}${p.first_divergence ? ` first <code>${esc(p.first_divergence)}</code>` : ''}${p.attribution ? ` <span class="note">${esc(p.attribution)}</span>` : ''}`)
      .join('<br>');
    return {
      cls: r.status === 'pass' ? undefined : 'fail',
      cells: [
        r.bundle ? `<a href="${esc(pageLink(str(r.bundle)))}">${esc(r.case)}</a>` : esc(r.case),
        esc(r.run ?? ''),
        esc(r.mode ?? ''),
        badge(str(r.status)),
        esc(r.reason ?? ''),
        img ? `${badge(str(img.status))} corr ${esc(num(img.corr))}, sum ratio ${esc(num(img.sum_ratio))}, max |diff| ${esc(num(img.max_abs))}, RMSE ${esc(num(img.rmse))}` : '',
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
