/** `harness`: trace one pixel (TRACE_TS), optionally judged against a reference, kept in a bundle. */
import {basename} from 'node:path';
import {paintVerdict} from './colour.js';

import {UserError} from '../engine/errors.js';
import {threadRaceWarning} from '../engine/threads.js';
import {EXIT} from '../util/exit-codes.js';
import {shellQuote, WarningLog} from './common.js';
import type {FlagSpecs, FlagValues} from './flags.js';
import {MAX_MEMORY_FLAG, maxMemoryOf} from './limits.js';

export const HARNESS_FLAGS = {
  pixel: {kind: 'integers', count: 2, description: 'slow then fast pixel index (as C -trace_pixel)', required: true},
  'phi-mode': {kind: 'string', description: 'spec: fresh phi rotation each step; c-parity: reproduce C-PARITY-001', options: ['spec', 'c-parity'], default: 'spec'},
  out: {kind: 'string', description: 'write the trace to this file (atomically) instead of stdout'},
  config: {kind: 'string', description: "take the nanoBragg arguments of a case: a stored case name (traces/<name>/) or a case folder path; runs in a private copy of its inputs, after its pre_args. With nanoBragg arguments after --: those in place of the case's own"},
  ref: {kind: 'string', description: 'reference trace (e.g. the C trace): print the verdict (exit 1 on a divergence) instead of the trace'},
  bundle: {kind: 'string', description: 'keep the evidence in a new timestamped bundle under this folder'},
  tolerance: {kind: 'string', description: 'relative tolerance for --ref', default: '1e-6'},
  json: {kind: 'boolean', description: 'print JSON: the trace as structured JSON, or with --ref the comparison (metrics.json)'},
  'c-threads': {kind: 'integer', description: 'trace the pixel as the C program run with OMP_NUM_THREADS=N does (c-parity: its thread block starts from the unrotated cell; default 1)', min: 1},
  'max-memory': MAX_MEMORY_FLAG,
} as const satisfies FlagSpecs;

/** Run the command; `commandLine` is what follows `nbparity harness` (recorded in bundles). Returns the exit code. */
export async function runHarness(flags: FlagValues, passthrough: string[], commandLine: string[]): Promise<number> {
  const pixel = flags.pixel as number[];
  if (pixel.length !== 2) throw new UserError('--pixel takes two integers: slow fast', EXIT.USAGE);
  const bundle = flags.bundle as string | undefined;
  const ref = flags.ref as string | undefined;
  const out = flags.out as string | undefined;
  const config = flags.config as string | undefined;
  const json = flags.json === true;
  const toleranceText = flags.tolerance as string;
  const tolerance = Number(toleranceText);
  if (!(tolerance >= 0 && Number.isFinite(tolerance)) || toleranceText.trim() === '') {
    throw new UserError(`--tolerance: expected a finite number >= 0, got '${toleranceText}'`, EXIT.USAGE);
  }
  const mode = flags['phi-mode'] as 'spec' | 'c-parity';
  const [spixel, fpixel] = pixel;
  const cThreads = (flags['c-threads'] as number | undefined) ?? 1;
  const maxMemoryBytes = await maxMemoryOf(flags);
  const {tracePixel} = await import('../engine/harness.js');
  const run = config ? await (await import('./config.js')).openConfig(config, mode, passthrough.length ? passthrough : undefined) : undefined;
  const argv = run?.argv ?? passthrough;
  let result;
  try {
    result = tracePixel({argv, spixel, fpixel, phiMode: mode, cwd: run?.cwd, cThreads, maxMemoryBytes});
  } finally {
    run?.dispose();
  }
  const warnings = new WarningLog();
  for (const w of result.sim.warnings) warnings.add(w);
  const race = threadRaceWarning(result.sim.interpolate, cThreads);
  if (race) warnings.add(race);
  if (out) {
    const {nanoBraggInputs, refuseOverwritingInputs} = await import('./inputs-outputs.js');
    // nanoBragg's inputs are relative to its working folder: ours, or for --config the case's
    // inputs folder (the private folder only links them)
    const inputs = [...(ref ? [{flag: '--ref', path: ref}] : []), ...nanoBraggInputs(result.sim.settings, run ? run.case.inputsDir : result.sim.cwd)];
    refuseOverwritingInputs([{flag: '--out', path: out}], inputs);
  }

  const command = shellQuote(['nbparity', 'harness', ...commandLine]);

  // the comparison, bundle and JSON modules (ajv among them) load only when asked for: a plain
  // trace is the edit-trace loop's common case
  let comparison: import('../trace/compare.js').TraceComparison | undefined;
  let referenceName: string | undefined;
  if (ref) {
    const [{TraceInputError}, {compareTraceInputs, readTraceInput}, {safeName, sha256Hex}] = await Promise.all([
      import('../trace/errors.js'),
      import('../trace/compare.js'),
      import('../report/bundle.js'),
    ]);
    const traceBytes = Buffer.from(result.trace, 'utf8');
    const traceInput = {path: 'trace.log', text: result.trace, sha256: sha256Hex(traceBytes), bytes: traceBytes.length};
    referenceName = `reference/${safeName(basename(ref))}`;
    try {
      comparison = compareTraceInputs(readTraceInput(ref), traceInput, {rtol: tolerance, atol: null, harnessCommand: command});
      // inside a bundle the reference is its copy: metrics.json and summary.md name that
      if (bundle) comparison.inputs.ref.path = referenceName;
    } catch (e) {
      // name the flag: "--ref: c.log is empty"
      if (e instanceof TraceInputError) throw new TraceInputError(`--ref: ${e.message}`, e.exitCode);
      throw e;
    }
  }

  // --out is staged first and renamed only after the bundle is complete: a failing bundle
  // step leaves an earlier --out file as it was (and the bundle leaves no folder)
  const {stageFile} = await import('../io/atomic.js');
  const staged = out ? await stageFile(out, result.trace) : undefined;
  let bundleDir: string | undefined;
  try {
    if (bundle) {
      const {writeBundle} = await import('../report/bundle.js');
      const {traceComparisonRecord, traceJson, traceRecord} = await import('../report/trace-evidence.js');
      const {parseTrace} = await import('../trace/parse.js');
      const env = {mode, pixel: {slow: spixel, fast: fpixel}, c_threads: cThreads, config: config ?? null, nanobragg_args: argv};
      const record = comparison
        ? traceComparisonRecord(comparison, {
            commands: [command],
            env: {...env, trace_file: 'trace.log', reference_file: referenceName!, reference_source: ref!, tolerance, atol: null},
            warnings: warnings.list,
          })
        : traceRecord(traceJson(parseTrace(result.trace, {source: 'trace.log'}), {phiMode: mode, pixel: {slow: spixel, fast: fpixel}, warnings: warnings.list}), {
            commands: [command],
            env: {...env, trace_file: 'trace.log', reference_file: null, reference_source: null, tolerance, atol: null},
          });
      const b = await writeBundle({
        target: {root: bundle},
        files: {'trace.log': result.trace},
        copies: ref ? {[referenceName!]: ref} : {},
        ...record,
      });
      bundleDir = b.dir;
    }
  } catch (e) {
    await staged?.discard();
    throw e;
  }
  await staged?.commit();

  const print = (text: string) => process.stdout.write(text);
  if (json) {
    const {buildMetrics, metricsText, validateMetrics} = await import('../report/metrics.js');
    if (comparison) {
      const metrics = buildMetrics(comparison, new Date(), warnings.list);
      validateMetrics(metrics);
      print(metricsText(metrics));
    } else {
      const {traceJson} = await import('../report/trace-evidence.js');
      const {parseTrace} = await import('../trace/parse.js');
      print(`${JSON.stringify(traceJson(parseTrace(result.trace, {source: 'trace.log'}), {phiMode: mode, pixel: {slow: spixel, fast: fpixel}, warnings: warnings.list}), null, 2)}\n`);
    }
  } else if (comparison) {
    const {verdictLines} = await import('../report/summary.js');
    print(verdictLines(comparison).map((l, i) => `${i === 0 ? paintVerdict(l) : l}\n`).join(''));
    if (bundleDir) print(`bundle: ${bundleDir}\n`);
  } else if (bundleDir) print(`bundle: ${bundleDir}\n`);
  else if (!out) print(result.trace);
  return comparison ? (await import('../trace/compare.js')).exitCodeOf(comparison) : EXIT.OK;
}
