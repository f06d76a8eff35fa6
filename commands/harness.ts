import {Command, Flags} from '@oclif/core';
import {fail, parseFlags, runGuarded, splitPassthrough, warn} from '../src/cli/common.js';
import {UserError} from '../src/engine/errors.js';

export default class Harness extends Command {
  static summary = "Trace one pixel through the engine, in the C tracer's key vocabulary (TRACE_TS).";
  static description = `Computes only the requested pixel (no full render) and prints TRACE_TS lines with the same keys, order, repetition and %.15g formatting as nanoBragg.c's -trace_pixel output, plus TRACE_TS_PHI and TRACE_TS_SOURCE2 lines and the set-up keys. In c-parity mode the pixel starts from the state the earlier pixels of a single-threaded C run leave (phi carry-over, interpolation switched off).
The nanoBragg arguments follow "--" (input files are read relative to the working folder, as C does), or come from --config <case> (traces/<case>/meta.json, inputs read from traces/inputs).
With --bundle ROOT, writes ROOT/<UTC yyyymmddTHHMMSSZ>/ with the trace, commands.txt, env.json, sha256.txt and, given --ref, the reference copy and its comparison (summary.md, metrics.json).

Exit codes: 0 trace written (and, with --ref, within tolerance); 1 divergence from --ref (the bundle is still written); 2 bad arguments; 3 unreadable or malformed input file (an unusable --ref included), or an --out/--bundle that cannot be written (an earlier --out file is then left as it was, and no bundle folder); 4 pixel outside the detector; 5 pixel not rendered (outside -roi or zero in -mask: C prints no per-pixel block); 9 nanoBragg usage error (no structure factors or no cell), as C.`;
  static examples = [
    '<%= config.bin %> harness --config supervisor --pixel 685 1039 --phi-mode c-parity',
    '<%= config.bin %> harness --config supervisor --pixel 685 1039 --phi-mode spec --ref traces/supervisor/trace_s685_f1039.log --bundle reports',
    '<%= config.bin %> harness --pixel 100 150 --out trace.log -- -cell 100 100 100 90 90 90 -default_F 100 -N 5',
  ];
  static strict = false;
  static flags = {
    pixel: Flags.integer({description: 'slow then fast pixel index (as C -trace_pixel)', multiple: true, required: true}),
    'phi-mode': Flags.string({description: 'spec: fresh phi rotation each step; c-parity: reproduce C-PARITY-001', options: ['spec', 'c-parity'], default: 'spec'}),
    out: Flags.string({description: 'write the trace to this file (atomically) instead of stdout'}),
    config: Flags.string({description: 'take the nanoBragg arguments of a reference case (traces/<name>/meta.json)'}),
    ref: Flags.string({description: 'reference trace (e.g. the C trace) to compare against; needs --bundle'}),
    bundle: Flags.string({description: 'write a timestamped evidence bundle under this folder'}),
    tolerance: Flags.string({description: 'relative tolerance for --ref', default: '1e-6'}),
  };

  async run(): Promise<void> {
    await runGuarded(this, async () => {
      const {own, passthrough} = splitPassthrough(this.argv);
      const {flags} = await parseFlags(this, () => this.parse(Harness, own));
      if (flags.pixel.length !== 2) fail(this, '--pixel takes two integers: slow fast', 2);
      if (flags.ref && !flags.bundle) fail(this, '--ref needs --bundle (or compare afterwards with compare-traces)', 2);
      const tolerance = Number(flags.tolerance);
      if (!(tolerance >= 0 && Number.isFinite(tolerance)) || flags.tolerance.trim() === '') fail(this, `--tolerance: expected a number >= 0, got '${flags.tolerance}'`, 2);
      const {tracePixel} = await import('../src/engine/harness.js');
      let argv = passthrough;
      let cwd: string | undefined;
      if (flags.config) {
        if (passthrough.length) fail(this, 'give either --config or nanoBragg arguments after --, not both', 2);
        const {loadPreset} = await import('../src/cli/presets.js');
        ({args: argv, cwd} = loadPreset(flags.config));
      }
      const mode = flags['phi-mode'] as 'spec' | 'c-parity';
      const [spixel, fpixel] = flags.pixel;
      const result = tracePixel({argv, spixel, fpixel, phiMode: mode, cwd});
      for (const w of result.sim.warnings) warn(w);
      if (!flags.out && !flags.bundle) {
        process.stdout.write(result.trace);
        return;
      }
      // --out is staged first and renamed only after the bundle is complete: a failing bundle
      // step leaves an earlier --out file as it was (and the bundle leaves no folder)
      const {stageFile} = await import('../src/io/atomic.js');
      const staged = flags.out ? await stageFile(flags.out, result.trace) : undefined;
      let bundleDir: string | undefined;
      let bundleCode = 0;
      try {
        if (flags.bundle) {
          const {writeBundle} = await import('../src/report/bundle.js');
          const {TraceInputError} = await import('../src/trace/errors.js');
          const command = ['nbparity', 'harness', ...this.argv].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
          try {
            const b = await writeBundle({
              root: flags.bundle,
              files: {'trace.log': result.trace},
              commands: [command],
              env: {mode, tolerance, pixel: {slow: spixel, fast: fpixel}, config: flags.config ?? null, nanobragg_args: argv},
              reference: flags.ref,
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
      if (bundleDir !== undefined) {
        process.stdout.write(`${bundleDir}\n`);
        if (bundleCode !== 0) this.exit(bundleCode);
      }
    });
  }
}
