/** `compare-images`: metrics, previews and a report folder for two images, or for a C-versus-ours run. */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {UserError} from '../engine/errors.js';
import type {PhiMode} from '../engine/setup.js';
import {decodeFloatImage} from '../io/floatimage.js';
import {readFileSync} from 'node:fs';
import {readSmv} from '../io/smv.js';
import {defaultOutdir, diffHeatmapPng, previewPngs, writeBundle, type BundleFile} from './bundle.js';
import {loadImage} from './load.js';
import {threadFinding, type ThreadFinding} from './openmp-finding.js';
import {checkRoi, compareImages, fullRoi, type ImageMetrics, type Pixels, type Roi} from './metrics.js';
import {runC} from '../impl/c-binary.js';
import type {RunResult} from '../impl/result.js';
import {rewriteArgs} from '../impl/rewrite-args.js';
import {runOurs} from './runner.js';

export interface CompareImagesOptions {
  ref?: string;
  test?: string;
  fpixels?: number;
  spixels?: number;
  /** xmin xmax ymin ymax, inclusive */
  roi?: number[];
  threshold?: number;
  outdir?: string;
  percentile: number;
  peakPercentile: number;
  peakTop: number;
  /** runner mode */
  cBin?: string;
  phiMode: PhiMode;
  workers?: number;
  /** runner: C runs with OMP_NUM_THREADS=cThreads and ours with --c-threads (default 1, as the references were made) */
  cThreads?: number;
  /** the nanoBragg arguments (runner: to run; files: behind the images, to confirm a thread-count explanation) */
  argv: string[];
  cwd?: string;
}

export interface CompareImagesResult {
  /** 0 ok, 2 runner failed, 3 below threshold, 4 size mismatch */
  code: number;
  message?: string;
  outdir?: string;
  summary: Record<string, unknown>;
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return 'n/a';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(10);
  return String(v);
}

function markdown(summary: Record<string, unknown>, m?: ImageMetrics): string {
  const lines = ['# compare-images', '', `- status: **${summary.status}**`];
  if (summary.message) lines.push(`- message: ${summary.message}`);
  lines.push(`- reference: \`${summary.ref}\``, `- test: \`${summary.test}\``);
  const timing = summary.wall_seconds as Record<string, number> | undefined;
  if (timing) lines.push(`- wall seconds: C ${fmt(timing.c)}, ours ${fmt(timing.ours)}`);
  for (const a of (summary.attributions as ThreadFinding[] | undefined) ?? []) lines.push(`- known C behaviour: ${a.explanation}`);
  if (m) {
    lines.push(
      `- size: ${m.width} x ${m.height}; ROI x ${m.roi.xmin}..${m.roi.xmax}, y ${m.roi.ymin}..${m.roi.ymax} (${m.pixels} pixels)`,
      '',
      '| metric | value |',
      '| --- | --- |',
    );
    const rows: Array<[string, unknown]> = [
      ['correlation', m.correlation],
      ['mse', m.mse],
      ['rmse', m.rmse],
      ['max_abs_diff', m.max_abs_diff],
      ['max_rel_diff', m.max_rel_diff],
      ['identical_fraction', m.identical_fraction],
      ['sum_ref', m.sum_ref],
      ['sum_test', m.sum_test],
      ['sum_ratio (test/ref)', m.sum_ratio],
      [`peaks matched (top ${m.peaks.top} above p${m.peaks.percentile})`, `${m.peaks.matched}/${m.peaks.ref_peaks}`],
      ['peak matched_fraction', m.peaks.matched_fraction],
      ['peak mean_distance (px)', m.peaks.mean_distance],
    ];
    for (const [k, v] of rows) lines.push(`| ${k} | ${fmt(v)} |`);
    lines.push('', 'Previews: `ref.png`, `test.png` (linear, 0 to the preview percentile of both); `diff.png` (|test-ref| to its max).');
  }
  return `${lines.join('\n')}\n`;
}

function toRoi(r: number[] | undefined, width: number, height: number): Roi {
  if (r === undefined) return fullRoi(width, height);
  if (r.length !== 4) throw new UserError('--roi takes four integers: xmin xmax ymin ymax', 1);
  const roi = {xmin: r[0], xmax: r[1], ymin: r[2], ymax: r[3]};
  const bad = checkRoi(roi, width, height);
  if (bad) throw new UserError(bad, 1);
  return roi;
}

interface Pair {
  refLabel: string;
  testLabel: string;
  ref: Pixels;
  test: Pixels;
  width: number;
  height: number;
}

/** Throws UserError (1 usage, 5 I/O or parse); returns the other exit codes. */
export async function runCompareImages(o: CompareImagesOptions): Promise<CompareImagesResult> {
  const cwd = o.cwd ?? process.cwd();
  if (!(o.percentile > 0 && o.percentile <= 100)) throw new UserError('--percentile must be in (0, 100]', 1);
  if (!(o.peakPercentile >= 0 && o.peakPercentile < 100)) throw new UserError('--peak-percentile must be in [0, 100)', 1);
  if (!(Number.isInteger(o.peakTop) && o.peakTop > 0)) throw new UserError('--peak-top must be a positive integer', 1);
  const runner = o.cBin !== undefined;
  if (runner && (o.ref || o.test)) throw new UserError('give either --ref and --test, or --c-bin with nanoBragg arguments after "--", not both', 1);
  if (!runner && (!o.ref || !o.test)) throw new UserError('give --ref and --test (or --c-bin, or NB_C_BIN, with nanoBragg arguments after "--")', 1);
  if (runner && o.argv.length === 0) throw new UserError('the runner needs nanoBragg arguments after "--"', 1);
  if ((o.fpixels === undefined) !== (o.spixels === undefined)) throw new UserError('give both --fpixels and --spixels', 1);
  const outdir = o.outdir !== undefined ? resolve(cwd, o.outdir) : defaultOutdir(cwd);

  const files: BundleFile[] = [];
  const summary: Record<string, unknown> = {tool: 'nbparity compare-images', mode: runner ? 'runner' : 'files'};
  let pair: Pair | undefined;
  const finish = (code: number, status: string, message?: string, m?: ImageMetrics): CompareImagesResult => {
    summary.status = status;
    if (message) summary.message = message;
    summary.exit_code = code;
    if (m) summary.metrics = m;
    files.push({name: 'summary.json', bytes: `${JSON.stringify(summary, null, 2)}\n`});
    files.push({name: 'summary.md', bytes: markdown(summary, m)});
    writeBundle(outdir, files);
    return {code, message, outdir, summary};
  };

  if (runner) {
    const cBin = resolve(cwd, o.cBin!);
    const tmpC = mkdtempSync(join(tmpdir(), 'nbparity-c-'));
    const tmpO = mkdtempSync(join(tmpdir(), 'nbparity-ours-'));
    try {
      const cArgs = rewriteArgs(o.argv, cwd, tmpC);
      const oArgs = rewriteArgs(o.argv, cwd, tmpO);
      summary.c_bin = cBin;
      summary.phi_mode = o.phiMode;
      summary.c_threads = o.cThreads ?? 1;
      summary.args = o.argv;
      summary.ref = 'C nanoBragg float image';
      summary.test = `nbparity engine float image (${o.phiMode})`;
      const c = await runC(cBin, cArgs.argv, tmpC, {threads: o.cThreads});
      const ours: RunResult = c.ok ? await runOurs(oArgs.argv, tmpO, o.phiMode, o.workers, o.cThreads) : {ok: false, error: 'not run (C failed)', exitCode: null, stdout: '', stderr: '', wallSeconds: 0};
      files.push({name: 'c.stdout.txt', bytes: c.stdout}, {name: 'c.stderr.txt', bytes: c.stderr}, {name: 'ours.stdout.txt', bytes: ours.stdout});
      if (ours.stderr) files.push({name: 'ours.stderr.txt', bytes: ours.stderr});
      summary.wall_seconds = {c: c.wallSeconds, ours: ours.wallSeconds};
      summary.c_exit_code = c.exitCode;
      if (!c.ok) return finish(2, 'runner_failed', c.error);
      if (!ours.ok) return finish(2, 'runner_failed', ours.error);
      // Our SMV int image carries the frame size whatever flags set it (-detpixels, -detsize...).
      let width: number;
      let height: number;
      try {
        const smv = readSmv(oArgs.intPath);
        width = smv.width;
        height = smv.height;
      } catch (e) {
        throw new UserError(`cannot read the frame size from our int image: ${(e as Error).message}`, 5);
      }
      const read = (path: string, who: string): Float32Array | string => {
        let bytes: Buffer;
        try {
          bytes = readFileSync(path);
        } catch (e) {
          throw new UserError(`${who} wrote no float image at ${path}: ${(e as Error).message}`, 2);
        }
        if (bytes.length !== 4 * width * height) return `${who} float image has ${bytes.length} bytes, expected ${4 * width * height} (${width}x${height} float32)`;
        return decodeFloatImage(bytes, width, height, path);
      };
      const oImg = read(oArgs.floatPath, 'our engine');
      const cImg = read(cArgs.floatPath, 'C');
      if (typeof cImg === 'string') return finish(4, 'size_mismatch', cImg);
      if (typeof oImg === 'string') return finish(4, 'size_mismatch', oImg);
      pair = {refLabel: 'C', testLabel: 'ours', ref: cImg, test: oImg, width, height};
    } finally {
      rmSync(tmpC, {recursive: true, force: true});
      rmSync(tmpO, {recursive: true, force: true});
    }
  } else {
    const a = loadImage(resolve(cwd, o.ref!), o.fpixels, o.spixels);
    const b = loadImage(resolve(cwd, o.test!), o.fpixels, o.spixels);
    summary.ref = a.path;
    summary.test = b.path;
    summary.formats = {ref: a.format, test: b.format};
    if (a.width !== b.width || a.height !== b.height) {
      const msg = `image sizes differ: ref ${a.width}x${a.height}, test ${b.width}x${b.height}`;
      summary.sizes = {ref: [a.width, a.height], test: [b.width, b.height]};
      return finish(4, 'size_mismatch', msg);
    }
    pair = {refLabel: 'ref', testLabel: 'test', ref: a.data, test: b.data, width: a.width, height: a.height};
  }

  const {ref, test, width, height} = pair;
  const roi = toRoi(o.roi, width, height);
  const m = compareImages(ref, test, width, height, roi, {percentile: o.peakPercentile, top: o.peakTop});
  const pv = previewPngs(ref, test, width, height, o.percentile);
  const heat = diffHeatmapPng(ref, test, width, height);
  files.push({name: 'ref.png', bytes: pv.ref}, {name: 'test.png', bytes: pv.test}, {name: 'diff.png', bytes: heat.png});
  summary.previews = {percentile: o.percentile, scale_max: pv.scaleMax, diff_max: heat.maxAbs};
  summary.threshold = o.threshold ?? null;
  // differences only where C's OpenMP threads start their blocks: name the thread count
  const threads = await threadFinding(ref, test, width, height, o.argv.length > 0 ? {argv: o.argv, cwd, workers: o.workers} : undefined);
  if (threads) summary.attributions = [threads];
  // A NaN or infinite pixel makes every metric meaningless (the correlation silently becomes
  // null): never a pass, with or without --threshold.
  const bad = [nonFinite(ref, width, roi, pair.refLabel), nonFinite(test, width, roi, pair.testLabel)].filter((x) => x !== null);
  if (bad.length > 0) {
    summary.non_finite = bad;
    const b = bad[0]!;
    return finish(3, 'non_finite', `the ${b.image} image has ${b.count} NaN or infinite pixel(s) in the ROI, the first at x=${b.first.x}, y=${b.first.y}`, m);
  }
  if (o.threshold !== undefined && !(m.correlation !== null && m.correlation >= o.threshold)) {
    return finish(3, 'below_threshold', `correlation ${fmt(m.correlation)} is below the threshold ${o.threshold}`, m);
  }
  return finish(0, 'ok', undefined, m);
}

/** NaN/infinite pixels of `img` inside `roi`: how many and the first in raster order; null if none. */
function nonFinite(img: Pixels, width: number, roi: {xmin: number; xmax: number; ymin: number; ymax: number}, image: string): {image: string; count: number; first: {x: number; y: number}} | null {
  let count = 0;
  let first = {x: -1, y: -1};
  for (let y = roi.ymin; y <= roi.ymax; y++) {
    for (let x = roi.xmin; x <= roi.xmax; x++) {
      if (Number.isFinite(img[y * width + x])) continue;
      if (count === 0) first = {x, y};
      count++;
    }
  }
  return count === 0 ? null : {image, count, first};
}

/** The --json object: the headline metrics flat, the rest alongside. */
export function jsonSummary(r: CompareImagesResult): Record<string, unknown> {
  const m = r.summary.metrics as ImageMetrics | undefined;
  const flat = m
    ? {
        correlation: m.correlation,
        mse: m.mse,
        rmse: m.rmse,
        max_abs_diff: m.max_abs_diff,
        max_rel_diff: m.max_rel_diff,
        identical_fraction: m.identical_fraction,
        sum_ref: m.sum_ref,
        sum_test: m.sum_test,
        sum_ratio: m.sum_ratio,
        peak_matched_fraction: m.peaks.matched_fraction,
        peak_mean_distance: m.peaks.mean_distance,
        peaks: m.peaks,
        width: m.width,
        height: m.height,
        roi: m.roi,
        pixels: m.pixels,
      }
    : {};
  return {
    status: r.summary.status,
    exit_code: r.code,
    message: r.message ?? null,
    ...flat,
    attributions: r.summary.attributions ?? [],
    wall_seconds: r.summary.wall_seconds ?? null,
    outdir: r.outdir ?? null,
  };
}
