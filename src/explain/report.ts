/**
 * explain's evidence: the "Explanation" section of summary.md, the terminal lines, and the
 * `diagnostics` / `explanations` fields of metrics.json (kind trace-comparison).
 */
import type {BundleRecord} from '../report/bundle.js';
import {buildMetrics, type MetricsJson} from '../report/metrics.js';
import {fmtNum, renderSummary} from '../report/summary.js';
import type {Diagnostic} from './diagnostics.js';
import type {ExplainResult} from './explain.js';

export type ExplainMetrics = MetricsJson & {diagnostics: Diagnostic[]; explanations: ExplainResult['explanations']};

export function explainMetrics(r: ExplainResult, now: Date, warnings: readonly string[]): ExplainMetrics {
  return {...buildMetrics(r.comparison, now, warnings), diagnostics: r.diagnostics, explanations: r.explanations};
}

const code = (s: string) => `\`${s}\``;

/** Diagnostics first (errors, then warnings, then notes), one line each. */
export function diagnosticLines(r: ExplainResult): string[] {
  const order = {error: 0, warning: 1, info: 2};
  return [...r.diagnostics].sort((a, b) => order[a.severity] - order[b.severity]).map((d) => `${d.severity.toUpperCase()} ${d.code}: ${d.message}`);
}

function verdict(r: ExplainResult): string {
  const b = r.before.first;
  if (!b) return `the test equals the reference on every key it prints (rtol ${r.comparison.tolerance.rtol}): nothing to explain`;
  return `the test first leaves the reference at ${b.key} (occurrence ${b.occurrence}, stage ${b.stage}, ${b.status}; rel Δ ${fmtNum(b.rel_delta)})`;
}

/** The ranked hypotheses with their commands, for a terminal. */
export function hypothesisLines(r: ExplainResult): string[] {
  if (!r.before.first) return [];
  if (r.explanations.length === 0) return [`no hypothesis of schemas/hypotheses.json moves the first divergence (${r.evaluations} engine evaluations)`];
  const lines = [`hypotheses, best first (${r.evaluations} engine evaluations):`];
  for (const e of r.explanations) {
    const after = e.first_divergence_after === null ? 'removes the divergence' : `moves the first divergence to ${e.first_divergence_after}`;
    lines.push(`  ${e.rank}. ${e.hypotheses.join(' + ')}: ${e.title}`);
    lines.push(`     ${after}; ${e.keys_agreeing} per-pixel key occurrences agree at rtol ${fmtNum(e.tolerance)}`);
    lines.push(`     confirm: ${e.command}`);
  }
  return lines;
}

/** The plain lines a terminal shows: diagnostics, verdict (explain's unless given), ranked hypotheses. */
export function explainLines(r: ExplainResult, verdictLines?: string[]): string[] {
  return [...diagnosticLines(r), ...(verdictLines ?? [`${r.before.first ? 'DIVERGENCE' : 'PASS'}: ${verdict(r)}`]), ...hypothesisLines(r)];
}

/** summary.md: title, diagnostics (a pixel mismatch first), the Explanation section, then the comparison. */
export function explainSummary(r: ExplainResult): BundleRecord['summary'] {
  const L: string[] = [`# Trace explanation: ${r.before.first ? 'DIVERGENCE' : 'PASS'}`, ''];
  const diags = diagnosticLines(r);
  if (diags.length) L.push('## Trace quality', '', ...diags.map((d) => `- ${d}`), '');
  L.push('## Explanation', '', `${verdict(r).replace(/^./, (c) => c.toUpperCase())}.`, '');
  if (r.before.first && r.explanations.length === 0) {
    L.push(`No hypothesis of \`schemas/hypotheses.json\` moves the first divergence (${r.evaluations} engine evaluations).`, '');
  } else if (r.explanations.length > 0) {
    L.push(
      `Each hypothesis is the engine (which reproduces C) re-run with one change (or two), its trace compared with the test trace; ranked by how far down the pipeline the first divergence moves (${r.evaluations} engine evaluations).`,
      '',
      '| rank | hypotheses | what changes | first divergence after | keys agreeing | tolerance |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const e of r.explanations) {
      L.push(`| ${e.rank} | ${e.hypotheses.map(code).join(' + ')} | ${e.title.replace(/\|/g, '\\|')} | ${e.first_divergence_after === null ? '**none (removed)**' : code(e.first_divergence_after)} | ${e.keys_agreeing} | ${fmtNum(e.tolerance)} |`);
    }
    L.push('', 'Confirm each (exit 0 when the hypothesis explains the test trace completely):', '');
    for (const e of r.explanations) L.push(`${e.rank}. \`${e.command}\``);
    L.push('');
  }
  const cmp = renderSummary(r.comparison);
  return {head: L.join('\n'), body: `${cmp.head.replace(/^# /, '## ')}\n${cmp.body.replace(/^## /gm, '### ')}`};
}
