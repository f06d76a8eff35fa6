/** `harness`: trace one pixel (TRACE_TS), optionally compared with a reference in a bundle. */
import {UserError} from '../engine/errors.js';
import {threadRaceWarning} from '../engine/threads.js';
import {warn} from './common.js';
import type {FlagSpecs, FlagValues} from './flags.js';

export const HARNESS_FLAGS = {
  pixel: {kind: 'integers', count: 2, description: 'slow then fast pixel index (as C -trace_pixel)', required: true},
  'phi-mode': {kind: 'string', description: 'spec: fresh phi rotation each step; c-parity: reproduce C-PARITY-001', options: ['spec', 'c-parity'], default: 'spec'},
  out: {kind: 'string', description: 'write the trace to this file (atomically) instead of stdout'},
  config: {kind: 'string', description: 'take the nanoBragg arguments of a case: a stored case name (traces/<name>/) or a case folder path; runs in a private copy of its inputs'},
  ref: {kind: 'string', description: 'reference trace (e.g. the C trace) to compare against; needs --bundle'},
  bundle: {kind: 'string', description: 'write a timestamped evidence bundle under this folder'},
  tolerance: {kind: 'string', description: 'relative tolerance for --ref', default: '1e-6'},
  'c-threads': {kind: 'integer', description: "trace the pixel as the C program run with OMP_NUM_THREADS=N does (c-parity: its thread block starts from the unrotated cell; default 1)", min: 1},
} as const satisfies FlagSpecs;

/** Run the command; `commandLine` is what follows `nbparity harness` (recorded in bundles). Returns the exit code. */
export async function runHarness(flags: FlagValues, passthrough: string[], commandLine: string[]): Promise<number> {
  const pixel = flags.pixel as number[];
  if (pixel.length !== 2) throw new UserError('--pixel takes two integers: slow fast', 2);
  const bundle = flags.bundle as string | undefined;
  const ref = flags.ref as string | undefined;
  const out = flags.out as string | undefined;
  const config = flags.config as string | undefined;
  const toleranceText = flags.tolerance as string;
  if (ref && !bundle) throw new UserError('--ref needs --bundle (or compare afterwards with compare-traces)', 2);
  const tolerance = Number(toleranceText);
  if (!(tolerance >= 0 && Number.isFinite(tolerance)) || toleranceText.trim() === '') throw new UserError(`--tolerance: expected a number >= 0, got '${toleranceText}'`, 2);
  const {tracePixel} = await import('../engine/harness.js');
  if (config && passthrough.length) throw new UserError('give either --config or nanoBragg arguments after --, not both', 2);
  const mode = flags['phi-mode'] as 'spec' | 'c-parity';
  const [spixel, fpixel] = pixel;
  const cThreads = (flags['c-threads'] as number | undefined) ?? 1;
  const run = config ? await (await import('./config.js')).openConfig(config, mode) : undefined;
  const argv = run?.argv ?? passthrough;
  let result;
  try {
    result = tracePixel({argv, spixel, fpixel, phiMode: mode, cwd: run?.cwd, cThreads});
  } finally {
    run?.dispose();
  }
  for (const w of result.sim.warnings) warn(w);
  const race = threadRaceWarning(result.sim.interpolate, cThreads);
  if (race) warn(race);
  if (!out && !bundle) {
    process.stdout.write(result.trace);
    return 0;
  }
  // --out is staged first and renamed only after the bundle is complete: a failing bundle
  // step leaves an earlier --out file as it was (and the bundle leaves no folder)
  const {stageFile} = await import('../io/atomic.js');
  const staged = out ? await stageFile(out, result.trace) : undefined;
  let bundleDir: string | undefined;
  let bundleCode = 0;
  try {
    if (bundle) {
      const {writeBundle} = await import('../report/bundle.js');
      const {TraceInputError} = await import('../trace/errors.js');
      const command = ['nbparity', 'harness', ...commandLine].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
      try {
        const b = await writeBundle({
          root: bundle,
          files: {'trace.log': result.trace},
          commands: [command],
          env: {mode, tolerance, pixel: {slow: spixel, fast: fpixel}, c_threads: cThreads, config: config ?? null, nanobragg_args: argv},
          reference: ref,
          trace: 'trace.log',
        });
        bundleDir = b.dir;
        bundleCode = b.exitCode;
      } catch (e) {
        // an unusable --ref is an unreadable or malformed input file, exit 3 like the others
        if (e instanceof TraceInputError) throw new UserError(`--ref: ${e.message}`, 3);
        throw e;
      }
    }
  } catch (e) {
    await staged?.discard();
    throw e;
  }
  await staged?.commit();
  if (bundleDir === undefined) return 0;
  process.stdout.write(`${bundleDir}\n`);
  return bundleCode;
}
