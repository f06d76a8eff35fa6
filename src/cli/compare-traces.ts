/** `compare-traces`: two traces, key by key; the verdict on stdout, the evidence in a bundle on request. */
import {basename} from 'node:path';

import {safeName, writeBundle, type BundleTarget} from '../report/bundle.js';
import {buildMetrics, metricsText, validateMetrics} from '../report/metrics.js';
import {verdictLines} from '../report/summary.js';
import {paintVerdict} from './colour.js';
import {traceComparisonRecord} from '../report/trace-evidence.js';
import {compareTraceInputs, DEFAULT_RTOL, exitCodeOf, readTraceInput} from '../trace/compare.js';
import {parseNonNegative} from '../trace/errors.js';
import type {Prefix} from '../trace/parse.js';
import {shellQuote} from './common.js';
import {UserError} from '../engine/errors.js';
import {EXIT} from '../util/exit-codes.js';

export interface CompareTracesFlags {
  c: string;
  py: string;
  out?: string;
  bundle?: string;
  tolerance?: string;
  atol?: string;
  json?: boolean;
  'ref-prefix'?: string;
  'test-prefix'?: string;
  'harness-command'?: string;
}

/** Returns the exit code: 0 pass, 1 divergence; bad input throws. */
export async function compareTracesCommand(flags: CompareTracesFlags, commandLine: string[]): Promise<number> {
  const rtol = parseNonNegative('tolerance', flags.tolerance) ?? DEFAULT_RTOL;
  const atol = parseNonNegative('atol', flags.atol) ?? null;
  const target: BundleTarget | undefined = flags.out !== undefined ? {dir: flags.out} : flags.bundle !== undefined ? {root: flags.bundle} : undefined;
  // a bundle copies its inputs from disk; standard input is read once and not kept
  if (target && (flags.c === '-' || flags.py === '-')) throw new UserError('a trace from standard input (-) cannot be copied into a bundle (--out, --bundle): give it as a file', EXIT.USAGE);
  const refName = `reference/${safeName(basename(flags.c))}`;
  const testName = `test/${safeName(basename(flags.py))}`;
  const comparison = compareTraceInputs(readTraceInput(flags.c), readTraceInput(flags.py), {
    rtol,
    atol,
    refPrefix: flags['ref-prefix'] as Prefix | undefined,
    testPrefix: flags['test-prefix'] as Prefix | undefined,
    harnessCommand: flags['harness-command'],
  });
  const warnings: string[] = [];
  let bundleDir: string | undefined;
  if (target) {
    // inside a bundle the inputs are its copies: metrics.json and summary.md name those
    comparison.inputs.ref.path = refName;
    comparison.inputs.test.path = testName;
    const record = traceComparisonRecord(comparison, {
      commands: [shellQuote(['nbparity', 'compare-traces', ...commandLine])],
      env: {trace_file: testName, reference_file: refName, reference_source: flags.c, test_source: flags.py, tolerance: rtol, atol},
      warnings,
    });
    bundleDir = (await writeBundle({target, files: {}, copies: {[refName]: flags.c, [testName]: flags.py}, ...record})).dir;
  }
  if (flags.json) {
    const metrics = buildMetrics(comparison, new Date(), warnings);
    validateMetrics(metrics);
    process.stdout.write(metricsText(metrics));
  } else {
    const lines = verdictLines(comparison);
    lines[0] = paintVerdict(lines[0]);
    if (bundleDir) lines.push(`bundle: ${bundleDir}`);
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  }
  return exitCodeOf(comparison);
}
