/**
 * `explain` (and compare-traces given the run's arguments): why a test trace diverges from the C
 * trace, by re-running the engine under the hypotheses of schemas/hypotheses.json.
 */
import {basename} from 'node:path';

import {UserError} from '../engine/errors.js';
import type {PhiMode} from '../engine/setup.js';
import {DEFAULT_MAX_EVALUATIONS, explainTraces, type ExplainResult} from '../explain/explain.js';
import {explainLines, explainMetrics, explainSummary} from '../explain/report.js';
import type {Variant} from '../explain/variant.js';
import {safeName, writeBundle, type BundleTarget} from '../report/bundle.js';
import {indexRenderer} from '../view/index.js';
import {METRICS_SCHEMA, metricsText, validateMetrics} from '../report/metrics.js';
import {verdictLines} from '../report/summary.js';
import {DEFAULT_RTOL, exitCodeOf, readTraceInput} from '../trace/compare.js';
import {parseNonNegative, TraceInputError} from '../trace/errors.js';
import type {Prefix} from '../trace/parse.js';
import {EXIT} from '../util/exit-codes.js';
import {shellQuote} from './common.js';

export interface ExplainFlags {
  c: string;
  py: string;
  'py-phi'?: string;
  config?: string;
  pixel?: number[];
  out?: string;
  bundle?: string;
  json?: boolean;
  tolerance?: string;
  atol?: string;
  'phi-mode'?: string;
  'c-threads'?: number;
  'max-evaluations'?: number;
  'ref-prefix'?: string;
  'test-prefix'?: string;
}

/** Runs the analysis; `command` names the command line (bundles record it). Returns the exit code. */
/**
 * `verdict`: explain's own (the keys the test prints decide) or, when compare-traces runs the
 * analysis, compare-traces' (a key the test lacks is a divergence too).
 */
export async function runExplain(flags: ExplainFlags, passthrough: string[], command: string, o: {verdict: 'explain' | 'compare-traces'} = {verdict: 'explain'}): Promise<number> {
  if (flags.config && passthrough.length) throw new UserError('give either --config or nanoBragg arguments after --, not both', EXIT.USAGE);
  if (!flags.config && passthrough.length === 0) throw new UserError('explain needs the run\'s nanoBragg arguments: --config CASE or -- <nanoBragg args>', EXIT.USAGE);
  if (flags.pixel && flags.pixel.length !== 2) throw new UserError('--pixel takes two integers: slow fast', EXIT.USAGE);
  const rtol = parseNonNegative('tolerance', flags.tolerance) ?? DEFAULT_RTOL;
  const atol = parseNonNegative('atol', flags.atol) ?? null;
  const phiMode = (flags['phi-mode'] ?? 'c-parity') as PhiMode;
  const cThreads = flags['c-threads'] ?? 1;
  const target: BundleTarget | undefined = flags.out !== undefined ? {dir: flags.out} : flags.bundle !== undefined ? {root: flags.bundle} : undefined;

  const named = (flag: string, path: string) => {
    try {
      return readTraceInput(path);
    } catch (e) {
      // name the flag: "--c: c.log is empty"
      if (e instanceof TraceInputError) throw new TraceInputError(`${flag}: ${e.message}`, e.exitCode);
      if (e instanceof UserError) throw new UserError(`${flag}: ${e.message}`, e.exitCode);
      throw e;
    }
  };
  // a bundle copies its inputs from disk; standard input is read once and not kept
  if (target && (flags.c === '-' || flags.py === '-')) throw new UserError('a trace from standard input (-) cannot be copied into a bundle (--out, --bundle): give it as a file', EXIT.USAGE);
  const ref = named('--c', flags.c);
  const test = named('--py', flags.py);
  const testPhi = flags['py-phi'] ? await loadNamedPhiTable(flags['py-phi']) : undefined;

  const {openConfig} = await import('./config.js');
  const run = flags.config ? await openConfig(flags.config, phiMode) : undefined;
  const argv = run?.argv ?? passthrough;
  // the command that confirms a variant: harness with its arguments, judged against the test
  // trace (or the reference, for a known C behaviour)
  const commandFor = (v: Variant, tolerance: number, against: 'test' | 'reference' = 'test'): string => {
    const traceFile = against === 'test' ? flags.py : flags.c;
    const sameArgs = v.argv.length === argv.length && v.argv.every((t, i) => t === argv[i]);
    const own = [
      ...(run ? ['--config', flags.config!] : []),
      '--pixel', String(v.spixel), String(v.fpixel),
      '--phi-mode', v.phiMode,
      ...(v.cThreads > 1 ? ['--c-threads', String(v.cThreads)] : []),
      ...(tolerance !== rtol ? ['--tolerance', String(Number(tolerance.toPrecision(3)))] : []),
      '--ref', traceFile,
    ];
    // changed arguments of a case replace its own, in its private copy after its pre_args
    return shellQuote(['nbparity', 'harness', ...own, ...(run && sameArgs ? [] : ['--', ...v.argv])]);
  };
  let result: ExplainResult;
  try {
    result = explainTraces({
      ref,
      test,
      testPhi,
      refPrefix: flags['ref-prefix'] as Prefix | undefined,
      testPrefix: flags['test-prefix'] as Prefix | undefined,
      argv,
      cwd: run?.cwd ?? process.cwd(),
      pixel: flags.pixel ? {slow: flags.pixel[0], fast: flags.pixel[1]} : undefined,
      rtol,
      atol,
      phiMode,
      cThreads,
      maxEvaluations: flags['max-evaluations'] ?? DEFAULT_MAX_EVALUATIONS,
      commandFor,
    });
  } finally {
    run?.dispose();
  }

  const warnings: string[] = [];
  let bundleDir: string | undefined;
  if (target) {
    const refName = `reference/${safeName(basename(flags.c))}`;
    const testName = `test/${safeName(basename(flags.py))}`;
    result.comparison.inputs.ref.path = refName;
    result.comparison.inputs.test.path = testName;
    const now = new Date();
    bundleDir = (
      await writeBundle({
        target,
        now,
        files: {},
        copies: {[refName]: flags.c, [testName]: flags.py},
        commands: [command],
        env: {
          trace_file: testName,
          reference_file: refName,
          reference_source: flags.c,
          test_source: flags.py,
          tolerance: rtol,
          atol,
          pixel: result.pixel,
          phi_mode: phiMode,
          c_threads: cThreads,
          config: flags.config ?? null,
          nanobragg_args: argv,
          evaluations: result.evaluations,
          verdict: result.before.first ? 'divergence' : 'pass',
        },
        metrics: {schema: METRICS_SCHEMA, data: explainMetrics(result, now, warnings) as unknown as Record<string, unknown>},
        summary: explainSummary(result),
        warnings,
        renderIndex: indexRenderer,
      })
    ).dir;
  }
  if (flags.json) {
    const metrics = explainMetrics(result, new Date(), warnings);
    validateMetrics(metrics);
    process.stdout.write(metricsText(metrics));
  } else {
    const lines = explainLines(result, o.verdict === 'compare-traces' ? verdictLines(result.comparison) : undefined);
    if (bundleDir) lines.push(`bundle: ${bundleDir}`);
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  }
  if (result.diagnostics.some((d) => d.code === 'PIXEL-MISMATCH')) return EXIT.IDENTITY;
  if (o.verdict === 'compare-traces') return exitCodeOf(result.comparison);
  return result.before.first ? EXIT.VERDICT : EXIT.OK;
}

async function loadNamedPhiTable(path: string) {
  const {loadPhiTable} = await import('../trace/perphi.js');
  try {
    return loadPhiTable(path);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`--py-phi: ${e.message}`, e.exitCode);
    throw e;
  }
}
