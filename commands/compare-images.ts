import {Command, Flags} from '@oclif/core';
import {parseCommandLine, runCommand} from '../src/cli/common.js';
import {MAX_MEMORY_FLAG, MAX_WORKERS} from '../src/cli/limits.js';
import {EXIT} from '../src/util/exit-codes.js';

export default class CompareImages extends Command {
  static summary = 'Compare two detector images (or a C run against ours) against thresholds, and keep metrics and previews in a bundle.';
  static description = `Either --ref A --test B: raw float32 images (size from --fpixels/--spixels) or SMV files (size from their header, detected by the "{\\nHEADER_BYTES" start; a header longer than it declares, as nanoBragg writes them, is read with a warning); or the runner: --c-bin PATH (or env NB_C_BIN) with nanoBragg arguments after "--" runs the C program and our engine on the same arguments, each in its own temporary folder (relative input files resolved against the working folder, outputs moved into the temporary folder; the frame size is our engine's reading of the arguments), times both, keeps their output, and compares C's float image (ref) with ours (test).
Metrics on --roi xmin xmax ymin ymax (inclusive, x = fast, y = slow) or the full frame, in double precision: Pearson correlation, MSE, RMSE, max |diff|, max relative diff (|t-r|/max(|r|,|t|)), fraction of identical pixels, both sums and their ratio (test/ref), peak matching (local maxima above --peak-percentile, brightest --peak-top, 1-pixel gate).
Verdict: pass when correlation >= --corr-min (default 0.999) and the sum ratio is within [--sum-ratio-min, --sum-ratio-max] (default [0.99, 1.01]: correlation alone ignores scale), and, when given, max |diff| <= --max-abs-max and RMSE <= --rmse-max (0 asks for equality). Identical images pass whatever the thresholds (a constant image has no correlation). A NaN or infinite pixel never passes. The status line names every threshold that failed.
When the images differ only at first pixels of C OpenMP thread blocks (C-OPENMP-FIRSTPRIVATE: C run with N threads against one), the report names the thread counts that explain them; when the nanoBragg arguments are known (the runner, or arguments after "--" with --ref/--test), it renders ours with --phi-mode c-parity --c-threads N to confirm, and says "reproduced exactly by --c-threads N".
The evidence goes to a bundle: --outdir DIR (exactly that folder, which must not hold anything) or --bundle ROOT (a new ROOT/<UTC yyyymmddTHHMMSSZ>; default reports/compare-images under the working folder): metrics.json (schemas/image-metrics.schema.json), summary.md, index.html (the page: pictures with colour bars, ROI, peaks, zoom; nbparity view), ref.png, test.png (viridis, linear from 0 to --percentile of both), diff.png (|diff|, magma), each also -log (4 decades) and zoom- (64x64 at full resolution around the largest difference), max-pooled to at most 512 pixels a side, the runner's output, warnings.txt, commands.txt, env.json, sha256.txt. A runner failure (exit 7) or a size mismatch (exit 4) is recorded in a bundle too. --json prints metrics.json.`;
  static exitCodes = [EXIT.OK, EXIT.VERDICT, EXIT.USAGE, EXIT.BAD_INPUT, EXIT.IDENTITY, EXIT.CANNOT_WRITE, EXIT.EXTERNAL, EXIT.NANOBRAGG_USAGE, EXIT.LIMIT, EXIT.INTERNAL, EXIT.SIGINT, EXIT.SIGTERM];
  static examples = [
    '<%= config.bin %> compare-images --ref traces/simple_cubic/float.bin --test traces/simple_cubic/float.bin --fpixels 256 --spixels 256 --outdir cmp-same --json',
    '<%= config.bin %> compare-images --ref traces/simple_cubic/int.img --test traces/simple_cubic/int.img --roi 0 99 0 99 --corr-min 0.9999 --max-abs-max 0 --bundle reports',
    '<%= config.bin %> compare-images --c-bin /path/to/nanoBragg --phi-mode c-parity --outdir cmp-c -- -cell 100 100 100 90 90 90 -default_F 100 -N 5 -lambda 1.0 -distance 100 -pixel 0.1 -detpixels 256 -fluence 1e20 -nonoise',
    '<%= config.bin %> compare-images --ref traces/phi_osc_from_zero/openmp/float_omp4.bin --test traces/phi_osc_from_zero/float.bin --fpixels 200 --spixels 200 --outdir cmp-omp -- -cell 100 100 100 90 90 90 -default_F 100 -N 5 -lambda 1.0 -distance 100 -pixel 0.1 -detpixels 200 -phi 0 -osc 1 -phisteps 5 -nonoise',
    '<%= config.bin %> compare-images --c-bin /path/to/nanoBragg --phi-mode c-parity --c-threads 8 --outdir cmp-c8 -- -cell 100 100 100 90 90 90 -default_F 100 -N 5 -lambda 1.0 -distance 100 -pixel 0.1 -detpixels 200 -phi 0 -osc 1 -phisteps 5 -nonoise',
  ];
  static passthrough = true;
  static strict = false;
  static flags = {
    ref: Flags.string({description: 'reference image (raw float32 or SMV)'}),
    test: Flags.string({description: 'test image (raw float32 or SMV)'}),
    fpixels: Flags.integer({description: 'fast size of raw float images', min: 1}),
    spixels: Flags.integer({description: 'slow size of raw float images', min: 1}),
    roi: Flags.integer({description: 'xmin xmax ymin ymax, inclusive pixel bounds (x fast, y slow)', multiple: true}),
    'corr-min': Flags.string({aliases: ['threshold'], description: 'fail when the correlation is below this, in [-1, 1] (default 0.999); alias --threshold'}),
    'sum-ratio-min': Flags.string({description: 'fail when the test/ref sum ratio is below this (default 0.99)'}),
    'sum-ratio-max': Flags.string({description: 'fail when the test/ref sum ratio is above this (default 1.01)'}),
    'max-abs-max': Flags.string({description: 'fail when max |test - ref| is above this (default: no bound; 0: the images must be equal)'}),
    'rmse-max': Flags.string({description: 'fail when the RMSE is above this (default: no bound)'}),
    outdir: Flags.string({description: 'the bundle goes in exactly this folder (must not exist, or be empty)', helpValue: 'DIR', exclusive: ['bundle']}),
    bundle: Flags.string({description: 'the bundle goes in a new timestamped folder under ROOT (default reports/compare-images)', helpValue: 'ROOT'}),
    json: Flags.boolean({description: 'print metrics.json instead of the text report'}),
    percentile: Flags.string({description: 'preview white level: this percentile of both images', default: '99.5'}),
    'peak-percentile': Flags.string({description: 'peaks must exceed this percentile of the ROI', default: '99.9'}),
    'peak-top': Flags.integer({description: 'number of brightest peaks to match', default: 50, min: 1}),
    'c-bin': Flags.string({description: 'nanoBragg executable: run it and our engine on the arguments after "--" (default env NB_C_BIN when no --ref/--test)'}),
    'phi-mode': Flags.string({description: 'our engine: spec or c-parity (C-PARITY-001)', options: ['spec', 'c-parity'], default: 'spec'}),
    workers: Flags.integer({description: 'worker threads for our engine', min: 1, max: MAX_WORKERS}),
    'max-memory': Flags.string({description: MAX_MEMORY_FLAG.description}),
    'c-threads': Flags.integer({description: 'runner: run C with OMP_NUM_THREADS=N and ours with --c-threads N (default 1, as the references were made)', min: 1}),
  };

  async run(): Promise<void> {
    await runCommand(async () => {
      const {flags, passthrough} = await parseCommandLine(this, CompareImages);
      const {compareImagesCommand} = await import('../src/cli/compare-images.js');
      return compareImagesCommand(flags, passthrough, this.argv);
    });
  }
}
