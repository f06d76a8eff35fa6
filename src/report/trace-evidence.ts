/**
 * Trace evidence in the one bundle format (src/report/bundle.ts): the record of a trace
 * comparison (harness --ref, compare-traces), of a trace alone (harness without --ref), the
 * structured trace that `harness --json` prints, and `metrics BUNDLE`'s recomputation.
 */
import {existsSync} from 'node:fs';
import {readInputFile} from '../io/input.js';
import {join} from 'node:path';

import {writeFileAtomic} from '../io/atomic.js';
import {compareTraceInputs, readTraceInput, type CompareOptions, type TraceComparison, type TraceInput} from '../trace/compare.js';
import type {ParsedTrace} from '../trace/parse.js';
import {packageInfo} from '../trace/project.js';
import {EXIT} from '../util/exit-codes.js';
import {
  BundleError,
  checkRelative,
  COMMANDS,
  commandsText,
  composeSummary,
  ENV,
  INDEX,
  MANIFEST,
  manifestText,
  METRICS,
  requireBundleDir,
  SUMMARY,
  systemEnv,
  WARNINGS,
  warningsText,
  type BundleRecord,
} from './bundle.js';
import {buildMetrics, jsonNum, METRICS_SCHEMA, validateMetrics, type JsonNum, type MetricsJson} from './metrics.js';
import {indexRenderer} from '../view/index.js';
import {renderSummary} from './summary.js';
import {assertValid} from './validate.js';

export const TRACE_SCHEMA = 'trace.schema.json';

/** What every trace bundle records in env.json, besides the system fields. */
export interface TraceEnv {
  /** the bundle file holding the trace under test, and the reference's (null without one) */
  trace_file: string;
  reference_file: string | null;
  /** where the reference came from, as given */
  reference_source: string | null;
  tolerance: number;
  atol: number | null;
  [key: string]: unknown;
}

/** The bundle record of a trace comparison (metrics.json of kind "trace-comparison"). */
export function traceComparisonRecord(
  c: TraceComparison,
  o: {commands: string[]; env: TraceEnv; warnings: readonly string[]; now?: Date},
): BundleRecord {
  return {
    commands: o.commands,
    env: {...o.env, verdict: c.verdict, first_divergence: c.first_divergence?.key ?? null},
    metrics: {schema: METRICS_SCHEMA, data: buildMetrics(c, o.now, o.warnings) as unknown as Record<string, unknown>},
    summary: renderSummary(c),
    warnings: o.warnings,
    renderIndex: indexRenderer,
  };
}

export interface TraceJson {
  schema_version: 1;
  kind: 'trace';
  generator: {name: string; version: string};
  generated_utc: string;
  /** a trace alone is no verdict */
  verdict: null;
  pixel: {slow: number; fast: number} | null;
  phi_mode: string | null;
  prefix: string | null;
  entries: Array<{key: string; form: string; channel: string | null; occurrence: number; line: number; text: string; values: JsonNum[] | null}>;
  per_phi: Array<{phi_tic: number; phi_deg: JsonNum; k_frac: JsonNum; F_latt_b: JsonNum; F_latt: JsonNum}>;
  warnings: string[];
}

/** A parsed trace as JSON (`harness --json`, and metrics.json of a bundle without a reference). */
export function traceJson(t: ParsedTrace, o: {phiMode: string | null; pixel?: {slow: number; fast: number}; warnings: readonly string[]; now?: Date}): TraceJson {
  const pkg = packageInfo();
  const out: TraceJson = {
    schema_version: 1,
    kind: 'trace',
    generator: {name: pkg.name, version: pkg.version},
    generated_utc: (o.now ?? new Date()).toISOString(),
    verdict: null,
    pixel: t.pixel ?? o.pixel ?? null,
    phi_mode: o.phiMode,
    prefix: t.prefix,
    entries: t.entries.map((e) => ({
      key: e.key,
      form: e.form,
      channel: e.channel,
      occurrence: e.occurrence,
      line: e.line,
      text: e.value.raw,
      values: e.value.numbers?.map(jsonNum) ?? null,
    })),
    per_phi: t.phi.map((r) => ({phi_tic: r.phi_tic, phi_deg: jsonNum(r.phi_deg), k_frac: jsonNum(r.k_frac), F_latt_b: jsonNum(r.F_latt_b), F_latt: jsonNum(r.F_latt)})),
    warnings: [...o.warnings],
  };
  assertValid(TRACE_SCHEMA, out);
  return out;
}

/** The bundle record of a trace without a reference (metrics.json of kind "trace"). */
export function traceRecord(json: TraceJson, o: {commands: string[]; env: Record<string, unknown>}): BundleRecord {
  const px = json.pixel ? `slow ${json.pixel.slow}, fast ${json.pixel.fast}` : 'pixel not stated';
  const final = json.entries.find((e) => e.key === 'I_pixel_final' || e.key === 'floatimage_accumulated');
  return {
    commands: o.commands,
    env: {...o.env, verdict: null},
    metrics: {schema: TRACE_SCHEMA, data: json as unknown as Record<string, unknown>},
    summary: {
      head: [`# Trace: ${px}${json.phi_mode ? ` (${json.phi_mode} mode)` : ''}`, '', 'No reference was given, so there is no verdict: this bundle keeps the trace (`trace.log`) as evidence.', ''].join('\n'),
      body: [
        `- ${json.entries.length} trace lines (${json.entries.filter((e) => e.form === 'pixel').length} per-pixel, ${json.entries.filter((e) => e.form === 'setup').length} set-up), ${json.per_phi.length} per-phi lines`,
        final ? `- \`${final.key}\` ${final.text}` : '- no final intensity line',
        '',
        'Compare it with a reference: `nbparity compare-traces --ref C_TRACE --test trace.log`.',
        '',
      ].join('\n'),
    },
    warnings: json.warnings,
    renderIndex: indexRenderer,
  };
}

// ---------------------------------------------------------------------------------------------
// metrics BUNDLE: recompute a trace comparison in place

export interface RegenerateOptions {
  /** override the tolerance recorded in env.json */
  tolerance?: number;
  atol?: number | null;
  /** the command line doing the regeneration, appended to commands.txt */
  command?: string;
  now?: Date;
}

export interface RegenerateResult {
  dir: string;
  written: string[];
  comparison: TraceComparison;
}

function readJsonObject(path: string): Record<string, unknown> | null {
  if (!existsSync(path)) return null;
  try {
    const v = JSON.parse(readInputFile(path).toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new BundleError(`${path}: expected a JSON object`);
}

/**
 * Recomputes metrics.json and summary.md of a trace-comparison bundle from its trace and
 * reference (tolerance from env.json unless overridden), appends `command` to commands.txt,
 * refreshes env.json (keeps created_utc, adds updated_utc) and rewrites sha256.txt last; each
 * file is replaced atomically. A bundle of another kind is refused (exit 2): there is nothing
 * to recompute from (an image bundle keeps previews, not the images).
 */
export async function regenerateBundle(dir: string, options: RegenerateOptions = {}): Promise<RegenerateResult> {
  await requireBundleDir(dir);
  const now = options.now ?? new Date();
  const env = readJsonObject(join(dir, ENV)) ?? {};
  const stored = readJsonObject(join(dir, METRICS)) as (Partial<MetricsJson> & {explanations?: unknown}) | null;
  const kind = stored?.kind ?? 'trace-comparison';
  const traceFile = typeof env.trace_file === 'string' ? env.trace_file : null;
  const referenceFile = typeof env.reference_file === 'string' ? env.reference_file : null;
  if (kind !== 'trace-comparison' || !traceFile || !referenceFile) {
    throw new BundleError(`${dir}: not a trace comparison (metrics.json kind ${JSON.stringify(kind)}): nothing to recompute; check it with --verify`, EXIT.USAGE);
  }
  // explain's hypotheses were judged by re-running the engine at the bundle's tolerance, on
  // inputs the bundle does not hold: a comparison recomputed here would leave them out or stale
  if (stored && 'explanations' in stored) {
    throw new BundleError(`${dir}: an explain bundle: its hypotheses were judged by re-running the engine, which metrics cannot do; run the explain command in its commands.txt again (with --tolerance to judge at another), or check it with --verify`, EXIT.USAGE);
  }
  for (const f of [referenceFile, traceFile]) if (!existsSync(join(dir, f))) throw new BundleError(`${dir}: ${f} is missing`);
  const tolerance = options.tolerance ?? (typeof env.tolerance === 'number' ? env.tolerance : 1e-6);
  const atol = options.atol !== undefined ? options.atol : typeof env.atol === 'number' ? env.atol : null;
  const commandsPath = join(dir, COMMANDS);
  const previous = existsSync(commandsPath) ? readInputFile(commandsPath).toString('utf8').split('\n').filter((l) => l !== '') : [];
  const warningsPath = join(dir, WARNINGS);
  const warnings = existsSync(warningsPath) ? readInputFile(warningsPath).toString('utf8').split('\n').filter((l) => l !== '') : [];

  const rel = (p: string): TraceInput => ({...readTraceInput(join(dir, p)), path: p});
  const compareOptions: CompareOptions = {rtol: tolerance, atol, harnessCommand: previous[0]};
  const comparison = compareTraceInputs(rel(referenceFile), rel(traceFile), compareOptions);
  const metrics = buildMetrics(comparison, now, warnings);
  validateMetrics(metrics);
  const summary = renderSummary(comparison);
  const written: string[] = [];
  const put = async (name: string, data: string) => {
    await writeFileAtomic(join(dir, name), data);
    written.push(name);
  };
  await put(METRICS, `${JSON.stringify(metrics, null, 2)}\n`);
  await put(SUMMARY, composeSummary(summary, warnings));
  await put(WARNINGS, warningsText(warnings));
  const lines = options.command && previous[previous.length - 1] !== options.command ? [...previous, options.command] : previous;
  await put(COMMANDS, commandsText(lines));
  const newEnv = {
    ...env,
    created_utc: typeof env.created_utc === 'string' ? env.created_utc : now.toISOString(),
    updated_utc: now.toISOString(),
    ...systemEnv(),
    tolerance,
    atol,
    verdict: comparison.verdict,
    first_divergence: comparison.first_divergence?.key ?? null,
  };
  await put(ENV, `${JSON.stringify(newEnv, null, 2)}\n`);
  // the page shows metrics.json: drawn again from the new one
  if (existsSync(join(dir, INDEX))) await put(INDEX, await indexRenderer({read: (rel) => readInputFile(join(dir, checkRelative(rel)))}));
  await put(MANIFEST, await manifestText(dir));
  return {dir, written, comparison};
}
