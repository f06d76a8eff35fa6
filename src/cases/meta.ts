/**
 * meta.json, the description of a case folder (schemas/case-meta.schema.json): reading and
 * checking it, and turning it into a Case.
 */
import {existsSync} from 'node:fs';
import {readInputFile} from '../io/input.js';
import {dirname, isAbsolute, join, resolve} from 'node:path';
import {UserError} from '../engine/errors.js';
import {formatAjvErrors, validatorFor} from '../report/validate.js';
import {EXIT} from '../util/exit-codes.js';
import {traceFileName, type Case, type References, type Thresholds} from './case.js';
import {fileArgs} from './file-args.js';

export const META_FILE = 'meta.json';
export const META_SCHEMA = 'case-meta.schema.json';

export type PixelSlowFast = [number, number];

/** meta.json as the schema describes it. */
export interface CaseMeta {
  name: string;
  description?: string;
  args: string[];
  output_args: string[];
  pre_args?: string[];
  inputs: string;
  exit_code: number;
  expect_fail?: boolean;
  omp_threads?: number;
  c_wall_seconds?: number;
  fpixels?: number;
  spixels?: number;
  traced_pixels_slow_fast?: PixelSlowFast[];
  traces?: string[];
  float_sha256?: string;
  int_sha256?: string;
  pgm_sha256?: string;
  thresholds?: {corr_min?: number; sum_ratio_min?: number; sum_ratio_max?: number; max_abs_max?: number};
  generator?: string;
  captured_utc?: string;
  c_bin_sha256?: string;
  files_sha256?: Record<string, string>;
  input_files_sha256?: Record<string, string>;
  trace_runs?: Array<{pixel_slow_fast: PixelSlowFast; trace: string; exit_code: number; c_wall_seconds: number}>;
  failed_pixels?: Array<{pixel_slow_fast: PixelSlowFast; reason: string; exit_code: number | null}>;
}

/** A bad case folder: exit 3, naming the file. */
function bad(path: string, message: string): UserError {
  return new UserError(`${path}: ${message}`, EXIT.BAD_INPUT);
}

/** The schema's verdict on `meta`, or undefined when it validates. */
export function metaProblems(meta: unknown): string | undefined {
  const validate = validatorFor(META_SCHEMA);
  return validate(meta) ? undefined : formatAjvErrors(validate.errors);
}

/** Read and check a meta.json (exit 3 when it is unreadable, not JSON, or not a case). */
export function readMeta(path: string): CaseMeta {
  let text: string;
  try {
    text = readInputFile(path).toString('utf8');
  } catch (e) {
    throw bad(path, (e as Error).message.replace(`${path}: `, ''));
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw bad(path, `not JSON (${(e as Error).message})`);
  }
  const problems = metaProblems(meta);
  if (problems) throw bad(path, `not a case (schemas/${META_SCHEMA}): ${problems}`);
  const m = meta as CaseMeta;
  const pixels = m.traced_pixels_slow_fast ?? [];
  const traces = m.traces ?? [];
  if (pixels.length !== traces.length) throw bad(path, `${pixels.length} traced pixels but ${traces.length} traces`);
  pixels.forEach(([slow, fast], i) => {
    if (traces[i] !== traceFileName(slow, fast)) throw bad(path, `traces[${i}] is ${traces[i]}, but its pixel (slow ${slow}, fast ${fast}) names ${traceFileName(slow, fast)}`);
  });
  return m;
}

/** Output file names of the plain run, C's defaults where output_args names none. */
export function outputFileNames(outputArgs: readonly string[]): Record<keyof Omit<References, 'stdout'>, string> {
  const names = {float: 'floatimage.bin', int: 'intimage.img', pgm: 'image.pgm', noise: 'noiseimage.img'};
  for (const f of fileArgs(outputArgs)) {
    if (f.role !== 'output') continue;
    const kind = (['float', 'int', 'pgm', 'noise'] as const).find((k) => f.flag.includes(`-${k}`));
    if (kind) names[kind] = f.path;
  }
  return names;
}

function thresholdsOf(t: CaseMeta['thresholds']): Thresholds | undefined {
  if (!t) return undefined;
  return {corrMin: t.corr_min, sumRatioMin: t.sum_ratio_min, sumRatioMax: t.sum_ratio_max, maxAbsMax: t.max_abs_max};
}

/** The Case a checked meta.json at `metaPath` describes; its files are looked up beside it. */
export function caseFromMeta(meta: CaseMeta, metaPath: string): Case {
  const dir = dirname(metaPath);
  const at = (name: string) => join(dir, name);
  const present = (name: string) => (existsSync(at(name)) ? at(name) : undefined);
  const names = outputFileNames(meta.output_args);
  const pixels = (meta.traced_pixels_slow_fast ?? []).map(([slow, fast], i) => {
    const trace = at(meta.traces![i]);
    if (!existsSync(trace)) throw bad(metaPath, `the trace ${meta.traces![i]} it lists is not in the folder`);
    return {slow, fast, trace};
  });
  const frame = meta.fpixels !== undefined && meta.spixels !== undefined ? {fpixels: meta.fpixels, spixels: meta.spixels} : undefined;
  return {
    name: meta.name,
    description: meta.description,
    origin: metaPath,
    args: meta.args,
    outputArgs: meta.output_args,
    preArgs: meta.pre_args,
    inputsDir: isAbsolute(meta.inputs) ? meta.inputs : resolve(dir, meta.inputs),
    exitCode: meta.exit_code,
    ompThreads: meta.omp_threads ?? 1,
    frame,
    pixels,
    references: {
      stdout: present('stdout.log'),
      float: present(names.float) ?? present(`${names.float}.gz`),
      int: present(names.int),
      pgm: present(names.pgm),
      noise: present(names.noise),
    },
    floatSha256: meta.float_sha256,
    thresholds: thresholdsOf(meta.thresholds),
  };
}
