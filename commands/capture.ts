import {Command, Flags} from '@oclif/core';
import {parseCommandLine, runCommand} from '../src/cli/common.js';
import {EXIT} from '../src/util/exit-codes.js';

export default class Capture extends Command {
  static summary = 'Run a C nanoBragg binary and write its outputs and traces as a case folder (the layout of traces/<case>/), or re-verify a stored case.';
  static description = `The C nanoBragg must be the instrumented build that prints TRACE_C lines for -trace_pixel (nbparity never ships or builds it): --c-bin PATH, or the NB_C_BIN environment variable.
What is captured: --config CASE (a stored case's name or a case folder's path: its arguments, pre_args, inputs folder and output names) or nanoBragg arguments after "--" (input files read from the current folder; capture names the outputs itself).
First the plain run: stdout.log (progress lines dropped), float.bin, int.img, image.pgm, and noise.img unless -nonoise. Then one C run per traced pixel with -trace_pixel S F, whose stdout is trace_s<S>_f<F>.log: C renders the whole frame each time, so capture prints an estimate from the first run. Traced pixels: every --pixel S F, after the --peak N brightest pixels of the plain run's float image (distinct, brightest first); with neither, a --config case's own traced pixels, and for arguments after "--" the brightest pixel.
Every C run happens in its own temporary folder holding links to the input files the arguments name (C writes Fdump.bin and its images into its working folder), with OMP_NUM_THREADS=--threads (default 1, as every reference was made); nothing is written outside the case folder --out/--name, which is built beside its final name and renamed when complete: a failure or Ctrl-C leaves nothing, and an existing folder is never replaced.
meta.json (schemas/case-meta.schema.json) records the arguments, output arguments, pre_args, the inputs folder (relative to the case), frame size, traced pixels, C's exit code and wall time, OMP_NUM_THREADS, the binary's sha256, the sha256 of every file and of every input file. A traced pixel whose C run fails, times out or prints no per-pixel block (masked, outside the ROI) is reported with its reason; the case is still written with the pixels that worked, and the exit code is 8.
--verify CASE (a name, a case folder, or a folder of cases such as traces/) re-runs C for each stored case and reports file by file whether today's output equals the stored one (images by sha256, stdout.log and traces as text once progress lines are dropped, C's exit code); exit 1 names every file that differs.`;
  static exitCodes = [EXIT.OK, EXIT.VERDICT, EXIT.USAGE, EXIT.BAD_INPUT, EXIT.CANNOT_WRITE, EXIT.EXTERNAL, EXIT.PARTIAL, EXIT.INTERNAL, EXIT.SIGINT, EXIT.SIGTERM];
  static examples = [
    '<%= config.bin %> capture --c-bin /path/to/nanoBragg --config supervisor --pixel 685 1039 --out cases',
    '<%= config.bin %> capture --c-bin /path/to/nanoBragg --name my_case --peak 1 --pixel 100 150 --out cases -- -cell 100 100 100 90 90 90 -default_F 100 -N 5 -lambda 1.0 -distance 100 -pixel 0.1 -detpixels 256 -fluence 1e20 -nonoise',
    'NB_C_BIN=/path/to/nanoBragg <%= config.bin %> capture --verify simple_cubic',
  ];
  static passthrough = true;
  static strict = false;
  static flags = {
    'c-bin': Flags.string({description: 'the C nanoBragg executable (instrumented: TRACE_C for -trace_pixel)', env: 'NB_C_BIN'}),
    config: Flags.string({description: 'capture this case: a stored case name (traces/<name>/) or a case folder path'}),
    pixel: Flags.integer({description: 'slow then fast index of a pixel to trace; repeat for more', multiple: true, min: 0}),
    peak: Flags.integer({description: 'also trace the N brightest pixels of the plain run (first)', min: 1}),
    name: Flags.string({description: 'the case folder name (default: the --config case name, or case-<UTC timestamp>)'}),
    out: Flags.string({description: 'folder the case folder is written into', default: '.'}),
    threads: Flags.integer({description: 'OMP_NUM_THREADS of the C runs (default 1; --verify: the case\'s own)', min: 1, aliases: ['c-threads']}),
    timeout: Flags.string({description: 'kill a C run after this many seconds'}),
    json: Flags.boolean({description: 'print the result as one JSON object'}),
    verify: Flags.string({description: 're-run C for this stored case (name, case folder, or a folder of cases) and compare file by file'}),
  };

  async run(): Promise<void> {
    await runCommand(async () => {
      const {flags, passthrough} = await parseCommandLine(this, Capture);
      const {runCapture} = await import('../src/cli/capture.js');
      return runCapture(flags, passthrough);
    });
  }
}
