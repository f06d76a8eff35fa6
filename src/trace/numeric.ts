/**
 * Tolerance rules (see src/trace/README.md):
 *   scalars   pass when |a-b| <= atol + rtol*max(|a|,|b|)
 *   vectors   pass when ||a-b|| <= atol + rtol*max(||a||,||b||)   (3-vectors, matrices by Frobenius norm)
 *   integers  pass only when equal
 *   pairs     each `name:value` compared as a scalar; names must match
 *   text      equal after collapsing blanks
 * A NaN on either side is a divergence (status "nan"); so is an infinity on either side, equal
 * or not (status "fail"): no finite computation printed it, so it is never a pass.
 * Reported deltas are test minus reference: abs_delta is signed for scalars and a norm for vectors;
 * rel_delta is abs_delta / |reference| (null when the reference is 0 and the values differ).
 */
import type {KeyKind} from './catalogue.js';
import type {TraceValue} from './parse.js';

export type ValueStatus = 'pass' | 'fail' | 'nan' | 'shape';

export interface Tolerance {
  /** relative tolerance (--tolerance) */
  rtol: number;
  /** absolute tolerance (--atol); null: use the catalogue's per-key floor, else 0 */
  atol: number | null;
}

export interface Delta {
  status: ValueStatus;
  abs_delta: number | null;
  rel_delta: number | null;
  /** one line on why it is not a pass */
  note?: string;
}

const INFINITE: Delta = {status: 'fail', abs_delta: null, rel_delta: null, note: 'infinite (never a pass)'};

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function rel(diff: number, refMagnitude: number): number | null {
  if (refMagnitude !== 0) return finiteOrNull(diff / refMagnitude);
  return diff === 0 ? 0 : null;
}

export function compareScalar(ref: number, test: number, atol: number, rtol: number): Delta {
  if (Number.isNaN(ref) || Number.isNaN(test)) return {status: 'nan', abs_delta: null, rel_delta: null, note: 'NaN'};
  if (!Number.isFinite(ref) || !Number.isFinite(test)) return INFINITE;
  if (ref === test) return {status: 'pass', abs_delta: 0, rel_delta: 0};
  const diff = test - ref;
  const ok = Math.abs(diff) <= atol + rtol * Math.max(Math.abs(ref), Math.abs(test));
  return {status: ok ? 'pass' : 'fail', abs_delta: diff, rel_delta: rel(diff, Math.abs(ref))};
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

export function compareVector(ref: number[], test: number[], atol: number, rtol: number): Delta {
  if (ref.length !== test.length) {
    return {status: 'shape', abs_delta: null, rel_delta: null, note: `${ref.length} vs ${test.length} components`};
  }
  if (ref.some(Number.isNaN) || test.some(Number.isNaN)) return {status: 'nan', abs_delta: null, rel_delta: null, note: 'NaN'};
  if (![...ref, ...test].every(Number.isFinite)) return INFINITE;
  if (ref.every((x, i) => x === test[i])) return {status: 'pass', abs_delta: 0, rel_delta: 0};
  const d = norm(ref.map((x, i) => test[i] - x));
  const nr = norm(ref);
  const ok = d <= atol + rtol * Math.max(nr, norm(test));
  return {status: ok ? 'pass' : 'fail', abs_delta: finiteOrNull(d), rel_delta: rel(d, nr)};
}

export function compareIntegers(ref: number[], test: number[]): Delta {
  if (ref.length !== test.length) {
    return {status: 'shape', abs_delta: null, rel_delta: null, note: `${ref.length} vs ${test.length} components`};
  }
  if (ref.some(Number.isNaN) || test.some(Number.isNaN)) return {status: 'nan', abs_delta: null, rel_delta: null, note: 'NaN'};
  if (![...ref, ...test].every(Number.isFinite)) return INFINITE;
  const equal = ref.every((x, i) => x === test[i]);
  if (ref.length === 1) {
    const diff = test[0] - ref[0];
    return {status: equal ? 'pass' : 'fail', abs_delta: equal ? 0 : finiteOrNull(diff), rel_delta: equal ? 0 : rel(diff, Math.abs(ref[0]))};
  }
  const d = norm(ref.map((x, i) => test[i] - x));
  return {status: equal ? 'pass' : 'fail', abs_delta: equal ? 0 : finiteOrNull(d), rel_delta: equal ? 0 : rel(d, norm(ref))};
}

/** Compares two parsed values as `kind` says. */
export function compareValues(kind: KeyKind, ref: TraceValue, test: TraceValue, atol: number, rtol: number): Delta {
  if (kind === 'text' || ref.numbers === null || test.numbers === null) {
    if (kind !== 'text' && (ref.numbers === null) !== (test.numbers === null)) {
      return {status: 'shape', abs_delta: null, rel_delta: null, note: 'number vs text'};
    }
    const same = ref.raw.replace(/\s+/g, ' ') === test.raw.replace(/\s+/g, ' ');
    return {status: same ? 'pass' : 'fail', abs_delta: null, rel_delta: null, note: same ? undefined : 'text differs'};
  }
  const r = ref.numbers;
  const t = test.numbers;
  switch (kind) {
    case 'integer':
      return compareIntegers(r, t);
    case 'scalar':
      if (r.length === 1 && t.length === 1) return compareScalar(r[0], t[0], atol, rtol);
      return compareVector(r, t, atol, rtol);
    case 'pairs': {
      const rn = ref.names ?? [];
      const tn = test.names ?? [];
      if (rn.join(' ') !== tn.join(' ') || r.length !== t.length) {
        return {status: 'shape', abs_delta: null, rel_delta: null, note: `names ${rn.join(',')} vs ${tn.join(',')}`};
      }
      let worst: Delta = {status: 'pass', abs_delta: 0, rel_delta: 0};
      const rank = (d: Delta) => (d.status === 'pass' ? 0 : d.status === 'fail' ? 1 : 2);
      for (let i = 0; i < r.length; i++) {
        const d = compareScalar(r[i], t[i], atol, rtol);
        const worse =
          rank(d) > rank(worst) ||
          (rank(d) === rank(worst) && Math.abs(d.rel_delta ?? Infinity) > Math.abs(worst.rel_delta ?? Infinity));
        if (worse) worst = {...d, note: d.status === 'pass' ? undefined : `${rn[i]} ${d.note ?? 'outside tolerance'}`};
      }
      return worst;
    }
    default:
      return compareVector(r, t, atol, rtol);
  }
}
