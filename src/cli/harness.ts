/** `harness`: trace one pixel (TRACE_TS), optionally compared with a reference in a bundle. */
import {UserError} from '../engine/errors.js';
import {writeOutput} from './common.js';
import type {FlagSpecs, FlagValues} from './flags.js';

export const HARNESS_FLAGS = {
  pixel: {kind: 'integers', count: 2, description: 'slow then fast pixel index (as C -trace_pixel)', required: true},
  'phi-mode': {kind: 'string', description: 'spec: fresh phi rotation each step; c-parity: reproduce C-PARITY-001', options: ['spec', 'c-parity'], default: 'spec'},
  out: {kind: 'string', description: 'write the trace to this file (atomically) instead of stdout'},
  config: {kind: 'string', description: 'take the nanoBragg arguments of a reference case (traces/<name>/meta.json)'},
  ref: {kind: 'string', description: 'reference trace (e.g. the C trace) to compare against; needs --bundle'},
  bundle: {kind: 'string', description: 'write a timestamped evidence bundle under this folder'},
  tolerance: {kind: 'string', description: 'relative tolerance for --ref', default: '1e-6'},
} as const satisfies FlagSpecs;

/** Run the command; `commandLine` is what follows `nbparity harness` (recorded in bundles). Returns the exit code. */
export async function runHarness(flags: FlagValues, passthrough: string[], commandLine: string[]): Promise<number> {
  const pixel = flags.pixel as number[];
  if (pixel.length !== 2) throw new UserError('--pixel takes two integers: slow fast', 2);
  const bundle = flags.bundle as string | undefined;
  const ref = flags.ref as string | undefined;
  const out = flags.out as string | undefined;
  const config = flags.config as string | undefined;
  if (ref && !bundle) throw new UserError('--ref needs --bundle (or compare afterwards with compare-traces)', 2);
  const tolerance = Number(flags.tolerance);
  if (!(tolerance >= 0)) throw new UserError(`--tolerance: expected a number >= 0, got '${flags.tolerance}'`, 2);
  const {tracePixel} = await import('../engine/harness.js');
  let argv = passthrough;
  let cwd: string | undefined;
  if (config) {
    if (passthrough.length) throw new UserError('give either --config or nanoBragg arguments after --, not both', 2);
    const {loadPreset} = await import('./presets.js');
    ({args: argv, cwd} = loadPreset(config));
  }
  const mode = flags['phi-mode'] as 'spec' | 'c-parity';
  const [spixel, fpixel] = pixel;
  const result = tracePixel({argv, spixel, fpixel, phiMode: mode, cwd});
  if (out || !bundle) await writeOutput(result.trace, out);
  if (!bundle) return 0;
  const {writeBundle} = await import('../report/bundle.js');
  const command = ['nbparity', 'harness', ...commandLine].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
  const b = await writeBundle({
    root: bundle,
    files: {'trace.log': result.trace},
    commands: [command],
    env: {mode, tolerance, pixel: {slow: spixel, fast: fpixel}, config: config ?? null, nanobragg_args: argv},
    reference: ref,
    trace: 'trace.log',
  });
  process.stdout.write(`${b.dir}\n`);
  return b.exitCode;
}
