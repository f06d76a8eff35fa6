import {Command} from '@oclif/core';
import {parseFlags, runGuarded, splitPassthrough} from '../src/cli/common.js';
import {HARNESS_FLAGS, runHarness} from '../src/cli/harness.js';
import {oclifFlags} from '../src/cli/oclif-flags.js';

export default class Harness extends Command {
  static summary = "Trace one pixel through the engine, in the C tracer's key vocabulary (TRACE_TS).";
  static description = `Computes only the requested pixel (no full render) and prints TRACE_TS lines with the same keys, order, repetition and %.15g formatting as nanoBragg.c's -trace_pixel output, plus TRACE_TS_PHI and TRACE_TS_SOURCE2 lines and the set-up keys. In c-parity mode the pixel starts from the state the earlier pixels of a single-threaded C run leave (phi carry-over, interpolation switched off); with --c-threads N, the state its thread of the C run with OMP_NUM_THREADS=N has (each thread's block of rows starts from the unrotated cell; interpolation keeps the one-thread order, as C's threads race on it).
The nanoBragg arguments follow "--" (input files are read relative to the working folder, as C does), or come from --config CASE: a stored case's name (traces/<name>/) or the path of a case folder (as capture writes them) or its meta.json. A --config run works in a private temporary folder holding links to the input files the case names (from the inputs folder its meta.json states), runs the case's pre_args there first, and removes it afterwards: nothing left in the inputs folder (a Fdump.bin from an earlier simulate) changes the result.
With --bundle ROOT, writes ROOT/<UTC yyyymmddTHHMMSSZ>/ with the trace, commands.txt, env.json, sha256.txt and, given --ref, the reference copy and its comparison (summary.md, metrics.json).

Exit codes: 0 trace written (and, with --ref, within tolerance); 1 divergence from --ref (the bundle is still written); 2 bad arguments; 3 unreadable or malformed input file (an unusable --ref included), or an --out/--bundle that cannot be written (an earlier --out file is then left as it was, and no bundle folder); 4 pixel outside the detector; 5 pixel not rendered (outside -roi or zero in -mask: C prints no per-pixel block); 9 nanoBragg usage error (no structure factors or no cell), as C.`;
  static examples = [
    '<%= config.bin %> harness --config supervisor --pixel 685 1039 --phi-mode c-parity',
    '<%= config.bin %> harness --config supervisor --pixel 685 1039 --phi-mode spec --ref traces/supervisor/trace_s685_f1039.log --bundle reports',
    '<%= config.bin %> harness --pixel 100 150 --out trace.log -- -cell 100 100 100 90 90 90 -default_F 100 -N 5',
    '<%= config.bin %> harness --config supervisor --pixel 1264 0 --phi-mode c-parity --c-threads 2',
  ];
  static strict = false;
  static flags = oclifFlags(HARNESS_FLAGS);

  async run(): Promise<void> {
    await runGuarded(this, async () => {
      const {own, passthrough} = splitPassthrough(this.argv);
      const {flags} = await parseFlags(this, () => this.parse(Harness, own));
      const code = await runHarness(flags, passthrough, this.argv);
      if (code !== 0) this.exit(code);
    });
  }
}
