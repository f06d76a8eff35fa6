/**
 * metrics.json of a trace comparison (kind "trace-comparison"): the machine-readable result. Built from a TraceComparison,
 * validated against schemas/metrics.schema.json (ajv) before anything is written.
 */
import type {KeyComparison, TraceComparison} from '../trace/compare.js';
import type {TraceValue} from '../trace/parse.js';
import {packageInfo} from '../trace/project.js';
import {assertValid} from './validate.js';

export const METRICS_SCHEMA = 'metrics.schema.json';

export const VERDICT_POLICY =
  'The verdict rests on the per-pixel keys (the `key v…` form, SOURCE2 and the per-phi lines): a reference occurrence outside ' +
  'tolerance, NaN, of another shape or missing from the test is a divergence, and so is a test occurrence beyond the reference\'s ' +
  'count of a key the reference has. Set-up (`key=`) and diagnostic (TAP5) keys are compared and reported, never decisive. ' +
  'Order: pipeline order of schemas/trace-keys.json, then occurrence.';

export type JsonNum = number | 'NaN' | 'Infinity' | '-Infinity';
export type JsonValue = null | JsonNum | string | JsonNum[];

/** A number for JSON: non-finite values as the strings "NaN", "Infinity", "-Infinity". */
export const jsonNum = (x: number): JsonNum => (Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : x);

export function jsonValue(v: TraceValue | null, kind: KeyComparison['kind']): JsonValue {
  if (!v) return null;
  if (v.numbers === null) return v.raw;
  if (v.numbers.length === 1 && (kind === 'scalar' || kind === 'integer')) return jsonNum(v.numbers[0]);
  return v.numbers.map(jsonNum);
}

const finite = (x: number | null) => (x === null || !Number.isFinite(x) ? null : x);

export interface MetricsJson {
  schema_version: 1;
  kind: 'trace-comparison';
  generator: {name: string; version: string};
  generated_utc: string;
  verdict: 'pass' | 'divergence';
  tolerance: number;
  atol: number | null;
  key_atol: Record<string, number>;
  policy: string;
  first_divergence: string | null;
  first_divergence_detail: {
    key: string;
    occurrence: number;
    stage: string;
    status: string;
    abs_delta: number | null;
    rel_delta: number | null;
  } | null;
  pixel: {slow: number; fast: number} | null;
  inputs: TraceComparison['inputs'];
  counts: TraceComparison['counts'];
  keys: Array<Record<string, unknown>>;
  missing: Array<{key: string; occurrence: number; scope: string; decisive: boolean}>;
  extra: Array<{key: string; occurrence: number; scope: string; decisive: boolean}>;
  per_phi: TraceComparison['per_phi'];
  attributions: TraceComparison['attributions'];
  /** every warning of the run (a bundle fills it in from warnings.txt's lines) */
  warnings?: string[];
}

export function buildMetrics(c: TraceComparison, now: Date = new Date(), warnings: readonly string[] = []): MetricsJson {
  const pkg = packageInfo();
  const keyRef = (k: KeyComparison) => ({key: k.key, occurrence: k.occurrence, scope: k.scope, decisive: k.counts});
  const f = c.first_divergence;
  return {
    schema_version: 1,
    kind: 'trace-comparison',
    generator: {name: pkg.name, version: pkg.version},
    generated_utc: now.toISOString(),
    verdict: c.verdict,
    tolerance: c.tolerance.rtol,
    atol: c.tolerance.atol,
    key_atol: c.key_atol,
    policy: VERDICT_POLICY,
    first_divergence: f ? f.key : null,
    first_divergence_detail: f
      ? {key: f.key, occurrence: f.occurrence, stage: f.stage, status: f.status, abs_delta: finite(f.abs_delta), rel_delta: finite(f.rel_delta)}
      : null,
    pixel: c.pixel,
    inputs: c.inputs,
    counts: c.counts,
    keys: c.keys.map((k) => {
      const entry: Record<string, unknown> = {
        key: k.key,
        occurrence: k.occurrence,
        scope: k.scope,
        stage: k.stage,
        kind: k.kind,
        unit: k.unit,
        known: k.known,
        ref: jsonValue(k.ref, k.kind),
        test: jsonValue(k.test, k.kind),
        ref_text: k.ref?.raw ?? null,
        test_text: k.test?.raw ?? null,
        abs_delta: finite(k.abs_delta),
        rel_delta: finite(k.rel_delta),
        status: k.status,
        decisive: k.counts,
        atol: k.atol,
      };
      if (k.note && k.status !== 'pass') entry.note = k.note;
      return entry;
    }),
    missing: c.missing.map(keyRef),
    extra: c.extra.map(keyRef),
    per_phi: c.per_phi,
    attributions: c.attributions,
    warnings: [...warnings],
  };
}

/** Validates metrics against schemas/metrics.schema.json; throws SchemaValidationError. */
export function validateMetrics(metrics: unknown): void {
  assertValid(METRICS_SCHEMA, metrics);
}

export function metricsText(metrics: MetricsJson): string {
  return JSON.stringify(metrics, null, 2) + '\n';
}
