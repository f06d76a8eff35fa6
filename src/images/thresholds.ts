/**
 * When two images agree: thresholds on the correlation, the sum ratio, the largest |difference|
 * and the RMSE, all on the ROI. Correlation alone ignores scale (an image times 1e9 correlates
 * perfectly), so the defaults bound the sum ratio too: corr >= 0.999 and test/ref sum within
 * [0.99, 1.01], a 1 % photometric agreement. The absolute bounds (max |diff|, RMSE) depend on the
 * images' units, so they are off unless asked for (`max_abs_max: 0` asks for equality).
 *
 * Identical images pass whatever the thresholds: the correlation of a constant (or all-zero)
 * image is undefined and its sum ratio may be 0/0, but an image is identical to itself.
 */
import {UserError} from '../engine/errors.js';
import {EXIT, type ExitCode} from '../util/exit-codes.js';
import type {ImageMetrics} from './metrics.js';

export interface Thresholds {
  /** the correlation must be at least this, in [-1, 1] */
  corr_min: number;
  /** test/ref sum within [sum_ratio_min, sum_ratio_max] */
  sum_ratio_min: number;
  sum_ratio_max: number;
  /** max |test - ref| at most this (null: no bound) */
  max_abs_max: number | null;
  /** RMSE at most this (null: no bound) */
  rmse_max: number | null;
}

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = {corr_min: 0.999, sum_ratio_min: 0.99, sum_ratio_max: 1.01, max_abs_max: null, rmse_max: null};

/** The command-line flag of each threshold. */
export const THRESHOLD_FLAGS: Readonly<Record<keyof Thresholds, string>> = {
  corr_min: '--corr-min',
  sum_ratio_min: '--sum-ratio-min',
  sum_ratio_max: '--sum-ratio-max',
  max_abs_max: '--max-abs-max',
  rmse_max: '--rmse-max',
};

export interface FailedThreshold {
  name: keyof Thresholds;
  /** the measured value (null: undefined, e.g. the correlation of a constant image) */
  value: number | null;
  limit: number;
  /** how the value fails: below a minimum, above a maximum, or undefined */
  relation: 'below' | 'above' | 'undefined';
}

/**
 * Thresholds from values that may be missing (defaults fill them) or wrong (a UserError naming
 * `label(key)`, with `exitCode`: 2 for flags, 3 for a case file). Impossible values are refused:
 * a correlation minimum outside [-1, 1], a negative or non-finite bound, min above max.
 */
function checked(values: Partial<Record<keyof Thresholds, number | null>>, label: (k: keyof Thresholds) => string, exitCode: ExitCode): Thresholds {
  const t: Thresholds = {...DEFAULT_THRESHOLDS};
  for (const key of Object.keys(DEFAULT_THRESHOLDS) as Array<keyof Thresholds>) {
    const v = values[key];
    if (v === undefined) continue;
    if (v === null && (key === 'max_abs_max' || key === 'rmse_max')) {
      t[key] = null;
      continue;
    }
    const bad = (want: string) => new UserError(`${label(key)}: expected ${want}, got ${JSON.stringify(v)}`, exitCode);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad('a finite number');
    if (key === 'corr_min' && !(v >= -1 && v <= 1)) throw bad('a correlation in [-1, 1]');
    if (key !== 'corr_min' && v < 0) throw bad('a number >= 0');
    (t as unknown as Record<string, number>)[key] = v;
  }
  if (t.sum_ratio_min > t.sum_ratio_max) {
    throw new UserError(`${label('sum_ratio_min')} ${t.sum_ratio_min} is above ${label('sum_ratio_max')} ${t.sum_ratio_max}: no sum ratio can pass`, exitCode);
  }
  return t;
}

/** Thresholds from flag texts (undefined: the default); a malformed or impossible value is a usage error (exit 2). */
export function thresholdsFromFlags(texts: Partial<Record<keyof Thresholds, string>>): Thresholds {
  const values: Partial<Record<keyof Thresholds, number>> = {};
  for (const [key, text] of Object.entries(texts) as Array<[keyof Thresholds, string | undefined]>) {
    if (text === undefined) continue;
    const v = text.trim() === '' ? NaN : Number(text);
    if (!Number.isFinite(v)) throw new UserError(`${THRESHOLD_FLAGS[key]}: expected a finite number, got ${JSON.stringify(text)}`, EXIT.USAGE);
    values[key] = v;
  }
  return checked(values, (k) => THRESHOLD_FLAGS[k], EXIT.USAGE);
}

/**
 * Thresholds as a case list writes them (`thresholds: {corr_min, sum_ratio_min, sum_ratio_max,
 * max_abs_max}`, the PyTorch port's keys, plus `rmse_max`); keys absent keep their defaults. An
 * unknown key or an impossible value is bad input (exit 3) naming `source` (e.g. "cases.yaml: case
 * detector-64").
 */
export function thresholdsFromCase(obj: unknown, source: string): Thresholds {
  if (obj === null || obj === undefined) return {...DEFAULT_THRESHOLDS};
  if (typeof obj !== 'object' || Array.isArray(obj)) throw new UserError(`${source}: thresholds: expected a mapping of ${Object.keys(DEFAULT_THRESHOLDS).join(', ')}`, EXIT.BAD_INPUT);
  const entries = Object.entries(obj as Record<string, unknown>);
  const unknown = entries.find(([k]) => !Object.hasOwn(DEFAULT_THRESHOLDS, k));
  if (unknown) throw new UserError(`${source}: thresholds: unknown key '${unknown[0]}' (known: ${Object.keys(DEFAULT_THRESHOLDS).join(', ')})`, EXIT.BAD_INPUT);
  return checked(Object.fromEntries(entries) as Partial<Record<keyof Thresholds, number | null>>, (k) => `${source}: thresholds.${k}`, EXIT.BAD_INPUT);
}

/** Every threshold the metrics fail; none for identical images. */
export function failedThresholds(m: ImageMetrics, t: Thresholds): FailedThreshold[] {
  if (isIdentical(m)) return [];
  const out: FailedThreshold[] = [];
  if (m.correlation === null) out.push({name: 'corr_min', value: null, limit: t.corr_min, relation: 'undefined'});
  else if (!(m.correlation >= t.corr_min)) out.push({name: 'corr_min', value: m.correlation, limit: t.corr_min, relation: 'below'});
  // both sums zero: equal sums (the pixels still differ, which the other bounds judge)
  const ratio = m.sum_ratio ?? (m.sum_test === 0 ? 1 : null);
  if (ratio === null) out.push({name: 'sum_ratio_min', value: null, limit: t.sum_ratio_min, relation: 'undefined'});
  else if (!(ratio >= t.sum_ratio_min)) out.push({name: 'sum_ratio_min', value: ratio, limit: t.sum_ratio_min, relation: 'below'});
  else if (!(ratio <= t.sum_ratio_max)) out.push({name: 'sum_ratio_max', value: ratio, limit: t.sum_ratio_max, relation: 'above'});
  if (t.max_abs_max !== null && !(m.max_abs_diff <= t.max_abs_max)) out.push({name: 'max_abs_max', value: m.max_abs_diff, limit: t.max_abs_max, relation: 'above'});
  if (t.rmse_max !== null && !(m.rmse <= t.rmse_max)) out.push({name: 'rmse_max', value: m.rmse, limit: t.rmse_max, relation: 'above'});
  return out;
}

/** Every ROI pixel equal (a comparison of a pixel with itself). */
export function isIdentical(m: ImageMetrics): boolean {
  return m.pixels > 0 && m.identical_fraction === 1;
}

const METRIC_NAME: Record<keyof Thresholds, string> = {
  corr_min: 'correlation',
  sum_ratio_min: 'sum_ratio',
  sum_ratio_max: 'sum_ratio',
  max_abs_max: 'max_abs_diff',
  rmse_max: 'rmse',
};

/** "correlation 0.98 < corr_min 0.999; sum_ratio 1.26e+09 > sum_ratio_max 1.01" */
export function describeFailures(failed: readonly FailedThreshold[]): string {
  return failed
    .map((f) =>
      f.relation === 'undefined'
        ? `${METRIC_NAME[f.name]} undefined (a constant image or a zero reference sum) fails ${f.name} ${f.limit}`
        : `${METRIC_NAME[f.name]} ${f.value!.toPrecision(6)} ${f.relation === 'below' ? '<' : '>'} ${f.name} ${f.limit}`,
    )
    .join('; ');
}
