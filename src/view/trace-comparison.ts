/** The page of a trace comparison (metrics kind "trace-comparison"): verdict, attribution, explanation, deltas along the pipeline, per-phi plots, the key table. */
import {loadCatalogue} from '../trace/catalogue.js';
import {arr, attributionsBlock, diagnosticsBlock, explanationsBlock, footer, obj, str, verdictBox, warningsBlock, type Obj} from './common.js';
import {badge, esc, num, section, table} from './html.js';
import {deltaStripSpec, perPhiSpec, svgOf, type DeltaPoint, type PhiPoint} from './plots.js';

const PHI_QUANTITIES = ['k_frac', 'F_latt_b', 'F_latt'] as const;

const numeric = (x: unknown): number | null => (typeof x === 'number' ? x : null);

/** Per-phi rows (both sides) as plot points; `sides` maps a side's label to its field suffix. */
export function phiPoints(rows: Obj[], sides: Array<[label: string, suffix: string]>): PhiPoint[] {
  const out: PhiPoint[] = [];
  for (const r of rows) {
    const divergent = new Set(arr(r.divergent).map(str));
    for (const q of PHI_QUANTITIES) {
      for (const [label, suffix] of sides) {
        const phi = numeric(r[`phi_deg${suffix}`]) ?? numeric(r.phi_deg_ref) ?? numeric(r.phi_deg_test);
        const value = numeric(r[`${q}${suffix}`]);
        if (phi === null || value === null) continue;
        out.push({phi, group: numeric(r.group) ?? 0, quantity: q, side: label, value, divergent: divergent.has(q) && suffix === '_test'});
      }
    }
  }
  return out;
}

function stageDescriptions(): Map<string, string> {
  return new Map(loadCatalogue().data.stages.map((s) => [s.id, s.description]));
}

function keyTable(keys: Obj[]): string {
  const stages = stageDescriptions();
  const rows: Array<{cells: string[]; cls?: string}> = [];
  let stage: string | null = null;
  for (const k of keys) {
    if (k.stage !== stage) {
      stage = str(k.stage);
      const failing = keys.filter((x) => x.stage === stage && x.status !== 'pass').length;
      rows.push({cls: 'stage', cells: [`${esc(stage)}${stages.has(stage) ? ` <span class="note">${esc(stages.get(stage))}</span>` : ''}`, '', '', '', '', '', '', '', failing ? badge(`${failing} not passing`) : badge('pass')]});
    }
    const occ = numeric(k.occurrence) ?? 1;
    rows.push({
      cls: k.status === 'pass' ? undefined : 'fail',
      cells: [
        `<code>${esc(k.key)}</code>${occ > 1 ? ` #${occ}` : ''}`,
        esc(k.scope),
        esc(k.unit ?? ''),
        `<code>${esc(k.ref_text ?? 'n/a')}</code>`,
        `<code>${esc(k.test_text ?? 'n/a')}</code>`,
        esc(num(k.abs_delta)),
        esc(num(k.rel_delta)),
        k.decisive ? 'yes' : 'no',
        badge(str(k.status)),
      ],
    });
  }
  return table(['key', 'scope', 'unit', 'reference', 'test', {text: 'abs Δ', numeric: true}, {text: 'rel Δ', numeric: true}, 'decisive', 'status'], rows, 'keys');
}

function phiTable(rows: Obj[]): string {
  return table(
    [{text: 'phi_tic', numeric: true}, {text: 'phi (deg)', numeric: true}, ...PHI_QUANTITIES.flatMap((q) => [{text: `${q} ref`, numeric: true}, {text: `${q} test`, numeric: true}]), 'divergent', 'status'],
    rows.map((r) => ({
      cls: r.status === 'pass' ? undefined : 'fail',
      cells: [esc(num(r.phi_tic)), esc(num(r.phi_deg_ref ?? r.phi_deg_test)), ...PHI_QUANTITIES.flatMap((q) => [esc(num(r[`${q}_ref`])), esc(num(r[`${q}_test`]))]), esc(arr(r.divergent).join(', ')), badge(str(r.status))],
    })),
  );
}

export async function traceComparisonPage(m: Obj): Promise<{title: string; body: string}> {
  const pass = m.verdict === 'pass';
  const px = obj(m.pixel);
  const where = m.pixel ? `pixel slow ${num(px.slow)}, fast ${num(px.fast)}` : 'pixel not stated';
  const inputs = obj(m.inputs);
  const d = m.first_divergence_detail ? obj(m.first_divergence_detail) : null;
  const counts = obj(m.counts);
  const title = `Trace comparison: ${pass ? 'PASS' : 'DIVERGENCE'} (${where})`;
  const verdict = pass
    ? verdictBox('pass', `PASS: ${num(counts.compared)} key occurrences compared, all decisive ones within tolerance (rtol ${num(m.tolerance)})`)
    : verdictBox(
        'fail',
        `DIVERGENCE: first at ${str(m.first_divergence)}`,
        d ? `occurrence ${esc(num(d.occurrence))}, stage <strong>${esc(d.stage)}</strong>, ${esc(d.status)}; abs Δ ${esc(num(d.abs_delta))}, rel Δ ${esc(num(d.rel_delta))}. ${esc(num(counts.divergent))} decisive divergences of ${esc(num(counts.compared))} compared; per-phi first divergent step ${esc(num(obj(m.per_phi).first_divergent_step))}.` : '',
      );
  const keys = arr(m.keys);
  const points: DeltaPoint[] = keys
    .filter((k) => k.kind !== 'text')
    .map((k, i) => ({
      i,
      label: `${str(k.key)}${(numeric(k.occurrence) ?? 1) > 1 ? ` #${num(k.occurrence)}` : ''}`,
      stage: str(k.stage),
      status: str(k.status),
      decisive: k.decisive === true,
      rel: numeric(k.rel_delta) === null ? null : Math.abs(numeric(k.rel_delta)!),
    }));
  const phiRows = arr(obj(m.per_phi).rows);
  const plots: string[] = [];
  if (points.length > 0) {
    const equal = points.filter((p) => p.rel === 0 || (p.rel === null && p.status === 'pass')).length;
    plots.push(`<div class="plot" id="delta-strip">${await svgOf(deltaStripSpec(points, numeric(m.tolerance) ?? 0, num(m.tolerance)))}</div>`);
    plots.push(`<p class="note">One bar per numeric key occurrence, in pipeline order; ${equal} of ${points.length} are exactly equal (the ticks on the floor). Faded: set-up and diagnostic keys, which never decide the verdict.</p>`);
  }
  const phi = phiPoints(phiRows, [
    ['reference', '_ref'],
    ['test', '_test'],
  ]);
  const phiBlock = phi.length > 0 ? `<div class="plot" id="per-phi">${await svgOf(perPhiSpec(phi))}</div>\n<p class="note">Divergent steps are ringed in red.</p>\n${phiTable(phiRows)}` : '<p class="note">No per-phi lines.</p>';
  const listed = (xs: Obj[]) => xs.map((x) => `<code>${esc(x.key)}</code> #${esc(num(x.occurrence))} (${esc(x.scope)})`).join(', ');
  const missing = arr(m.missing);
  const extra = arr(m.extra);
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p>reference <code>${esc(obj(inputs.ref).path ?? '')}</code> (${esc(obj(inputs.ref).prefix ?? '?')}) against test <code>${esc(obj(inputs.test).path ?? '')}</code> (${esc(obj(inputs.test).prefix ?? '?')}); rtol ${esc(num(m.tolerance))}, atol ${esc(num(m.atol))}</p>`,
    verdict,
    attributionsBlock(arr(m.attributions)),
    explanationsBlock(arr(m.explanations)),
    diagnosticsBlock(arr(m.diagnostics)),
    warningsBlock(m.warnings),
    section('Relative deltas along the pipeline', `<div class="plots">${plots.join('\n')}</div>`, 'deltas'),
    section('Per-phi steps', phiBlock, 'phi'),
    section(`Keys (${keys.length}, grouped by pipeline stage; click a heading to sort)`, keyTable(keys), 'keys'),
    missing.length + extra.length > 0 ? section('Missing and extra', `<p>missing from the test: ${listed(missing) || 'none'}</p><p>extra in the test: ${listed(extra) || 'none'}</p>`) : '',
    `<p class="note">${esc(m.policy ?? '')}</p>`,
    footer(m),
  ];
  return {title, body: body.filter((x) => x !== '').join('\n')};
}
