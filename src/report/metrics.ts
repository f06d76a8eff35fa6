/**
 * metrics.json: the machine-readable result of a trace comparison. Built from a TraceComparison,
 * validated against schemas/metrics.schema.json (ajv) before anything is written.
 */
import {dirname, extname, join} from 'node:path';

import {makeFolders, removeFolders, writeFilesAtomic} from '../io/atomic.js';
import type {KeyComparison, TraceComparison} from '../trace/compare.js';
import type {TraceValue} from '../trace/parse.js';
import {packageInfo} from '../trace/project.js';
import {renderSummary} from './summary.js';
import {assertValid} from './validate.js';

export const METRICS_SCHEMA = 'metrics.schema.json';

export const VERDICT_POLICY =
  'The verdict rests on the per-pixel keys (the `key v…` form, SOURCE2 and the per-phi lines): a reference occurrence outside ' +
  'tolerance, NaN, of another shape or missing from the test is a divergence, and so is a test occurrence beyond the reference\'s ' +
  'count of a key the reference has. Set-up (`key=`) and diagnostic (TAP5) keys are compared and reported, never decisive. ' +
  'Order: pipeline order of schemas/trace-keys.json, then occurrence.';

export type JsonNum = number | 'NaN' | 'Infinity' | '-Infinity';
export type JsonValue = null | JsonNum | string | JsonNum[];

const jsonNum = (x: number): JsonNum => (Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : x);

export function jsonValue(v: TraceValue | null, kind: KeyComparison['kind']): JsonValue {
  if (!v) return null;
  if (v.numbers === null) return v.raw;
  if (v.numbers.length === 1 && (kind === 'scalar' || kind === 'integer')) return jsonNum(v.numbers[0]);
  return v.numbers.map(jsonNum);
}

const finite = (x: number | null) => (x === null || !Number.isFinite(x) ? null : x);

export interface MetricsJson {
  schema_version: 1;
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
}

export function buildMetrics(c: TraceComparison, now: Date = new Date()): MetricsJson {
  const pkg = packageInfo();
  const keyRef = (k: KeyComparison) => ({key: k.key, occurrence: k.occurrence, scope: k.scope, decisive: k.counts});
  const f = c.first_divergence;
  return {
    schema_version: 1,
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
  };
}

/** Validates metrics against schemas/metrics.schema.json; throws SchemaValidationError. */
export function validateMetrics(metrics: unknown): void {
  assertValid(METRICS_SCHEMA, metrics);
}

export function metricsText(metrics: MetricsJson): string {
  return JSON.stringify(metrics, null, 2) + '\n';
}

/**
 * Where --out points: a `.md` file (metrics.json goes beside it) or a folder (summary.md and
 * metrics.json inside it).
 */
export function outputPaths(out: string): {summary: string; metrics: string; dir: string} {
  if (extname(out).toLowerCase() === '.md') {
    const dir = dirname(out);
    return {summary: out, metrics: join(dir, 'metrics.json'), dir};
  }
  return {summary: join(out, 'summary.md'), metrics: join(out, 'metrics.json'), dir: out};
}

/**
 * Writes summary.md and metrics.json (metrics validated first: nothing is written if it does not
 * validate). Returns the paths written.
 */
export async function writeComparisonOutputs(
  c: TraceComparison,
  out: string,
  now: Date = new Date(),
): Promise<{summary: string; metrics: string}> {
  const paths = outputPaths(out);
  const metrics = buildMetrics(c, now);
  validateMetrics(metrics);
  const summary = renderSummary(c);
  const created = makeFolders(paths.dir);
  try {
    // both or neither: an earlier summary.md/metrics.json pair is never left half replaced
    await writeFilesAtomic([
      {path: paths.metrics, data: metricsText(metrics)},
      {path: paths.summary, data: summary},
    ]);
  } catch (error) {
    removeFolders(created);
    throw error;
  }
  return {summary: paths.summary, metrics: paths.metrics};
}

