/**
 * `compare-images`: two images (or a C run and ours on the same arguments) judged against
 * thresholds, with metrics and previews kept as an evidence bundle (src/report/bundle.ts).
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {readInputFile} from '../io/input.js';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {UserError} from '../engine/errors.js';
import {buildDetector} from '../engine/detector.js';
import {defaultMaxMemoryBytes, enforceFootprint, estimateImageComparison} from '../engine/footprint.js';
import {parseWithHeaders, preflight, type PhiMode} from '../engine/setup.js';
import {decodeFloatImage} from '../io/floatimage.js';
import {onInterrupt} from '../io/interrupt.js';
import {writeBundle, type BundleRecord, type BundleTarget, type Bytes} from '../report/bundle.js';
import {packageInfo} from '../trace/project.js';
import {indexRenderer} from '../view/index.js';
import {EXIT, type ExitCode} from '../util/exit-codes.js';
import {imageFrameOf, loadImage} from './load.js';
import {checkRoi, compareImages, fullRoi, type ImageMetrics, type Pixels, type Roi} from './metrics.js';
import {previews, type PreviewsJson} from './previews.js';
import {runC} from '../impl/c-binary.js';
import {rewriteArgs} from '../impl/rewrite-args.js';
import {threadFinding, type ThreadFinding} from './openmp-finding.js';
import {runOurs} from './runner.js';
import {describeFailures, failedThresholds, isIdentical, type FailedThreshold, type Thresholds} from './thresholds.js';

export const IMAGE_METRICS_SCHEMA = 'image-metrics.schema.json';

export interface CompareImagesOptions {
  ref?: string;
  test?: string;
  fpixels?: number;
  spixels?: number;
  /** xmin xmax ymin ymax, inclusive */
  roi?: number[];
  thresholds: Thresholds;
  percentile: number;
  peakPercentile: number;
  peakTop: number;
  /** runner mode */
  cBin?: string;
  phiMode: PhiMode;
  workers?: number;
  /** our engine refuses (exit 10) a run estimated over this many bytes */
  maxMemoryBytes?: number;
  /** runner: C runs with OMP_NUM_THREADS=cThreads and ours with --c-threads (default 1, as the references were made) */
  cThreads?: number;
  /** the nanoBragg arguments (runner: to run; files: behind the images, to confirm a thread-count explanation) */
  argv: string[];
  cwd?: string;
  /** the command line(s) recorded in commands.txt */
  commands: string[];
  /** a warning, as it happens (default: none printed; all are recorded in the bundle) */
  warn?: (message: string) => void;
  now?: Date;
}

export type ImageStatus = 'ok' | 'below_threshold' | 'non_finite' | 'size_mismatch' | 'runner_failed' | 'engine_failed';

export interface ImageInput {
  label: string;
  path: string | null;
  format: 'smv' | 'float32' | null;
  sha256: string | null;
  bytes: number | null;
}

/** metrics.json of an image comparison (schemas/image-metrics.schema.json); also what --json prints. */
export interface ImageMetricsJson {
  schema_version: 1;
  kind: 'image-comparison';
  generator: {name: string; version: string};
  generated_utc: string;
  verdict: 'pass' | 'fail' | null;
  status: ImageStatus;
  message: string | null;
  mode: 'files' | 'runner';
  thresholds: Thresholds;
  failed_thresholds: FailedThreshold[];
  identical: boolean | null;
  inputs: {ref: ImageInput; test: ImageInput};
  image: {width: number; height: number; roi: Roi; pixels: number} | null;
  metrics: {[K in keyof Omit<ImageMetrics, 'width' | 'height' | 'roi' | 'pixels'>]: ImageMetrics[K] extends number ? number | null : ImageMetrics[K]} | null;
  non_finite: Array<{image: string; count: number; first: {x: number; y: number}}> | null;
  previews: PreviewsJson | null;
  runner: {c_bin: string; phi_mode: PhiMode; c_threads: number; args: string[]; c_exit_code: number | null; wall_seconds: {c: number | null; ours: number | null}} | null;
  /** known C behaviours that explain the differences (C-OPENMP-FIRSTPRIVATE) */
  attributions: ThreadFinding[];
  warnings: string[];
}

/** A comparison's evidence, ready for a bundle (its own, or a part of a campaign's). */
export interface ImageEvidence {
  code: ExitCode;
  metrics: ImageMetricsJson;
  /** the bundle's own files: previews, the runner's output */
  files: Record<string, Bytes>;
  record: BundleRecord;
}

export interface CompareImagesResult {
  code: ExitCode;
  metrics: ImageMetricsJson;
  bundleDir: string;
}

const fmt = (v: unknown): string => (v === null || v === undefined ? 'n/a' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(10)) : String(v));

/** The status line: "ok", or what failed ("below threshold: correlation 0.98 < corr_min 0.999"). */
export function statusLine(m: ImageMetricsJson): string {
  const what = m.status === 'below_threshold' ? `below threshold: ${describeFailures(m.failed_thresholds)}` : m.status.replace(/_/g, ' ');
  return m.status === 'ok' ? `ok${m.identical ? ' (identical images)' : ''}` : m.message && m.status !== 'below_threshold' ? `${what}: ${m.message}` : what;
}

/** summary.md of an image comparison. */
function summaryOf(j: ImageMetricsJson): {head: string; body: string} {
  const head = ['# Image comparison', '', `- status: **${statusLine(j)}** (verdict ${j.verdict ?? 'none'})`, `- reference: ${j.inputs.ref.label}`, `- test: ${j.inputs.test.label}`];
  for (const a of j.attributions) head.push(`- known C behaviour: ${a.explanation}`);
  head.push('');
  const t = j.thresholds;
  const body = [
    `Thresholds: correlation >= ${t.corr_min}; sum ratio (test/ref) in [${t.sum_ratio_min}, ${t.sum_ratio_max}]` +
      `${t.max_abs_max !== null ? `; max |diff| <= ${t.max_abs_max}` : ''}${t.rmse_max !== null ? `; RMSE <= ${t.rmse_max}` : ''}. Identical images pass whatever the thresholds.`,
    '',
  ];
  if (j.runner) body.push(`Runner: \`${j.runner.c_bin}\` (C, exit ${fmt(j.runner.c_exit_code)}, ${fmt(j.runner.wall_seconds.c)} s) (OMP_NUM_THREADS=${j.runner.c_threads}) against our engine (${j.runner.phi_mode}, --c-threads ${j.runner.c_threads}, ${fmt(j.runner.wall_seconds.ours)} s); their output is in \`c.*.txt\`, \`ours.*.txt\`.`, '');
  const m = j.metrics;
  if (j.image && m) {
    const {roi} = j.image;
    body.push(`Size ${j.image.width} x ${j.image.height}; ROI x ${roi.xmin}..${roi.xmax}, y ${roi.ymin}..${roi.ymax} (${j.image.pixels} pixels).`, '', '| metric | value |', '| --- | --- |');
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
    for (const [k, v] of rows) body.push(`| ${k} | ${fmt(v)} |`);
    body.push('', `Previews (index.html shows them with colour bars): \`ref.png\`, \`test.png\` (viridis, linear from 0 to the preview percentile of both), \`diff.png\` (magma, |test-ref| to its max), each also \`-log\` (${j.previews?.log_decades ?? ''} decades) and \`zoom-*\` (full resolution around the largest difference).`, '');
  }
  body.push('Machine-readable: `metrics.json` (schemas/image-metrics.schema.json).', '');
  return {head: head.join('\n'), body: body.join('\n')};
}

function toRoi(r: number[] | undefined, width: number, height: number): Roi {
  if (r === undefined) return fullRoi(width, height);
  if (r.length !== 4) throw new UserError('--roi takes four integers: xmin xmax ymin ymax', EXIT.USAGE);
  const roi = {xmin: r[0], xmax: r[1], ymin: r[2], ymax: r[3]};
  const bad = checkRoi(roi, width, height);
  if (bad) throw new UserError(`--roi: ${bad}`, EXIT.USAGE);
  return roi;
}

/** NaN/infinite pixels of `img` inside `roi`: how many and the first in raster order; null if none. */
function nonFinite(img: Pixels, width: number, roi: Roi, image: string): {image: string; count: number; first: {x: number; y: number}} | null {
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

/** The frame size our engine will render for these arguments (what C renders too), before either runs. */
function frameSize(argv: string[], cwd: string, maxMemoryBytes?: number): {width: number; height: number} {
  const settings = parseWithHeaders(argv, cwd);
  // refused here, before C is started on a frame neither program could hold (the images, the
  // previews and our render each need the frame again)
  preflight(settings, {workers: 1, frame: true, maxMemoryBytes: maxMemoryBytes ?? defaultMaxMemoryBytes()});
  const d = buildDetector(settings);
  return {width: d.fpixels, height: d.spixels};
}

function checkOptions(o: CompareImagesOptions): void {
  if (!(o.percentile > 0 && o.percentile <= 100)) throw new UserError('--percentile: expected a number in (0, 100]', EXIT.USAGE);
  if (!(o.peakPercentile >= 0 && o.peakPercentile < 100)) throw new UserError('--peak-percentile: expected a number in [0, 100)', EXIT.USAGE);
  if (!(Number.isInteger(o.peakTop) && o.peakTop > 0)) throw new UserError('--peak-top: expected a positive integer', EXIT.USAGE);
  const runner = o.cBin !== undefined;
  if (runner && (o.ref || o.test)) throw new UserError('give either --ref and --test, or --c-bin with nanoBragg arguments after "--", not both', EXIT.USAGE);
  if (!runner && (!o.ref || !o.test)) throw new UserError('give --ref and --test (or --c-bin, or NB_C_BIN, with nanoBragg arguments after "--")', EXIT.USAGE);
  if (runner && o.argv.length === 0) throw new UserError('the runner needs nanoBragg arguments after "--"', EXIT.USAGE);
  if ((o.fpixels === undefined) !== (o.spixels === undefined)) throw new UserError('give both --fpixels and --spixels', EXIT.USAGE);
}

/**
 * Compare, judge and keep the evidence in a bundle at `target`. Returns the exit code with the
 * bundle: 0 pass; 1 a threshold failed or a pixel is NaN/infinite; 4 sizes differ; 7 the C
 * program failed (or wrote no float image); our engine failing gives its own error's code.
 * Throws a UserError, leaving no bundle, for bad usage (2), unreadable or malformed images (3)
 * and an unwritable bundle (6).
 */
export async function runCompareImages(o: CompareImagesOptions & {target: BundleTarget}): Promise<CompareImagesResult> {
  const e = await compareImagesEvidence(o);
  const b = await writeBundle({target: o.target, files: e.files, now: o.now, ...e.record});
  return {code: e.code, metrics: e.metrics, bundleDir: b.dir};
}

/** The comparison and its evidence, not yet written (runCompareImages writes it; a campaign puts it in a part). */
export async function compareImagesEvidence(o: CompareImagesOptions): Promise<ImageEvidence> {
  checkOptions(o);
  const cwd = o.cwd ?? process.cwd();
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    o.warn?.(message);
  };
  const files: Record<string, Bytes> = {};
  const pkg = packageInfo();
  const runner = o.cBin !== undefined;
  const none = (label: string): ImageInput => ({label, path: null, format: null, sha256: null, bytes: null});
  const j: ImageMetricsJson = {
    schema_version: 1,
    kind: 'image-comparison',
    generator: {name: pkg.name, version: pkg.version},
    generated_utc: (o.now ?? new Date()).toISOString(),
    verdict: null,
    status: 'ok',
    message: null,
    mode: runner ? 'runner' : 'files',
    thresholds: o.thresholds,
    failed_thresholds: [],
    identical: null,
    inputs: {ref: none('reference'), test: none('test')},
    image: null,
    metrics: null,
    non_finite: null,
    previews: null,
    runner: null,
    attributions: [],
    warnings,
  };
  const finish = (code: ExitCode, status: ImageStatus, message: string | null): ImageEvidence => {
    j.status = status;
    j.message = message;
    const record = {
      commands: o.commands,
      env: {mode: j.mode, phi_mode: runner ? o.phiMode : null, nanobragg_args: runner ? o.argv : null, thresholds: o.thresholds, status, verdict: j.verdict},
      metrics: {schema: IMAGE_METRICS_SCHEMA, data: j as unknown as Record<string, unknown>},
      summary: summaryOf(j),
      warnings,
      renderIndex: indexRenderer,
    };
    return {code, metrics: j, files, record};
  };

  let ref: Pixels;
  let test: Pixels;
  let width: number;
  let height: number;
  let roi: Roi;
  if (runner) {
    const cBin = resolve(cwd, o.cBin!);
    ({width, height} = frameSize(o.argv, cwd, o.maxMemoryBytes));
    roi = toRoi(o.roi, width, height);
    j.inputs = {ref: none(`C nanoBragg float image (${cBin})`), test: none(`nbparity engine float image (${o.phiMode})`)};
    j.runner = {c_bin: cBin, phi_mode: o.phiMode, c_threads: o.cThreads ?? 1, args: o.argv, c_exit_code: null, wall_seconds: {c: null, ours: null}};
    const tmpC = mkdtempSync(join(tmpdir(), 'nbparity-c-'));
    const tmpO = mkdtempSync(join(tmpdir(), 'nbparity-ours-'));
    const release = onInterrupt(() => {
      rmSync(tmpC, {recursive: true, force: true});
      rmSync(tmpO, {recursive: true, force: true});
    });
    try {
      const cArgs = rewriteArgs(o.argv, cwd, tmpC);
      const oArgs = rewriteArgs(o.argv, cwd, tmpO);
      const c = await runC(cBin, cArgs.argv, tmpC, {threads: o.cThreads});
      files['c.stdout.txt'] = c.stdout;
      files['c.stderr.txt'] = c.stderr;
      j.runner.c_exit_code = c.exitCode;
      j.runner.wall_seconds.c = c.wallSeconds;
      if (!c.ok) return finish(EXIT.EXTERNAL, 'runner_failed', c.error ?? 'the C program failed');
      const cImage = readRunImage(cArgs.floatPath, width, height);
      if (typeof cImage === 'string') return finish(EXIT.EXTERNAL, 'runner_failed', `the C program exited 0 but ${cImage}`);
      if (!(cImage instanceof Float32Array)) return finish(EXIT.IDENTITY, 'size_mismatch', `C's ${cImage.mismatch}`);
      const ours = await runOurs(oArgs.argv, tmpO, {phiMode: o.phiMode, workers: o.workers, cThreads: o.cThreads, maxMemoryBytes: o.maxMemoryBytes, warn});
      files['ours.stdout.txt'] = ours.stdout;
      files['ours.stderr.txt'] = ours.stderr;
      j.runner.wall_seconds.ours = ours.wallSeconds;
      if (!ours.ok) {
        const code = ours.cause instanceof UserError ? ours.cause.exitCode : ours.exitCode === EXIT.NANOBRAGG_USAGE ? EXIT.NANOBRAGG_USAGE : EXIT.INTERNAL;
        return finish(code, 'engine_failed', ours.error ?? 'our engine failed');
      }
      const oImage = readRunImage(oArgs.floatPath, width, height);
      if (!(oImage instanceof Float32Array)) throw new Error(`our engine's float image: ${typeof oImage === 'string' ? oImage : oImage.mismatch}`);
      ref = cImage;
      test = oImage;
    } finally {
      rmSync(tmpC, {recursive: true, force: true});
      rmSync(tmpO, {recursive: true, force: true});
      release();
    }
  } else {
    // what the two files will cost, from their headers (or --fpixels/--spixels), before reading them
    const frames = [imageFrameOf(resolve(cwd, o.ref!), '--ref', o.fpixels, o.spixels), imageFrameOf(resolve(cwd, o.test!), '--test', o.fpixels, o.spixels)];
    if (frames[0] && frames[1]) enforceFootprint(estimateImageComparison([frames[0], frames[1]]), o.maxMemoryBytes ?? defaultMaxMemoryBytes());
    const a = loadImage(resolve(cwd, o.ref!), o.fpixels, o.spixels);
    const b = loadImage(resolve(cwd, o.test!), o.fpixels, o.spixels);
    for (const w of [...a.warnings, ...b.warnings]) warn(w);
    const input = (x: typeof a): ImageInput => ({label: x.path, path: x.path, format: x.format, sha256: x.sha256, bytes: x.bytes});
    j.inputs = {ref: input(a), test: input(b)};
    if (a.width !== b.width || a.height !== b.height) {
      return finish(EXIT.IDENTITY, 'size_mismatch', `image sizes differ: ref ${a.width}x${a.height}, test ${b.width}x${b.height}`);
    }
    ({width, height} = a);
    roi = toRoi(o.roi, width, height);
    ref = a.data;
    test = b.data;
  }

  const m = compareImages(ref, test, width, height, roi, {percentile: o.peakPercentile, top: o.peakTop});
  j.image = {width, height, roi, pixels: m.pixels};
  // JSON has no NaN: a metric a non-finite pixel spoiled is null (the status says why)
  const fin = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null);
  j.metrics = {
    correlation: fin(m.correlation),
    mse: fin(m.mse),
    rmse: fin(m.rmse),
    max_abs_diff: fin(m.max_abs_diff),
    max_abs_diff_at: m.max_abs_diff_at,
    max_rel_diff: fin(m.max_rel_diff),
    identical_fraction: m.identical_fraction,
    sum_ref: fin(m.sum_ref),
    sum_test: fin(m.sum_test),
    sum_ratio: fin(m.sum_ratio),
    mean_ref: fin(m.mean_ref),
    mean_test: fin(m.mean_test),
    peaks: m.peaks,
  };
  j.identical = isIdentical(m);
  const pv = previews(ref, test, width, height, {percentile: o.percentile, worst: m.max_abs_diff_at});
  Object.assign(files, pv.files);
  j.previews = pv.json;
  // differences only where C's OpenMP threads start their blocks: name the thread count
  const threads = await threadFinding(ref, test, width, height, o.argv.length > 0 ? {argv: o.argv, cwd, workers: o.workers} : undefined);
  if (threads) j.attributions.push(threads);
  // A NaN or infinite pixel makes every metric meaningless (the correlation silently becomes
  // null): never a pass, whatever the thresholds.
  const bad = [nonFinite(ref, width, roi, runner ? 'C' : 'reference'), nonFinite(test, width, roi, runner ? 'our' : 'test')].filter((x) => x !== null);
  if (bad.length > 0) {
    j.non_finite = bad;
    j.verdict = 'fail';
    const f = bad[0]!;
    return finish(EXIT.VERDICT, 'non_finite', `the ${f.image} image has ${f.count} NaN or infinite pixel(s) in the ROI, the first at x=${f.first.x}, y=${f.first.y}`);
  }
  j.failed_thresholds = failedThresholds(m, o.thresholds);
  if (j.failed_thresholds.length > 0) {
    j.verdict = 'fail';
    return finish(EXIT.VERDICT, 'below_threshold', describeFailures(j.failed_thresholds));
  }
  j.verdict = 'pass';
  return finish(EXIT.OK, 'ok', null);
}

/** A run's float image: the pixels, a size mismatch, or (a string) why there is none. */
function readRunImage(path: string, width: number, height: number): Float32Array | {mismatch: string} | string {
  let bytes: Buffer;
  try {
    bytes = readInputFile(path, {kind: 'binary'});
  } catch (e) {
    const why = /\(([^()]*)\)$/.exec((e as Error).message);
    return `wrote no float image at ${path} (${why ? why[1] : (e as Error).message})`;
  }
  if (bytes.length !== 4 * width * height) return {mismatch: `float image has ${bytes.length} bytes, expected ${4 * width * height} (${width}x${height} float32)`};
  return decodeFloatImage(bytes, width, height, path);
}
