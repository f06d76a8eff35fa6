/**
 * A case: one nanoBragg command line and what is known about it, whatever it was read from (a
 * stored case in traces/, a folder written by `capture`, a run of a YAML case list). Plain data:
 * running it is the business of an implementation (src/impl/, the engine).
 */

/** A pixel as C's -trace_pixel takes it, with its reference trace when the case has one. */
export interface TracedPixel {
  slow: number;
  fast: number;
  /** absolute path of the C trace of this pixel */
  trace?: string;
}

/** Image thresholds, in the vocabulary of the port's case lists (corr_min ...). */
export interface Thresholds {
  corrMin?: number;
  sumRatioMin?: number;
  sumRatioMax?: number;
  maxAbsMax?: number;
}

/** Absolute paths of the reference outputs a case holds (each only when the file exists). */
export interface References {
  /** C's stdout of the plain run */
  stdout?: string;
  /** raw float32 image; may end in .gz */
  float?: string;
  int?: string;
  pgm?: string;
  noise?: string;
}

export interface Case {
  name: string;
  /** a run of a case list (the port's YAML): the case's id and the run's name; `name` is `id/run` */
  list?: {id: string; run: string};
  description?: string;
  /** where the case was read from: a case folder (its meta.json) or a case list file */
  origin: string;
  /** the nanoBragg arguments, without output files */
  args: string[];
  /** appended for the plain run (the output files C wrote, -noprogress) */
  outputArgs: string[];
  /** an earlier run in the same working folder (e.g. one that leaves Fdump.bin) */
  preArgs?: string[];
  /** absolute folder the relative input files of args and preArgs are read from */
  inputsDir: string;
  /** C's exit code on the plain run (0 unless the case records a refusal) */
  exitCode: number;
  /** OMP_NUM_THREADS the reference was made with */
  ompThreads: number;
  frame?: {fpixels: number; spixels: number};
  pixels: TracedPixel[];
  references: References;
  /** sha256 of the uncompressed float image */
  floatSha256?: string;
  thresholds?: Thresholds;
}

/** The name of the trace file of a pixel in a case folder. */
export function traceFileName(slow: number, fast: number): string {
  return `trace_s${slow}_f${fast}.log`;
}
