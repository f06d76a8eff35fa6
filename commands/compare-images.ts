import {Command, Flags} from '@oclif/core';
import {fail, parseFlags, runGuarded, splitPassthrough} from '../src/cli/common.js';

export default class CompareImages extends Command {
  static summary = 'Compare two detector images (or a C run against ours) and write a report folder with metrics and PNG previews.';
  static description = `Either --ref A --test B: raw float32 images (size from --fpixels/--spixels) or SMV files (size from their header, detected by the "{\\nHEADER_BYTES" start); or the runner: --c-bin PATH (or env NB_C_BIN) with nanoBragg arguments after "--" runs the C program and our engine on the same arguments, each in its own temporary folder (relative input files resolved against the working folder, outputs moved into the temporary folder), times both, keeps their output, and compares C's float image (ref) with ours (test).
Metrics on --roi xmin xmax ymin ymax (inclusive, x = fast, y = slow) or the full frame, in double precision: Pearson correlation, MSE, RMSE, max |diff|, max relative diff (|t-r|/max(|r|,|t|)), fraction of identical pixels, both sums and their ratio (test/ref), peak matching (local maxima above --peak-percentile, brightest --peak-top, 1-pixel gate).
When the images differ only at first pixels of C OpenMP thread blocks (C-OPENMP-FIRSTPRIVATE: C run with N threads against one), the report names the thread counts that explain them; when the nanoBragg arguments are known (the runner, or arguments after "--" with --ref/--test), it renders ours with --phi-mode c-parity --c-threads N to confirm, and says "reproduced exactly by --c-threads N".
The report folder (--outdir, default reports/compare-images/<UTC yyyymmddTHHMMSSZ>) is built aside and renamed into place: summary.json, summary.md, ref.png, test.png (8-bit, linear to --percentile of both), diff.png (|diff| heat map), runner logs, and sha256.txt (sha256sum -c format).

Exit codes: 0 success; 1 usage error (bad flags); 2 a runner failed; 3 correlation below --threshold, or a NaN/infinite pixel in either image (never a pass); 4 image sizes do not match; 5 I/O or parse error (unreadable, malformed, a raw file whose length is not 4 x fpixels x spixels, an unwritable report folder).`;
  static examples = [
    '<%= config.bin %> compare-images --ref traces/simple_cubic/float.bin --test float.bin --fpixels 256 --spixels 256 --json',
    '<%= config.bin %> compare-images --ref a.img --test b.img --roi 0 99 0 99 --threshold 0.999',
    '<%= config.bin %> compare-images --c-bin ./nanoBragg --phi-mode c-parity -- -cell 100 100 100 90 90 90 -default_F 100 -N 5 -detpixels 256',
    '<%= config.bin %> compare-images --ref float_omp4.bin --test float.bin --fpixels 200 --spixels 200 -- -cell 100 100 100 90 90 90 -default_F 100 -N 5 -detpixels 200 -phi 0 -osc 1 -phisteps 5',
    '<%= config.bin %> compare-images --c-bin ./nanoBragg --phi-mode c-parity --c-threads 8 -- -mat A.mat -hkl scaled.hkl ...',
  ];
  static strict = false;
  static flags = {
    ref: Flags.string({description: 'reference image (raw float32 or SMV)'}),
    test: Flags.string({description: 'test image (raw float32 or SMV)'}),
    fpixels: Flags.integer({description: 'fast size of raw float images', min: 1}),
    spixels: Flags.integer({description: 'slow size of raw float images', min: 1}),
    roi: Flags.integer({description: 'xmin xmax ymin ymax, inclusive pixel bounds (x fast, y slow)', multiple: true}),
    threshold: Flags.string({description: 'exit 3 when the correlation is below this'}),
    outdir: Flags.string({description: 'report folder (default reports/compare-images/<UTC timestamp>)'}),
    json: Flags.boolean({description: 'print the metrics as one JSON object'}),
    percentile: Flags.string({description: 'preview white level: this percentile of both images', default: '99.5'}),
    'peak-percentile': Flags.string({description: 'peaks must exceed this percentile of the ROI', default: '99.9'}),
    'peak-top': Flags.integer({description: 'number of brightest peaks to match', default: 50, min: 1}),
    'c-bin': Flags.string({description: 'nanoBragg executable: run it and our engine on the arguments after "--" (default env NB_C_BIN when no --ref/--test)'}),
    'phi-mode': Flags.string({description: 'our engine: spec or c-parity (C-PARITY-001)', options: ['spec', 'c-parity'], default: 'spec'}),
    workers: Flags.integer({description: 'worker threads for our engine', min: 1}),
    'c-threads': Flags.integer({description: 'runner: C runs with OMP_NUM_THREADS=N, ours with --c-threads N (default: C takes its own thread count, ours one)', min: 1}),
  };

  async run(): Promise<void> {
    await runGuarded(this, async () => {
      const {own, passthrough} = splitPassthrough(this.argv);
      const {flags} = await parseFlags(this, () => this.parse(CompareImages, own), 1);
      const num = (name: string, v: string | undefined): number | undefined => {
        if (v === undefined) return undefined;
        const x = Number(v);
        if (v.trim() === '' || !Number.isFinite(x)) fail(this, `--${name} expects a number, got ${JSON.stringify(v)}`, 1);
        return x;
      };
      const useRunner = flags['c-bin'] !== undefined || (!flags.ref && !flags.test && passthrough.length > 0);
      const cBin = flags['c-bin'] ?? (useRunner ? process.env.NB_C_BIN : undefined);
      if (useRunner && !cBin) fail(this, 'the runner needs --c-bin PATH or the NB_C_BIN environment variable', 1);
      const {runCompareImages, jsonSummary} = await import('../src/images/compare.js');
      const r = await runCompareImages({
        ref: flags.ref,
        test: flags.test,
        fpixels: flags.fpixels,
        spixels: flags.spixels,
        roi: flags.roi,
        threshold: num('threshold', flags.threshold),
        outdir: flags.outdir,
        percentile: num('percentile', flags.percentile)!,
        peakPercentile: num('peak-percentile', flags['peak-percentile'])!,
        peakTop: flags['peak-top'],
        cBin,
        phiMode: flags['phi-mode'] as 'spec' | 'c-parity',
        workers: flags.workers,
        cThreads: flags['c-threads'],
        argv: passthrough,
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(jsonSummary(r))}\n`);
      else {
        const m = jsonSummary(r);
        const keys = ['correlation', 'mse', 'rmse', 'max_abs_diff', 'max_rel_diff', 'identical_fraction', 'sum_ref', 'sum_test', 'sum_ratio', 'peak_matched_fraction', 'peak_mean_distance'];
        for (const k of keys) if (k in m) process.stdout.write(`${k} = ${m[k]}\n`);
        for (const a of r.summary.attributions as Array<{explanation: string}> | undefined ?? []) process.stdout.write(`known C behaviour: ${a.explanation}\n`);
        process.stdout.write(`report: ${r.outdir}\n`);
      }
      if (r.code !== 0) fail(this, r.message ?? 'comparison failed', r.code);
      // exit 3 means "below --threshold" here: an unreadable or unwritable file is 5
    }, 5);
  }
}
