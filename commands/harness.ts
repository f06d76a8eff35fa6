import {Command} from '@oclif/core';
import {parseCommandLine, runCommand} from '../src/cli/common.js';
import {HARNESS_FLAGS, runHarness} from '../src/cli/harness.js';
import type {FlagValues} from '../src/cli/flags.js';
import {oclifFlags} from '../src/cli/oclif-flags.js';
import {EXIT} from '../src/util/exit-codes.js';

export default class Harness extends Command {
  static summary = "Trace one pixel through the engine, in the C tracer's key vocabulary (TRACE_TS).";
  static description = `Computes only the requested pixel (no full render) and prints TRACE_TS lines with the same keys, order, repetition and %.15g formatting as nanoBragg.c's -trace_pixel output, plus TRACE_TS_PHI and TRACE_TS_SOURCE2 lines and the set-up keys. In c-parity mode the pixel starts from the state the earlier pixels of a single-threaded C run leave (phi carry-over, interpolation switched off); with --c-threads N, the state its thread of the C run with OMP_NUM_THREADS=N has (each thread's block of rows starts from the unrotated cell; interpolation keeps the one-thread order, as C's threads race on it).
The nanoBragg arguments follow "--" (input files are read relative to the working folder, as C does), or come from --config CASE: a stored case's name (traces/<name>/) or the path of a case folder (as capture writes them) or its meta.json. A --config run works in a private temporary folder holding links to the input files the case names (from the inputs folder its meta.json states), runs the case's pre_args there first, and removes it afterwards: nothing left in the inputs folder (a Fdump.bin from an earlier simulate) changes the result. --config CASE with nanoBragg arguments after -- runs those arguments in place of the case's own, in the same private folder after the same pre_args.
What goes to stdout: the trace; with --ref the verdict against that reference trace instead (exit 1 on a divergence); with --json the trace as structured JSON (schemas/trace.schema.json) or, with --ref, the comparison (metrics.json, schemas/metrics.schema.json). --out writes the trace to a file. --bundle ROOT keeps the evidence in ROOT/<UTC yyyymmddTHHMMSSZ>/ (trace.log, the reference copy, metrics.json, summary.md, index.html: the page to look at, nbparity view; warnings.txt, commands.txt, env.json, sha256.txt) and prints "bundle: <folder>" (not with --json).
An --out that is one of the run's inputs (--ref, -hkl, -mat...) is refused (exit 2).`;
  static exitCodes = [EXIT.OK, EXIT.VERDICT, EXIT.USAGE, EXIT.BAD_INPUT, EXIT.IDENTITY, EXIT.NOT_RENDERED, EXIT.CANNOT_WRITE, EXIT.NANOBRAGG_USAGE, EXIT.LIMIT, EXIT.INTERNAL, EXIT.SIGINT, EXIT.SIGTERM];
  static examples = [
    '<%= config.bin %> harness --config supervisor --pixel 685 1039 --phi-mode c-parity',
    '<%= config.bin %> harness --config supervisor --pixel 685 1039 --phi-mode c-parity --ref traces/supervisor/trace_s685_f1039.log',
    '<%= config.bin %> harness --config supervisor --pixel 685 1039 --phi-mode spec --ref traces/supervisor/trace_s685_f1039.log --bundle reports',
    '<%= config.bin %> harness --pixel 100 150 --json -- -cell 100 100 100 90 90 90 -default_F 100 -N 5',
    '<%= config.bin %> harness --pixel 100 150 --out trace.log -- -cell 100 100 100 90 90 90 -default_F 100 -N 5',
    '<%= config.bin %> harness --config supervisor --pixel 1264 0 --phi-mode c-parity --c-threads 2 --ref traces/supervisor/openmp/trace_s1264_f0_omp2.log',
    '<%= config.bin %> harness --config fdump_reuse --pixel 32 32 -- -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 120 -detpixels 64 -pixel 0.1 -nonoise',
  ];
  static passthrough = true;
  static strict = false;
  static flags = oclifFlags(HARNESS_FLAGS);

  async run(): Promise<void> {
    await runCommand(async () => {
      const {flags, passthrough} = await parseCommandLine(this, Harness);
      return runHarness(flags as FlagValues, passthrough, this.argv);
    });
  }
}
