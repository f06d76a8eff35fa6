/** The page of a trace without a reference (metrics kind "trace"): no verdict, the values and the per-phi curves. */
import {arr, diagnosticsBlock, footer, obj, str, verdictBox, warningsBlock, type Obj} from './common.js';
import {esc, num, section, table} from './html.js';
import {perPhiSpec, svgOf} from './plots.js';
import {phiPoints} from './trace-comparison.js';

export async function tracePage(m: Obj): Promise<{title: string; body: string}> {
  const px = obj(m.pixel);
  const where = m.pixel ? `pixel slow ${num(px.slow)}, fast ${num(px.fast)}` : 'pixel not stated';
  const title = `Trace: ${where}${m.phi_mode ? ` (${str(m.phi_mode)} mode)` : ''}`;
  const entries = arr(m.entries);
  const phiRows = arr(m.per_phi).map((r) => ({...r, phi_deg_test: r.phi_deg, k_frac_test: r.k_frac, F_latt_b_test: r.F_latt_b, F_latt_test: r.F_latt}));
  const phi = phiPoints(phiRows, [[`trace (${str(m.prefix) || '?'})`, '_test']]);
  const rows = entries.map((e) => ({cells: [`<code>${esc(e.key)}</code>${(e.occurrence as number) > 1 ? ` #${num(e.occurrence)}` : ''}`, esc(e.form), `<code>${esc(e.text)}</code>`, esc(num(e.line))]}));
  const body = [
    `<h1>${esc(title)}</h1>`,
    verdictBox('neutral', 'No reference was given, so there is no verdict: this bundle keeps the trace as evidence.', 'Compare it: <code>nbparity compare-traces --ref C_TRACE --test trace.log</code>'),
    diagnosticsBlock(arr(m.diagnostics)),
    warningsBlock(m.warnings),
    phi.length > 0 ? section('Per-phi steps', `<div class="plot" id="per-phi">${await svgOf(perPhiSpec(phi))}</div>`, 'phi') : '',
    section(`Trace lines (${entries.length})`, table(['key', 'form', 'value', {text: 'line', numeric: true}], rows), 'keys'),
    footer(m),
  ];
  return {title, body: body.filter((x) => x !== '').join('\n')};
}
