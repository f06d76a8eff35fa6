/** summary.md of a campaign (or of one case run's part): one table, then one section per row that did not pass. */
import type {MatrixMetrics, MatrixRow} from './types.js';

const g = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : Number.isInteger(x) ? String(x) : x.toPrecision(6));
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** The image column: the verdict and each metric against its threshold. */
function imageCell(r: MatrixRow): string {
  const i = r.image;
  if (!i) return '—';
  if (i.method === 'exit-code') return `${i.status} (refused as C does)`;
  if (i.method === 'sha256') return `${i.status} (sha256 ${i.identical ? 'equal' : 'differs'}, ${i.reference})`;
  if (i.identical) return `${i.status} (identical to ${i.reference})`;
  const t = i.thresholds;
  const parts = [`corr ${g(i.corr)}${t ? ` ≥ ${t.corr_min}` : ''}`, `sum ratio ${g(i.sum_ratio)}${t ? ` in [${t.sum_ratio_min}, ${t.sum_ratio_max}]` : ''}`, `max abs ${g(i.max_abs)}${t && t.max_abs_max !== null ? ` ≤ ${t.max_abs_max}` : ''}`, `rmse ${g(i.rmse)}${t && t.rmse_max !== null ? ` ≤ ${t.rmse_max}` : ''}`];
  return `${i.status} (${parts.join(', ')})`;
}

function pixelsCell(r: MatrixRow): string {
  if (r.pixels.length === 0) return '—';
  return r.pixels.map((p) => `(${p.slow}, ${p.fast}) ${p.verdict}${p.reference === 'specref' ? ' vs specref' : ''}`).join('<br>');
}

function firstDivergence(r: MatrixRow): string {
  const d = r.pixels.filter((p) => p.first_divergence !== null && p.verdict !== 'pass').map((p) => `${p.first_divergence} (${p.slow}, ${p.fast})`);
  return d.length ? d.join('<br>') : '—';
}

function attribution(r: MatrixRow): string {
  const a = [...new Set(r.pixels.map((p) => p.attribution).filter((x): x is string => x !== null))];
  return a.length ? a.join('<br>') : '—';
}

export function matrixTable(rows: readonly MatrixRow[]): string[] {
  const out = ['| case | run | mode | status | image | traced pixels | first divergence | attribution |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) out.push(`| ${[r.case, r.run, r.mode, `**${r.status}**`, imageCell(r), pixelsCell(r), firstDivergence(r), attribution(r)].map(cell).join(' | ')} |`);
  return out;
}

function failureSection(r: MatrixRow): string[] {
  const out = [`### ${r.case} / ${r.run} / ${r.mode}: ${r.status}`, '', `- reason: ${r.reason ?? 'n/a'}`];
  if (r.exit_code !== undefined) out.push(`- as a command of its own this would exit ${r.exit_code}`);
  if (r.image?.detail) out.push(`- image: ${r.image.detail}${r.image.bundle ? ` (evidence: \`${r.image.bundle}/\`)` : ''}`);
  for (const p of r.pixels) {
    if (p.verdict === 'pass') continue;
    const what = p.verdict === 'error' ? `error: ${p.reason}` : `${p.verdict}, first divergence at \`${p.first_divergence}\`${p.attribution ? `, attributed to ${p.attribution}` : ''}`;
    out.push(`- pixel (slow ${p.slow}, fast ${p.fast}): ${what}${p.bundle ? ` (evidence: \`${p.bundle}/\`)` : ''}`);
  }
  out.push(`- the case run's evidence: \`${r.bundle}/\``, '');
  return out;
}

/** The summary: head (title, totals), body (table, failures). Nothing in it depends on timing. */
export function matrixSummary(m: MatrixMetrics, title = 'Parity matrix'): {head: string; body: string} {
  const t = m.totals;
  const verdict = t.passed === t.rows ? 'every row passes' : `${t.failed} failed, ${t.errors} could not be judged`;
  const head = [
    `# ${title}`,
    '',
    `- result: **${verdict}** (${t.passed}/${t.rows} rows pass${m.planned_rows !== t.rows ? `; ${m.planned_rows} rows in the whole campaign` : ''})`,
    `- implementation under test: ${m.implementation.kind === 'engine' ? 'the embedded engine' : `\`${m.implementation.template}\``}`,
    `- cases: ${m.sources.join(', ')}${m.only ? ` (only ${m.only})` : ''}; phi modes: ${m.phi_modes.join(', ')}; trace tolerance ${m.tolerance} relative`,
    `- reference: stored C outputs${m.c_bin ? `, and \`${m.c_bin}\` run live (one thread) for a case list` : ''}`,
    '',
  ];
  const body = [
    ...matrixTable(m.rows),
    '',
    'Image: stored cases must equal their C float image exactly (or its recorded sha256); a case list\'s thresholds are its own. ' +
      'Spec mode is judged against the `_specref` oracle where one exists; against C, a divergence that C-PARITY-001 fully explains is "explained".',
    '',
  ];
  const failed = m.rows.filter((r) => r.status !== 'pass');
  if (failed.length) body.push('## Rows that did not pass', '', ...failed.flatMap(failureSection));
  body.push('Machine-readable: `metrics.json` (schemas/matrix-metrics.schema.json); each case run\'s evidence is its sub-bundle.', '');
  return {head: head.join('\n'), body: body.join('\n')};
}
