/** Blocks several kinds of page share: the verdict box, known C behaviours, explanations, diagnostics, warnings, the footer. */
import {badge, esc, num, section, table} from './html.js';

export type Obj = Record<string, unknown>;
export const arr = (x: unknown): Obj[] => (Array.isArray(x) ? (x as Obj[]) : []);
export const obj = (x: unknown): Obj => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : {});
export const str = (x: unknown): string => (typeof x === 'string' ? x : x === null || x === undefined ? '' : String(x));

/** The coloured box at the top of every page. */
export function verdictBox(cls: 'pass' | 'fail' | 'neutral', text: string, detail = ''): string {
  return `<div class="verdict ${cls}" id="verdict"><strong>${esc(text)}</strong>${detail ? `<div>${detail}</div>` : ''}</div>`;
}

/** Known C behaviours (metrics `attributions`): what explains the difference, and the command that confirms it. */
export function attributionsBlock(attributions: Obj[]): string {
  if (attributions.length === 0) return '';
  const items = attributions.map((a) => {
    const id = str(a.id ?? a.behaviour);
    const head = `<strong>${esc(id)}</strong>${a.title ? `: ${esc(a.title)}` : ''}${a.match ? ` (${esc(a.match)} match)` : ''}`;
    const confirm = a.confirm_command ? `<div>confirm: <code>${esc(a.confirm_command)}</code>${a.confirm_expect ? ` <span class="note">(${esc(a.confirm_expect)})</span>` : ''}</div>` : '';
    return `<li>${head}<div>${esc(a.explanation ?? '')}</div>${confirm}</li>`;
  });
  return section('Known C behaviour', `<ul>${items.join('\n')}</ul>`, 'attribution');
}

/**
 * The explanation (hypotheses re-run by the engine, ranked by how far each moves the first
 * divergence), when the metrics hold one: `explanations: [{rank, hypotheses, title,
 * first_divergence_before, first_divergence_after, keys_agreeing, tolerance, command}]`.
 */
export function explanationsBlock(explanations: Obj[]): string {
  if (explanations.length === 0) return '';
  const rows = explanations.map((e) => ({
    cells: [
      esc(num(e.rank)),
      arr(e.hypotheses).map((h) => `<code>${esc(h)}</code>`).join(', '),
      esc(e.title ?? ''),
      `<code>${esc(e.first_divergence_before ?? 'none')}</code>`,
      e.first_divergence_after === null ? '<span class="badge pass">removed</span>' : `<code>${esc(e.first_divergence_after ?? '')}</code>`,
      esc(num(e.keys_agreeing)),
      esc(num(e.tolerance)),
      e.command ? `<code>${esc(e.command)}</code>` : '',
    ],
    cls: e.first_divergence_after === null ? 'pass' : undefined,
  }));
  return section('Explanation', table([{text: 'rank', numeric: true}, 'hypotheses', 'what', 'first divergence before', 'after', {text: 'keys agreeing', numeric: true}, {text: 'tolerance', numeric: true}, 'reproduce'], rows), 'explanation');
}

/** Diagnostics (`diagnostics: [{code, severity, message}]`), when present. */
export function diagnosticsBlock(diagnostics: Obj[]): string {
  if (diagnostics.length === 0) return '';
  const rows = diagnostics.map((d) => ({cells: [badge(str(d.severity) === 'error' ? 'error' : str(d.severity)), `<code>${esc(d.code ?? '')}</code>`, esc(d.message ?? '')]}));
  return section('Diagnostics', table(['severity', 'code', 'message'], rows), 'diagnostics');
}

export function warningsBlock(warnings: unknown): string {
  const w = Array.isArray(warnings) ? warnings.map(str) : [];
  return w.length === 0 ? '<p class="note">Warnings: none.</p>' : section(`Warnings (${w.length})`, `<ul>${w.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`, 'warnings');
}

/** Where the page comes from. */
export function footer(m: Obj): string {
  const g = obj(m.generator);
  return `<footer class="note"><hr>Drawn from <code>metrics.json</code> (kind <code>${esc(m.kind)}</code>) by ${esc(g.name ?? 'nbparity')} ${esc(g.version ?? '')} (its clock time is in metrics.json; the page leaves it out, so the same run draws the same page). <code>nbparity metrics . --verify</code> re-checks every file and re-draws this page from metrics.json.</footer>`;
}
