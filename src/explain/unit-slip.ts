/**
 * Unit slips found by a scale factor between corresponding keys: when a key that is
 * proportional to one input (close_distance_meters to -distance, lambda_meters to -lambda…)
 * differs between reference and test by one of the catalogue's factors (1000, π/180, 1e10…),
 * the input read in the wrong unit is a candidate.
 */
import type {KeyComparison, TraceComparison} from '../trace/compare.js';
import type {UnitFactor, UnitInput} from './catalogue.js';

/** test/reference ratios of the key's non-zero components (`key.name` picks one pair). */
function ratios(k: KeyComparison, pairName: string | null): number[] {
  const r = k.ref?.numbers;
  const t = k.test?.numbers;
  if (!r || !t || r.length !== t.length) return [];
  const idx = pairName === null ? r.map((_, i) => i) : [k.ref!.names?.indexOf(pairName) ?? -1];
  const out: number[] = [];
  for (const i of idx) {
    if (i < 0 || !(Math.abs(r[i]) > 0) || !Number.isFinite(t[i])) continue;
    out.push(t[i] / r[i]);
  }
  return out;
}

const near = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.abs(b);

/** The (input, factor) pairs whose keys all differ by that factor, in catalogue order. */
export function unitSlips(change: {factors: UnitFactor[]; inputs: UnitInput[]}, before: TraceComparison): Array<{input: UnitInput; factor: UnitFactor}> {
  const out: Array<{input: UnitInput; factor: UnitFactor}> = [];
  for (const input of change.inputs) {
    const found: number[] = [];
    for (const spec of input.keys) {
      const dot = spec.indexOf('.', spec.startsWith('PHI.') || spec.startsWith('SOURCE2.') ? spec.indexOf('.') + 1 : 0);
      const key = dot >= 0 ? spec.slice(0, dot) : spec;
      const pair = dot >= 0 ? spec.slice(dot + 1) : null;
      for (const k of before.keys) if (k.key === key && k.status === 'fail') found.push(...ratios(k, pair));
    }
    if (found.length === 0) continue;
    for (const factor of change.factors) {
      if (found.some((r) => near(r, factor.factor))) out.push({input, factor});
    }
  }
  return out;
}
