/**
 * summary.md: the human-readable report of a trace comparison (verdict, first divergence in
 * pipeline order, known C behaviours, per-phi table, every key with both values and deltas,
 * missing and extra keys with a diff of the key order).
 */
import type {KeyComparison, TraceComparison} from '../trace/compare.js';
import type {PerPhiComparison} from '../trace/perphi.js';

/** Compact number for tables: 4 significant digits, exponent outside [1e-3, 1e6). */
export function fmtNum(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a < 1e-3 || a >= 1e6 ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string) => (s === '' ? '' : '`' + s.replace(/`/g, "'") + '`');

/** Decisive statuses in capitals and bold; reported-only ones (set-up, diagnostic, extra keys) plain. */
function statusOf(k: KeyComparison): string {
  if (k.status === 'pass') return 'pass';
  return k.counts ? `**${k.status.toUpperCase()}**` : `${k.status} (reported)`;
}

function keyTable(rows: KeyComparison[]): string[] {
  const out = [
    '| # | key | occ | stage | kind | unit | reference | test | abs Δ | rel Δ | status |',
    '| ---: | --- | ---: | --- | --- | --- | --- | --- | ---: | ---: | --- |',
  ];
  rows.forEach((k, i) => {
    out.push(
      `| ${i + 1} | ${code(k.key)} | ${k.occurrence} | ${k.stage} | ${k.kind} | ${cell(k.unit)} | ` +
        `${k.ref ? code(cell(k.ref.raw)) : '—'} | ${k.test ? code(cell(k.test.raw)) : '—'} | ` +
        `${fmtNum(k.abs_delta)} | ${fmtNum(k.rel_delta)} | ${statusOf(k)}${k.note && k.status !== 'pass' ? ` (${cell(k.note)})` : ''} |`,
    );
  });
  return out;
}

export function perPhiTable(p: PerPhiComparison): string[] {
  const out = [
    '| row | group | phi_tic | phi_deg ref | phi_deg test | k_frac ref | k_frac test | Δk_frac | F_latt_b ref | F_latt_b test | ΔF_latt_b | F_latt ref | F_latt test | ΔF_latt | status |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of p.rows) {
    const status = r.status === 'pass' ? 'pass' : `**${r.status.toUpperCase()}** (${r.divergent.join(', ')})`;
    out.push(
      `| ${r.row} | ${r.group} | ${r.phi_tic ?? '—'} | ${fmtNum(r.phi_deg_ref)} | ${fmtNum(r.phi_deg_test)} | ` +
        `${fmtNum(r.k_frac_ref)} | ${fmtNum(r.k_frac_test)} | ${fmtNum(r.k_frac_delta)} | ` +
        `${fmtNum(r.F_latt_b_ref)} | ${fmtNum(r.F_latt_b_test)} | ${fmtNum(r.F_latt_b_delta)} | ` +
        `${fmtNum(r.F_latt_ref)} | ${fmtNum(r.F_latt_test)} | ${fmtNum(r.F_latt_delta)} | ${status} |`,
    );
  }
  return out;
}

/** summary.md of a trace comparison: `head` (title, verdict table), `body` (rules, divergence, tables). */
export function renderSummary(c: TraceComparison): {head: string; body: string} {
  const L: string[] = [];
  const pass = c.verdict === 'pass';
  L.push(`# Trace comparison: ${pass ? 'PASS' : 'DIVERGENCE'}`, '');
  L.push('| | |', '| --- | --- |');
  L.push(`| verdict | **${pass ? 'pass' : 'divergence'}** (exit ${pass ? 0 : 1}) |`);
  L.push(
    `| first divergence | ${c.first_divergence ? `${code(c.first_divergence.key)} (occurrence ${c.first_divergence.occurrence}, stage ${c.first_divergence.stage})` : 'none'} |`,
  );
  L.push(`| reference | ${code(c.inputs.ref.path)} (TRACE_${c.inputs.ref.prefix}, ${c.inputs.ref.bytes} bytes, sha256 ${code(c.inputs.ref.sha256)}) |`);
  L.push(`| test | ${code(c.inputs.test.path)} (TRACE_${c.inputs.test.prefix}, ${c.inputs.test.bytes} bytes, sha256 ${code(c.inputs.test.sha256)}) |`);
  L.push(`| pixel | ${c.pixel ? `slow ${c.pixel.slow}, fast ${c.pixel.fast}` : 'not stated in the traces'} |`);
  const floors = Object.entries(c.key_atol)
    .map(([k, v]) => `${code(k)} ${v}`)
    .join(', ');
  L.push(
    `| tolerance | rtol ${c.tolerance.rtol}, atol ${c.tolerance.atol ?? 0}${c.tolerance.atol === null && floors ? ` (per-key floors: ${floors})` : ''} |`,
  );
  const n = c.counts;
  L.push(
    `| counts | ${n.compared} compared: ${n.pass} pass, ${n.fail} outside tolerance, ${n.nan} NaN, ${n.shape} shape; ${n.missing} missing, ${n.extra} extra; ${n.divergent} decisive |`,
  );
  L.push('');
  const head = L.splice(0).join('\n');
  L.push(
    'Rules: scalars pass when |a-b| <= atol + rtol·max(|a|,|b|); 3-vectors (and matrices) by norm, ' +
      '||a-b|| <= atol + rtol·max(||a||,||b||); integers exactly; a NaN is a divergence. ' +
      'Deltas are test minus reference; rel Δ is relative to the reference (signed for scalars, a norm ratio for vectors). ' +
      'The verdict rests on the per-pixel keys: set-up (`key=`) and diagnostic keys are compared and reported below but never decide it, ' +
      'because a test trace may omit them. A per-pixel key missing from the test is a divergence.',
    '',
  );

  if (c.first_divergence) {
    const f = c.first_divergence;
    L.push('## First divergence', '');
    L.push(`${code(f.key)} occurrence ${f.occurrence}, stage ${f.stage} (${f.kind}${f.unit ? `, ${f.unit}` : ''}): **${f.status}**`, '');
    L.push(`- reference: ${f.ref ? code(f.ref.raw) : '—'}${f.ref_line ? ` (line ${f.ref_line})` : ''}`);
    L.push(`- test: ${f.test ? code(f.test.raw) : '—'}${f.test_line ? ` (line ${f.test_line})` : ''}`);
    L.push(`- abs Δ ${fmtNum(f.abs_delta)}, rel Δ ${fmtNum(f.rel_delta)}${f.note ? `; ${f.note}` : ''}`, '');
  }

  if (c.attributions.length > 0) {
    L.push('## Known C behaviour', '');
    for (const a of c.attributions) {
      L.push(`### ${a.id}: ${a.title}`, '');
      L.push(
        `Match: **${a.match}** (${a.scope === 'verdict' ? 'explains decisive divergences' : 'set-up only, not part of the verdict'}; shown by the ${a.side}).`,
        '',
      );
      L.push(a.explanation, '');
      if (a.confirm_command) {
        L.push('Confirm with:', '', '```sh', a.confirm_command, '```', '');
        if (a.confirm_expect) L.push(`Expected: ${a.confirm_expect}.`, '');
      }
    }
    L.push('The registry of known C behaviours is `schemas/c-behaviours.json`.', '');
  }

  if (c.per_phi.rows.length > 0) {
    L.push('## Per-phi lines', '');
    L.push(
      `first_divergent_step: **${c.per_phi.first_divergent_step ?? 'null'}**` +
        (c.per_phi.first_divergent_row !== null ? ` (row ${c.per_phi.first_divergent_row})` : '') +
        `; ${c.per_phi.ref_rows} reference row(s), ${c.per_phi.test_rows} test row(s).`,
      '',
    );
    L.push(...perPhiTable(c.per_phi), '');
  }

  const pixel = c.keys.filter((k) => k.scope === 'pixel');
  const other = c.keys.filter((k) => k.scope !== 'pixel');
  L.push('## Per-pixel keys (decide the verdict)', '', ...keyTable(pixel), '');
  if (other.length > 0) {
    L.push('## Set-up and diagnostic keys (reported, not part of the verdict)', '', ...keyTable(other), '');
  }

  L.push('## Missing and extra keys', '');
  const list = (rows: KeyComparison[]) =>
    rows.length === 0 ? ['none'] : rows.map((k) => `- ${code(k.key)} occurrence ${k.occurrence} (${k.scope}${k.counts ? ', decisive' : ''})`);
  L.push('Missing from the test:', '', ...list(c.missing), '');
  L.push('Extra in the test:', '', ...list(c.extra), '');
  if (c.key_order_diff) {
    L.push('The per-pixel key sequences differ (reference → test):', '', '```diff', c.key_order_diff.trimEnd(), '```', '');
  } else {
    L.push('The per-pixel key sequences are identical.', '');
  }
  L.push(
    '---',
    '',
    'Exit code of this verdict: 0 pass, 1 divergence (one scheme for every command: `nbparity help compare-traces`). ' +
      'Key catalogue (kinds, units, pipeline order): `schemas/trace-keys.json`; metrics: `metrics.json` (schema `schemas/metrics.schema.json`).',
    '',
  );
  return {head, body: L.join('\n')};
}

/** The verdict of a trace comparison as the few plain lines a terminal shows (compare-traces, harness --ref). */
export function verdictLines(c: TraceComparison): string[] {
  const f = c.first_divergence;
  const n = c.counts;
  const lines = [
    c.verdict === 'pass'
      ? `PASS: ${n.compared} key occurrences compared, all decisive ones within tolerance (rtol ${c.tolerance.rtol})`
      : `DIVERGENCE: first at ${f!.key} (occurrence ${f!.occurrence}, stage ${f!.stage}, ${f!.status}; abs Δ ${fmtNum(f!.abs_delta)}, rel Δ ${fmtNum(f!.rel_delta)})`,
    `  per-pixel: ${n.divergent} decisive of ${c.keys.filter((k) => k.scope === 'pixel').length}; ` +
      `${n.missing} missing, ${n.extra} extra; set-up/diagnostic not passing: ${n.setup_not_passing} (not part of the verdict)`,
  ];
  if (c.per_phi.rows.length > 0) lines.push(`  per-phi: first_divergent_step ${c.per_phi.first_divergent_step ?? 'null'}`);
  for (const a of c.attributions) {
    lines.push(`  known C behaviour: ${a.id} (${a.title}), ${a.match} match, shown by the ${a.side}`);
    if (a.confirm_command) lines.push(`    confirm: ${a.confirm_command}`);
  }
  return lines;
}
