/**
 * The float32 hypothesis: recognising a test that computes in float32, and judging it at the
 * precision float32 can reach.
 *
 * Recognition: its numbers are what a float32 prints (each printed value is the 9-digit form of a
 * float32, which a float64 printed with 9 digits almost never is, or a float32 widened to double
 * and printed with all its digits), or the keys before the first amplifying step differ from C
 * by float32 round-off only (more than 9-digit printing explains, at most a few float32 ulps).
 *
 * Judging: keys before the lattice transform get a few float32 ulps. The lattice transform
 * sincg(pi h, N) = sin(N pi h)/sin(pi h) amplifies an error dh of the fractional Miller index
 * by |d ln F / dh| = pi |N cot(N pi h) - cot(pi h)|, large for large N near its zeros; dh itself
 * is a few ulps of the index vector's length (h = S.a is a dot product of large numbers).
 * F_latt adds the three axes' relative errors; the intensities (sums of F_cell^2 F_latt^2) get
 * twice the largest. The engine does not compute in float32; this is a bound on what float32
 * can reach, key by key, not a float32 re-run.
 */
import type {Simulation} from '../engine/setup.js';
import type {KeyComparison, TraceComparison} from '../trace/compare.js';
import type {ParsedTrace} from '../trace/parse.js';

/** float32 unit round-off, 2^-24 */
export const EPS32 = 2 ** -24;
/** what a handful of float32 operations can accumulate before an amplifying step */
export const BASE32 = 8 * EPS32;

/** Significant digits of a printed number (`713431` -> 6, `1.50e-3` -> 3, `0.0012` -> 2). */
export function significantDigits(token: string): number {
  const mantissa = token.trim().replace(/^[+-]/, '').split(/[eE]/)[0];
  const digits = mantissa.replace('.', '').replace(/^0+/, '');
  return digits.length;
}

/**
 * true when `token` is how a float32 prints: its 9-digit form, or a float32 widened to double and
 * printed with more digits (`%.15g` of a float32 tensor)
 */
export function isFloat32Print(token: string): boolean {
  const v = Number(token);
  if (!Number.isFinite(v) || v === 0 || Number.isInteger(v)) return false;
  const digits = significantDigits(token);
  if (digits > 17) return false;
  return Number(Math.fround(v).toPrecision(Math.max(digits, 9))) === v;
}

function numericTokens(trace: ParsedTrace): string[] {
  const out: string[] = [];
  for (const e of trace.entries) if (e.form === 'pixel' && e.value.numbers) out.push(...e.value.raw.split(/\s+/));
  for (const r of trace.phi) for (const f of ['k_frac', 'F_latt_b', 'F_latt']) if (r.raw[f]) out.push(r.raw[f]);
  return out;
}

/** The share of the test's non-integer per-pixel numbers printed as a float32 would be. */
export function float32PrintShare(test: ParsedTrace): {share: number; count: number} {
  const tokens = numericTokens(test).filter((t) => {
    const v = Number(t);
    return Number.isFinite(v) && v !== 0 && !Number.isInteger(v);
  });
  if (tokens.length === 0) return {share: 0, count: 0};
  return {share: tokens.filter(isFloat32Print).length / tokens.length, count: tokens.length};
}

const LATTICE_KEYS = new Set(['F_latt_a', 'F_latt_b', 'F_latt_c', 'F_latt', 'PHI.F_latt_b', 'PHI.F_latt', 'SOURCE2.F_latt', 'SOURCE2.F_latt_squared']);
const INTENSITY_KEYS = new Set([
  'I_before_scaling',
  'I_pixel_final',
  'floatimage_accumulated',
  'SOURCE2.I_contribution',
  'TAP5.I_before_scaling',
  'TAP5.I_pixel_final',
]);

/** keys before the first amplifying step: everything ahead of the lattice transform */
function beforeAmplifying(k: KeyComparison): boolean {
  return k.stage === 'geometry' || k.stage === 'orientation' || k.stage === 'miller' || k.stage === 'setup';
}

/** The test looks like float32 (see the file comment). */
export function float32Evidence(test: ParsedTrace, before: TraceComparison): boolean {
  const {share, count} = float32PrintShare(test);
  if (count >= 3 && share >= 0.9) return true;
  const early = before.keys.filter((k) => k.scope === 'pixel' && beforeAmplifying(k) && k.ref && k.test && k.rel_delta !== null);
  const differing = early.filter((k) => (k.rel_delta ?? 0) > 2e-9);
  return differing.length > 0 && early.every((k) => (k.rel_delta ?? 0) <= 4 * BASE32);
}

/** d ln|sincg(pi h, N)| / dh */
function sincgLogSlope(h: number, n: number): number {
  const s1 = Math.sin(Math.PI * h);
  const sn = Math.sin(n * Math.PI * h);
  if (Math.abs(s1) < 1e-12) return 0; // at an integer h the transform is flat (N)
  if (Math.abs(sn) < 1e-300) return Infinity;
  return Math.PI * (n * Math.cos(n * Math.PI * h) / sn - Math.cos(Math.PI * h) / s1);
}

export interface Float32Tolerances {
  /** the relative tolerance of one key occurrence */
  of(k: KeyComparison): number;
  /** the largest tolerance handed out (for the confirm command) */
  max(): number;
}

/**
 * Per-key float32 tolerances for a trace `h` (the hypothesis' trace: its hkl_frac and k_frac
 * give the sincg arguments), from the run's crystal size.
 */
export function float32Tolerances(h: ParsedTrace, sim: Simulation): Float32Tolerances {
  const s = sim.settings;
  const square = s.shape === 'SQUARE';
  const N = [s.Na, s.Nb, s.Nc];
  const nMax = Math.max(...N);
  const hkl = h.entries.filter((e) => e.key === 'hkl_frac').map((e) => e.value.numbers ?? []);
  const axis = (v: number[], i: number, n: number) => {
    const len = Math.max(1, Math.hypot(...v));
    const dh = 4 * BASE32 * len;
    const slope = square ? Math.abs(sincgLogSlope(v[i] ?? 0, n)) : Math.PI * n * n;
    return Math.min(1, BASE32 + slope * dh);
  };
  const perOccurrence = hkl.map((v) => [0, 1, 2].map((i) => axis(v, i, N[i])));
  const phiB = h.phi.map((r) => {
    const v = hkl[0] ?? [0, r.k_frac, 0];
    const len = Math.max(1, Math.hypot(...v));
    return Math.min(1, BASE32 + (square ? Math.abs(sincgLogSlope(r.k_frac, N[1])) : Math.PI * nMax * nMax) * 4 * BASE32 * len);
  });
  const fl = perOccurrence.map((a) => Math.min(1, a[0] + a[1] + a[2]));
  const worstLattice = Math.max(BASE32, ...fl, ...phiB);
  let largest = BASE32;
  const note = (x: number) => ((largest = Math.max(largest, x)), x);
  return {
    of(k) {
      const i = k.occurrence - 1;
      switch (k.key) {
        case 'F_latt_a':
          return note(perOccurrence[i]?.[0] ?? worstLattice);
        case 'F_latt_b':
          return note(perOccurrence[i]?.[1] ?? worstLattice);
        case 'F_latt_c':
          return note(perOccurrence[i]?.[2] ?? worstLattice);
        case 'F_latt':
          return note(fl[i] ?? worstLattice);
        case 'PHI.F_latt_b':
          return note(phiB[i] ?? worstLattice);
        case 'PHI.F_latt':
          return note(Math.min(1, (phiB[i] ?? worstLattice) * 3));
      }
      if (LATTICE_KEYS.has(k.key)) return note(Math.min(1, 2 * worstLattice));
      if (INTENSITY_KEYS.has(k.key)) return note(Math.min(1, 2 * worstLattice + BASE32));
      return note(BASE32);
    },
    max: () => largest,
  };
}
