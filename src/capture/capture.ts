/**
 * `capture`: the C binary writing a case folder in the layout of traces/<case>/. The plain run
 * first (stdout.log and the images), then one run per traced pixel with -trace_pixel (C renders
 * the whole frame each time). Every run happens in its own private folder; the case folder is
 * built beside its final name and renamed when complete.
 */
import {copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {isAbsolute, join, relative, resolve} from 'node:path';
import type {Case} from '../cases/case.js';
import {traceFileName} from '../cases/case.js';
import {fileArgs, inputFiles} from '../cases/file-args.js';
import {META_FILE, metaProblems, outputFileNames, type CaseMeta, type PixelSlowFast} from '../cases/meta.js';
import {UserError} from '../engine/errors.js';
import {runCCase, type CCaseRun} from '../impl/c-case.js';
import {fileSha256, type CRunOptions, type CRunResult} from '../impl/c-binary.js';
import {frameFromStdout, roiFromStdout, type Frame, type PrintedRoi} from '../impl/c-stdout.js';
import {FileWriteError} from '../io/atomic.js';
import {decodeFloatImage} from '../io/floatimage.js';
import {StagedFolder} from '../io/staged-folder.js';
import {hasPixelBlock, parseTrace} from '../trace/parse.js';
import {packageInfo} from '../trace/project.js';
import {EXIT} from '../util/exit-codes.js';
import {brightestPixels} from './peaks.js';

/** What to capture: a case (its arguments, inputs and output names) or a bare command line. */
export type CaptureSource = {kind: 'case'; case: Case} | {kind: 'args'; args: string[]; inputsDir: string};

export interface CaptureOptions {
  /** absolute path of a checked C binary */
  cBin: string;
  source: CaptureSource;
  /** pixels asked for by --pixel, [slow, fast] */
  pixels: PixelSlowFast[];
  /** --peak N */
  peak?: number;
  name: string;
  /** the case folder is outDir/name */
  outDir: string;
  run: CRunOptions & {threads: number};
  /** progress, for a terminal */
  onEvent?: (e: CaptureEvent) => void;
}

export type CaptureEvent =
  | {kind: 'plain-start'}
  | {kind: 'plain-done'; wallSeconds: number}
  | {kind: 'estimate'; pixels: number; secondsEach: number}
  | {kind: 'pixel-start'; index: number; count: number; pixel: PixelSlowFast}
  | {kind: 'pixel-done'; pixel: PixelSlowFast; ok: boolean; wallSeconds: number; reason?: string};

export interface PixelFailure {
  pixel: PixelSlowFast;
  reason: string;
  /** C's exit code (null: not run, or killed) */
  exitCode: number | null;
}

export interface CaptureResult {
  dir: string;
  meta: CaseMeta;
  failures: PixelFailure[];
}

/** The output files a capture names: stored-case names, noise and PGM only where C writes them. */
export function captureOutputArgs(args: readonly string[]): string[] {
  const out = ['-floatfile', 'float.bin', '-intfile', 'int.img'];
  // C: -nopgm turns the PGM off, -pgmfile and -pgmscale back on; the last one wins
  const pgmFlags = args.filter((a) => a.includes('-nopgm') || a.includes('-pgmscale'));
  if (pgmFlags.length === 0 || !pgmFlags[pgmFlags.length - 1].includes('-nopgm')) out.push('-pgmfile', 'image.pgm');
  // C: -nonoise turns noise off, -noisefile on again; so a noise file only without -nonoise
  if (!args.some((a) => a.includes('-nonoise'))) out.push('-noisefile', 'noise.img');
  out.push('-noprogress');
  return out;
}

/** A bare command line names no outputs and traces nothing itself: capture does both. */
export function checkCaptureArgs(args: readonly string[]): void {
  const outputs = fileArgs(args).filter((f) => f.role === 'output');
  if (outputs.length) throw new UserError(`capture names the output files itself; drop ${outputs.map((f) => `${f.flag} ${f.path}`).join(', ')}`, EXIT.USAGE);
  const trace = args.find((a) => a.includes('-trace_pixel') || a.includes('-dump_pixel'));
  if (trace) throw new UserError(`capture traces the pixels of --pixel/--peak; drop ${trace}`, EXIT.USAGE);
}

function oneLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  return lines.length ? lines[lines.length - 1].trim() : '';
}

/** Why a C run did not give what it should, with the last line it printed on stderr. */
function failureText(r: CRunResult): string {
  const last = oneLine(r.stderr);
  return `${r.error ?? 'failed'}${last ? ` (stderr: ${last})` : ''}`;
}

function pixelProblem([slow, fast]: PixelSlowFast, frame: Frame | undefined, roi: PrintedRoi | undefined): string | undefined {
  if (frame && !(slow < frame.spixels && fast < frame.fpixels)) return `outside the ${frame.spixels}x${frame.fpixels} (slow x fast) detector`;
  if (roi && (fast < roi.xmin || fast > roi.xmax || slow < roi.ymin || slow > roi.ymax)) return `outside the ROI (x ${roi.xmin}..${roi.xmax}, y ${roi.ymin}..${roi.ymax}): C traces nothing there`;
  return undefined;
}

function uniquePixels(pixels: PixelSlowFast[]): PixelSlowFast[] {
  const seen = new Set<string>();
  return pixels.filter(([s, f]) => {
    const key = `${s},${f}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export async function capture(o: CaptureOptions): Promise<CaptureResult> {
  const src = o.source;
  const c = src.kind === 'case' ? src.case : undefined;
  if (src.kind === 'args') checkCaptureArgs(src.args);
  const run: CCaseRun = src.kind === 'case' ? {args: src.case.args, preArgs: src.case.preArgs, inputsDir: src.case.inputsDir} : {args: src.args, inputsDir: src.inputsDir};
  const outputArgs = c ? c.outputArgs : captureOutputArgs(run.args);
  const expectedExit = c?.exitCode ?? 0;
  const emit = o.onEvent ?? (() => undefined);
  let folder: StagedFolder;
  try {
    folder = new StagedFolder(join(o.outDir, o.name));
  } catch (e) {
    if (e instanceof FileWriteError) throw new UserError(`--out: ${e.message}`, EXIT.CANNOT_WRITE);
    throw e;
  }
  try {
    const binSha = await fileSha256(o.cBin);
    // the plain run: its stdout and images are the case's references
    emit({kind: 'plain-start'});
    const plain = await runCCase(o.cBin, run, outputArgs, o.run, (r, dir) => {
      if (r.exitCode === expectedExit && !r.timedOut) {
        writeFileSync(join(folder.dir, 'stdout.log'), r.stdout);
        for (const name of Object.values(outputFileNames(outputArgs))) if (existsSync(join(dir, name))) copyFileSync(join(dir, name), join(folder.dir, name));
      }
      return r;
    });
    if (plain.exitCode !== expectedExit || plain.timedOut) {
      const expected = expectedExit === 0 ? '' : ` (the case expects exit ${expectedExit})`;
      throw new UserError(`the C plain run failed: ${failureText(plain)}${expected}; no case written`, EXIT.EXTERNAL);
    }
    emit({kind: 'plain-done', wallSeconds: plain.wallSeconds});

    const frame = frameFromStdout(plain.stdout);
    const roi = roiFromStdout(plain.stdout);
    let pixels: PixelSlowFast[] = [];
    const failures: PixelFailure[] = [];
    const traceRuns: NonNullable<CaseMeta['trace_runs']> = [];
    const floatPath = join(folder.dir, outputFileNames(outputArgs).float);
    if (expectedExit !== 0) {
      for (const pixel of o.pixels) failures.push({pixel, reason: `not run: the case records C refusing to run (exit ${expectedExit})`, exitCode: null});
    } else {
      const peak = o.peak ?? (o.pixels.length === 0 && !c ? 1 : undefined);
      if (peak !== undefined) {
        if (!frame) throw new UserError('--peak: the C program did not print its frame size ("(FxS pixels)"), so its float image cannot be read', EXIT.EXTERNAL);
        if (!existsSync(floatPath)) throw new UserError('--peak: the C program wrote no float image', EXIT.EXTERNAL);
        pixels.push(...brightestPixels(decodeFloatImage(readFileSync(floatPath), frame.fpixels, frame.spixels, floatPath), frame.fpixels, peak));
      }
      pixels.push(...o.pixels);
      if (o.peak === undefined && o.pixels.length === 0 && c) pixels.push(...c.pixels.map((p): PixelSlowFast => [p.slow, p.fast]));
      pixels = uniquePixels(pixels);
      if (pixels.length > 0) emit({kind: 'estimate', pixels: pixels.length, secondsEach: plain.wallSeconds});
      for (const [i, pixel] of pixels.entries()) {
        emit({kind: 'pixel-start', index: i, count: pixels.length, pixel});
        const failure = (reason: string, exitCode: number | null, wallSeconds = 0) => {
          failures.push({pixel, reason, exitCode});
          emit({kind: 'pixel-done', pixel, ok: false, wallSeconds, reason});
        };
        const outside = pixelProblem(pixel, frame, roi);
        if (outside) {
          failure(`not run: ${outside}`, null);
          continue;
        }
        const r = await runCCase(o.cBin, run, [...outputArgs, '-trace_pixel', String(pixel[0]), String(pixel[1])], o.run, (res) => res);
        if (!r.ok) {
          failure(failureText(r), r.exitCode, r.wallSeconds);
          continue;
        }
        if (!hasPixelBlock(parseTrace(r.stdout, {prefix: 'C'}))) {
          failure('C printed no per-pixel block (a masked pixel, or outside the ROI)', r.exitCode, r.wallSeconds);
          continue;
        }
        const file = traceFileName(pixel[0], pixel[1]);
        writeFileSync(join(folder.dir, file), r.stdout);
        traceRuns.push({pixel_slow_fast: pixel, trace: file, exit_code: r.exitCode ?? 0, c_wall_seconds: round3(r.wallSeconds)});
        emit({kind: 'pixel-done', pixel, ok: true, wallSeconds: r.wallSeconds});
      }
    }

    const meta = await buildMeta({o, c, run, outputArgs, plain, frame, traceRuns, failures, binSha, dir: folder.dir, floatPath});
    const problems = metaProblems(meta);
    // capture writes what the schema describes; anything else is a bug here
    if (problems) throw new Error(`capture: meta.json does not validate: ${problems}`);
    writeFileSync(join(folder.dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
    try {
      folder.commit();
    } catch (e) {
      if (e instanceof FileWriteError) throw new UserError(`--out: ${e.message}`, EXIT.CANNOT_WRITE);
      throw e;
    }
    return {dir: folder.target, meta, failures};
  } finally {
    folder.discard();
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

async function sha256Map(dir: string, names: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = await fileSha256(join(dir, name));
  return out;
}

interface MetaInputs {
  o: CaptureOptions;
  c?: Case;
  run: CCaseRun;
  outputArgs: string[];
  plain: CRunResult;
  frame?: Frame;
  traceRuns: NonNullable<CaseMeta['trace_runs']>;
  failures: PixelFailure[];
  binSha: string;
  dir: string;
  floatPath: string;
}

async function buildMeta(m: MetaInputs): Promise<CaseMeta> {
  const {o, c, run} = m;
  const caseDir = resolve(o.outDir, o.name);
  const files = readdirSync(m.dir).sort();
  // each input file by the name the arguments give it
  const inputSha: Record<string, string> = {};
  for (const name of new Set([...inputFiles(run.args), ...inputFiles(run.preArgs ?? [])])) {
    const path = isAbsolute(name) ? name : resolve(run.inputsDir, name);
    if (existsSync(path)) inputSha[name] = await fileSha256(path);
  }
  const meta: CaseMeta = {
    name: o.name,
    ...(c?.description ? {description: c.description} : {}),
    args: [...run.args],
    output_args: m.outputArgs,
    ...(run.preArgs ? {pre_args: [...run.preArgs]} : {}),
    inputs: relative(caseDir, run.inputsDir) || '.',
    exit_code: m.plain.exitCode ?? 0,
    ...(m.plain.exitCode !== 0 ? {expect_fail: true} : {}),
    omp_threads: m.plain.threads,
    c_wall_seconds: round3(m.plain.wallSeconds),
  };
  if (m.frame) Object.assign(meta, {fpixels: m.frame.fpixels, spixels: m.frame.spixels});
  if (m.plain.exitCode === 0) {
    meta.traced_pixels_slow_fast = m.traceRuns.map((t) => t.pixel_slow_fast);
    meta.traces = m.traceRuns.map((t) => t.trace);
  }
  if (existsSync(m.floatPath)) meta.float_sha256 = await fileSha256(m.floatPath);
  if (c?.thresholds) {
    const t = c.thresholds;
    meta.thresholds = {corr_min: t.corrMin, sum_ratio_min: t.sumRatioMin, sum_ratio_max: t.sumRatioMax, max_abs_max: t.maxAbsMax};
  }
  const pkg = packageInfo();
  Object.assign(meta, {
    generator: `${pkg.name} ${pkg.version} capture`,
    captured_utc: new Date().toISOString(),
    c_bin_sha256: m.binSha,
    files_sha256: await sha256Map(m.dir, files),
    input_files_sha256: inputSha,
    trace_runs: m.traceRuns,
  });
  if (m.failures.length) meta.failed_pixels = m.failures.map((f) => ({pixel_slow_fast: f.pixel, reason: f.reason, exit_code: f.exitCode}));
  // as it will be read back: without the keys left undefined
  return JSON.parse(JSON.stringify(meta)) as CaseMeta;
}
