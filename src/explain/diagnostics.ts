/**
 * Trace-quality diagnostics, said before any verdict: things about the traces themselves that
 * decide how far a comparison can be trusted (a pixel mismatch, values printed with too few
 * digits, a trace without per-phi or set-up lines, a trace that contradicts itself).
 */
import type {ParsedTrace, TraceEntry} from '../trace/parse.js';
import {significantDigits} from './float32.js';

export interface Diagnostic {
  code: string;
  severity: 'info' | 'warning' | 'error';
  message: string;
}

type Pixel = {slow: number; fast: number};
const px = (p: Pixel) => `slow ${p.slow}, fast ${p.fast}`;

/** Both traces' stated pixels, and the pixel the engine traces: any disagreement comes first. */
export function pixelDiagnostics(ref: ParsedTrace, test: ParsedTrace, pixel: Pixel): Diagnostic[] {
  const out: Diagnostic[] = [];
  const stated: Array<[string, Pixel | null]> = [
    ['the reference', ref.pixel],
    ['the test', test.pixel],
  ];
  for (const [who, p] of stated) {
    if (p && (p.slow !== pixel.slow || p.fast !== pixel.fast)) {
      out.push({code: 'PIXEL-MISMATCH', severity: 'error', message: `${who} states pixel ${px(p)}, but the pixel explained is ${px(pixel)}: the traces may be of different pixels`});
    }
  }
  if (ref.pixel && test.pixel && (ref.pixel.slow !== test.pixel.slow || ref.pixel.fast !== test.pixel.fast) && out.length === 0) {
    out.push({code: 'PIXEL-MISMATCH', severity: 'error', message: `the reference is of pixel ${px(ref.pixel)}, the test of ${px(test.pixel)}`});
  }
  if (!test.pixel) out.push({code: 'NO-PIXEL-IDENTITY', severity: 'warning', message: `the test trace does not state its pixel (no TRACE_CONFIG line): it is taken to be ${px(pixel)}`});
  return out;
}

/** One sentence for what a test trace does not print at all (instead of one "missing" row per key). */
export function coverageDiagnostics(ref: ParsedTrace, test: ParsedTrace): Diagnostic[] {
  const lacks: string[] = [];
  if (ref.phi.length > 0 && test.phi.length === 0) lacks.push(`no per-phi lines (the reference has ${ref.phi.length})`);
  const refSetup = ref.counts.setup;
  if (refSetup > 0 && test.counts.setup === 0) lacks.push(`no set-up (key=) lines (the reference has ${refSetup})`);
  const testKeys = new Set(test.entries.map((e) => e.key));
  const absent = [...new Set(ref.entries.filter((e) => e.form === 'pixel' && !testKeys.has(e.key)).map((e) => e.key))];
  if (absent.length > 0) lacks.push(`${absent.length} of the reference's per-pixel keys (${absent.slice(0, 4).join(', ')}${absent.length > 4 ? ', …' : ''})`);
  if (lacks.length === 0) return [];
  return [{code: 'TEST-COVERAGE', severity: 'info', message: `the test trace has ${lacks.join('; ')}: those are not judged; the explanation rests on the keys both print`}];
}

/** Test values printed with too few significant digits to be judged at `rtol` where the reference prints more. */
export function digitDiagnostics(ref: ParsedTrace, test: ParsedTrace, rtol: number): Diagnostic[] {
  const refBy = new Map<string, TraceEntry>();
  for (const e of ref.entries) refBy.set(`${e.key}#${e.occurrence}`, e);
  const coarse: string[] = [];
  for (const e of test.entries) {
    if (e.form === 'setup' || !e.value.numbers) continue;
    const r = refBy.get(`${e.key}#${e.occurrence}`);
    if (!r || !r.value.numbers) continue;
    const tokens = e.value.raw.split(/\s+/);
    const refTokens = r.value.raw.split(/\s+/);
    const bad = tokens.find((t, i) => {
      const d = significantDigits(t);
      const refMore = refTokens[i] !== undefined && significantDigits(refTokens[i]) > d;
      return refMore && d > 0 && 0.5 * 10 ** (1 - d) > rtol;
    });
    if (bad && !coarse.some((c) => c.startsWith(`${e.key} `))) coarse.push(`${e.key} ${bad}`);
  }
  if (coarse.length === 0) return [];
  return [
    {
      code: 'TOO-FEW-DIGITS',
      severity: 'warning',
      message: `the test prints ${coarse.length} key(s) with too few significant digits to be judged at rtol ${rtol} (${coarse.slice(0, 4).join('; ')}${coarse.length > 4 ? '; …' : ''}): a difference there may be the printing alone`,
    },
  ];
}

const lastValue = (t: ParsedTrace, key: string): number | undefined => {
  const all = t.entries.filter((e) => e.key === key && e.value.numbers?.length === 1);
  return all.length ? all[all.length - 1].value.numbers![0] : undefined;
};

/**
 * I_pixel_final against the product of its own scaling keys: r_e_sqr * fluence * I_before_scaling
 * / steps, times capture_fraction, polar and omega_pixel unless their oversample_* flag says
 * they were applied per sub-path.
 */
export function consistencyDiagnostics(t: ParsedTrace, who: string, rtol: number): Diagnostic[] {
  const v = (k: string) => lastValue(t, k);
  const [final, I, re2, fluence, steps] = [v('I_pixel_final'), v('I_before_scaling'), v('r_e_sqr'), v('fluence_photons_per_m2'), v('steps')];
  if ([final, I, re2, fluence, steps].some((x) => x === undefined) || steps === 0) return [];
  let product = (re2! * fluence! * I!) / steps!;
  const factors: Array<[string, string]> = [
    ['capture_fraction', 'oversample_thick'],
    ['polar', 'oversample_polar'],
    ['omega_pixel', 'oversample_omega'],
  ];
  for (const [key, flag] of factors) {
    const x = v(key);
    if (x === undefined) return [];
    if (!v(flag)) product *= x;
  }
  const rel = Math.abs(product - final!) / Math.max(Math.abs(product), Math.abs(final!));
  // the product is recomputed from printed (rounded) values: allow their printing error too
  if (!(rel > Math.max(rtol, 1e-6))) return [];
  return [
    {
      code: 'INCONSISTENT-SCALING',
      severity: 'warning',
      message: `${who}: I_pixel_final ${final} is not the product of its own scaling keys (r_e_sqr * fluence * I_before_scaling / steps * capture_fraction * polar * omega_pixel = ${Number(product.toPrecision(9))}, rel Δ ${rel.toPrecision(3)})`,
    },
  ];
}
