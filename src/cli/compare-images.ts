/** `compare-images`: flags to options, the verdict and metrics on stdout. */
import {UserError} from '../engine/errors.js';
import type {PhiMode} from '../engine/setup.js';
import {runCompareImages, statusLine} from '../images/compare.js';
import {paintVerdict} from './colour.js';
import {thresholdsFromFlags} from '../images/thresholds.js';
import {EXIT} from '../util/exit-codes.js';
import {printFailure, shellQuote, warn} from './common.js';
import {maxMemoryOf} from './limits.js';

export interface CompareImagesFlags {
  ref?: string;
  test?: string;
  fpixels?: number;
  spixels?: number;
  roi?: number[];
  'corr-min'?: string;
  'sum-ratio-min'?: string;
  'sum-ratio-max'?: string;
  'max-abs-max'?: string;
  'rmse-max'?: string;
  outdir?: string;
  bundle?: string;
  json?: boolean;
  percentile: string;
  'peak-percentile': string;
  'peak-top': number;
  'c-bin'?: string;
  'phi-mode': string;
  workers?: number;
  'c-threads'?: number;
  'max-memory'?: string;
}

function num(flag: string, v: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new UserError(`--${flag}: expected a number, got ${JSON.stringify(v)}`, EXIT.USAGE);
  return x;
}

export async function compareImagesCommand(flags: CompareImagesFlags, passthrough: string[], commandLine: string[]): Promise<number> {
  const thresholds = thresholdsFromFlags({
    corr_min: flags['corr-min'],
    sum_ratio_min: flags['sum-ratio-min'],
    sum_ratio_max: flags['sum-ratio-max'],
    max_abs_max: flags['max-abs-max'],
    rmse_max: flags['rmse-max'],
  });
  const useRunner = flags['c-bin'] !== undefined || (!flags.ref && !flags.test && passthrough.length > 0);
  const cBin = flags['c-bin'] ?? (useRunner ? process.env.NB_C_BIN : undefined);
  if (useRunner && !cBin) throw new UserError('the runner needs --c-bin PATH or the NB_C_BIN environment variable', EXIT.USAGE);
  const r = await runCompareImages({
    ref: flags.ref,
    test: flags.test,
    fpixels: flags.fpixels,
    spixels: flags.spixels,
    roi: flags.roi,
    thresholds,
    target: flags.outdir !== undefined ? {dir: flags.outdir} : {root: flags.bundle ?? 'reports/compare-images'},
    percentile: num('percentile', flags.percentile),
    peakPercentile: num('peak-percentile', flags['peak-percentile']),
    peakTop: flags['peak-top'],
    cBin,
    phiMode: flags['phi-mode'] as PhiMode,
    workers: flags.workers,
    maxMemoryBytes: await maxMemoryOf(flags),
    cThreads: flags['c-threads'],
    argv: passthrough,
    commands: [shellQuote(['nbparity', 'compare-images', ...commandLine])],
    warn,
  });
  const m = r.metrics;
  if (flags.json) process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
  else {
    const lines = [paintVerdict(`status: ${statusLine(m)}`)];
    const values: Record<string, unknown> = m.metrics ? {...m.metrics, peak_matched_fraction: m.metrics.peaks.matched_fraction, peak_mean_distance: m.metrics.peaks.mean_distance} : {};
    const keys = ['correlation', 'mse', 'rmse', 'max_abs_diff', 'max_rel_diff', 'identical_fraction', 'sum_ref', 'sum_test', 'sum_ratio', 'peak_matched_fraction', 'peak_mean_distance'];
    for (const k of keys) if (k in values) lines.push(`${k} = ${values[k]}`);
    for (const a of m.attributions) lines.push(`known C behaviour: ${a.explanation}`);
    lines.push(`bundle: ${r.bundleDir}`);
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  }
  // no verdict (sizes differ, a program failed): also the one error line on stderr, like every
  // failure; a verdict against (exit 1) is a result, on stdout only, as compare-traces does
  if (r.code !== EXIT.OK && r.code !== EXIT.VERDICT) printFailure(m.message ?? statusLine(m));
  return r.code;
}
