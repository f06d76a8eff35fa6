/**
 * Test traces "written by another implementation", made by running our engine with a
 * deliberate change (a transposed pixel, -close_distance for -distance, spec vs c-parity…) and,
 * for float32, by redoing the lattice step in float32 and printing every value as a float32
 * with 9 significant digits.
 */
import {tracePixel} from '../../src/engine/harness.js';
import type {PhiMode} from '../../src/engine/setup.js';

export interface EngineTraceOptions {
  argv: string[];
  pixel: [number, number];
  phiMode?: PhiMode;
  cThreads?: number;
  cwd?: string;
  prefix?: string;
}

/** Our engine's trace (TRACE_PY by default: it stands for a port). */
export function engineTrace(o: EngineTraceOptions): string {
  return tracePixel({argv: o.argv, spixel: o.pixel[0], fpixel: o.pixel[1], phiMode: o.phiMode ?? 'c-parity', cwd: o.cwd, cThreads: o.cThreads, prefix: `TRACE_${o.prefix ?? 'PY'}`}).trace;
}

/** The trace without its per-phi lines, as a port that prints none. */
export function withoutPhiLines(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^TRACE_[A-Z]+_PHI\b/.test(l))
    .join('\n');
}

const f32 = Math.fround;
/** a float32 as a port prints it: 9 significant digits, or widened to double with 15 (`%.15g`) */
const printF32 = (x: number, digits: 9 | 15) => (Number.isFinite(x) ? String(Number(f32(x).toPrecision(digits))) : String(x));

function sincg(x: number, n: number): number {
  return Math.abs(Math.sin(x)) < 1e-300 ? n : Math.sin(n * x) / Math.sin(x);
}

/**
 * What a float32 port of a one-source, one-phi-step, one-domain run prints: hkl_frac as a
 * float32 dot product of the float32 scattering vector and cell vectors, F_latt_a/b/c and F_latt
 * from it, the intensities rescaled by the changed sum of F_cell^2 F_latt^2, and every per-pixel
 * value rounded to float32 and printed with 9 significant digits (or widened to double, with 15).
 */
export function float32Trace(text: string, N: [number, number, number], digits: 9 | 15 = 9): string {
  const print = (x: number) => printF32(x, digits);
  const lines = text.split('\n');
  const values = (l: string) => l.trim().split(/\s+/).slice(2).map(Number);
  let S: number[] = [];
  const cell: number[][] = [];
  let hkl32: number[] = [];
  const hklAll: number[][] = [];
  const fl32: number[] = [];
  let Iold = 0;
  let Inew = 0;
  let Fcell = 0;
  let flOld = 0;
  let flNew = 0;
  const out: string[] = [];
  const flush = () => {
    Iold += Fcell * Fcell * flOld * flOld;
    Inew += Fcell * Fcell * flNew * flNew;
  };
  // first pass: the lattice step per sub-path, in float32
  for (const l of lines) {
    const m = /^TRACE_PY: (\S+)/.exec(l);
    if (!m) continue;
    const key = m[1];
    const v = values(l);
    if (key === 'scattering_vec_A_inv') S = v.map(f32);
    if (key === 'rot_a_angstroms' || key === 'rot_b_angstroms' || key === 'rot_c_angstroms') {
      if (key === 'rot_a_angstroms') cell.length = 0;
      cell.push(v.map((x) => f32(x * 1e-10)));
    }
    if (key === 'hkl_frac') {
      hkl32 = cell.map((a) => f32(f32(f32(f32(S[0] * a[0]) + f32(S[1] * a[1])) + f32(S[2] * a[2]))));
      hklAll.push(hkl32);
    }
    if (key === 'F_latt') {
      const f = [0, 1, 2].map((i) => f32(sincg(Math.PI * hkl32[i], N[i])));
      fl32.push(...f, f32(f32(f[0] * f[1]) * f[2]));
      flOld = v[0];
      flNew = fl32[fl32.length - 1];
    }
    if (key === 'F_cell') {
      Fcell = v[0];
      flush();
    }
  }
  const ratio = Inew / Iold;
  let occ = 0;
  let hklOcc = 0;
  let phiOcc = 0;
  for (const l of lines) {
    const m = /^(TRACE_PY: )(\S+)(.*)$/.exec(l);
    if (m) {
      const key = m[2];
      let v = values(l);
      if (v.some((x) => Number.isNaN(x))) {
        out.push(l);
        continue;
      }
      if (key === 'hkl_frac') v = hklAll[hklOcc++] ?? v;
      if (key === 'F_latt_a') v = [fl32[occ * 4]];
      if (key === 'F_latt_b') v = [fl32[occ * 4 + 1]];
      if (key === 'F_latt_c') v = [fl32[occ * 4 + 2]];
      if (key === 'F_latt') v = [fl32[occ++ * 4 + 3]];
      if (key === 'I_before_scaling' || key === 'I_pixel_final' || key === 'floatimage_accumulated') v = [v[0] * ratio];
      out.push(`${m[1]}${key} ${v.map(print).join(' ')}`);
      continue;
    }
    const p = /^TRACE_PY_PHI (.*)$/.exec(l);
    if (p) {
      const i = phiOcc++;
      const fields = p[1].split(/\s+/).map((f) => f.split('='));
      const set: Record<string, number> = {F_latt_b: fl32[i * 4 + 1], F_latt: fl32[i * 4 + 3]};
      out.push(`TRACE_PY_PHI ${fields.map(([k, v]) => `${k}=${k === 'phi_tic' ? v : print(set[k] ?? Number(v))}`).join(' ')}`);
      continue;
    }
    out.push(l);
  }
  return out.join('\n');
}
