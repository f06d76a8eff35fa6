/**
 * Everything nanoBragg does after the render loop: statistics, the summary
 * lines it prints, and the int, PGM and noise images, with C's float/double
 * semantics.
 *
 * Statistics come in two parts, as in C:
 *  - during the render, every rendered pixel (inside the ROI, not masked) adds
 *    its final float value to max_I (with the position of the pixel's LAST
 *    sub-pixel, in meters), sum, sumsqr and sumn;
 *  - after it, mean and rms follow from those, and rmsd from a second pass over
 *    every pixel in the ROI, masked ones included.
 * `RenderStats` is the accumulator a renderer can feed; `statsFromImage`
 * computes the same numbers from the finished image, visiting pixels in the
 * render's raster order with the same roundings, so the two are identical for a
 * single-threaded raster render (the reference traces were made with one
 * OpenMP thread; with several, see `ThreadedStats`).
 */
import {cprintf, formatG} from '../util/cformat.js';

import {encodeFloatImage} from '../io/floatimage.js';
import {allocatePgm} from '../io/pgm.js';
import type {ZeroRanges} from '../io/atomic.js';
import {type ByteOrder, HOST_BYTE_ORDER, type SmvHeaderLayout, type SmvHeaderParams, allocateNanoBraggSmv, smvBytes} from '../io/smv.js';
import {CRandom, type SeedRef} from './rng.js';

export type {SmvHeaderParams} from '../io/smv.js';

/**
 * C's region of interest, inclusive bounds in pixels after defaulting
 * (roi_xmin=0, roi_xmax=fpixels, roi_ymin=0, roi_ymax=spixels when not given;
 * note xmax defaults to fpixels, one past the last pixel, which is harmless).
 * x is the fast index, y the slow one.
 */
export interface Roi {
  xmin: number;
  xmax: number;
  ymin: number;
  ymax: number;
}

/** The ROI clipped to the image, as inclusive index bounds: loops visit ROI pixels only. */
function roiBounds(roi: Roi, fpixels: number, spixels: number): {f0: number; f1: number; s0: number; s1: number} {
  return {f0: Math.max(0, Math.ceil(roi.xmin)), f1: Math.min(fpixels - 1, Math.floor(roi.xmax)), s0: Math.max(0, Math.ceil(roi.ymin)), s1: Math.min(spixels - 1, Math.floor(roi.ymax))};
}

/**
 * The byte ranges of an image file (`headerBytes`, then `bytesPerPixel` per pixel) that hold the
 * rows outside the ROI: never rendered, so zero (C's calloc), and never touched in memory.
 */
export function rowsOutsideRoi(roi: Roi, fpixels: number, spixels: number, bytesPerPixel: number, headerBytes = 0): ZeroRanges {
  const b = roiBounds(roi, fpixels, spixels);
  const row = fpixels * bytesPerPixel;
  const end = headerBytes + spixels * row;
  if (b.s0 > b.s1 || b.f0 > b.f1) return [[headerBytes, end]];
  return [
    [headerBytes, headerBytes + b.s0 * row],
    [headerBytes + (b.s1 + 1) * row, end],
  ];
}

/** The render-time statistics of nanoBragg (max_I, max_I_x/y, sum, sumsqr, sumn). */
export class RenderStats {
  /** Starts at 0, so an image without positive pixels reports 0 at (0, 0). */
  maxI = 0.0;
  maxIxM = 0.0;
  maxIyM = 0.0;
  sum = 0.0;
  sumsqr = 0.0;
  sumn = 0;

  /**
   * Record one rendered pixel: `value` is its final float image value,
   * `fdetM`/`sdetM` the Fdet/Sdet (meters) of its last sub-pixel, which C
   * reports as the position of the maximum.
   */
  add(value: number, fdetM: number, sdetM: number): void {
    const v = Math.fround(value);
    if (v > this.maxI) {
      this.maxI = v;
      this.maxIxM = fdetM;
      this.maxIyM = sdetM;
    }
    this.sum += v;
    // float*float in C: the square is rounded to float before the double sum.
    this.sumsqr += Math.fround(v * v);
    this.sumn += 1;
  }
}

/** What decides which pixels the render visited and where their last sub-pixel lies. */
export interface RenderLayout {
  fpixels: number;
  spixels: number;
  roi: Roi;
  /** C maskimage: pixels whose mask value is 0 are not rendered. */
  mask?: Uint16Array;
  oversample: number;
  /** C pixel_size, meters. */
  pixelSizeM: number;
}

/** Fdet or Sdet (meters) of sub-pixel `sub` of pixel `pixel`, with C's expression. */
export function subpixelPositionM(pixel: number, sub: number, oversample: number, pixelSizeM: number): number {
  const subpixelSize = pixelSizeM / oversample;
  return subpixelSize * (pixel * oversample + sub) + subpixelSize / 2.0;
}

/** Fdet of every column's last sub-pixel; the last table is kept: a frame's rows come in many instalments. */
let fdetTable: {key: string; fdetM: Float64Array} | undefined;
function lastSubpixelFdetM(fpixels: number, oversample: number, pixelSizeM: number): Float64Array {
  const key = `${fpixels} ${oversample} ${pixelSizeM}`;
  if (fdetTable?.key !== key) {
    const fdetM = new Float64Array(fpixels);
    for (let f = 0; f < fpixels; f++) fdetM[f] = subpixelPositionM(f, oversample - 1, oversample, pixelSizeM);
    fdetTable = {key, fdetM};
  }
  return fdetTable.fdetM;
}

/**
 * RenderStats of a finished image, as the render loop would have accumulated them. Rows can
 * be added in instalments (rows [from, to) into `stats`), in raster order: the sums then come
 * out the same, bit for bit.
 */
export function statsFromImage(image: Float32Array, layout: RenderLayout, rows: [number, number] = [0, layout.spixels], stats = new RenderStats()): RenderStats {
  const {fpixels, spixels, roi, mask, oversample, pixelSizeM} = layout;
  checkSize(image.length, fpixels, spixels, 'float image');
  if (mask !== undefined) checkSize(mask.length, fpixels, spixels, 'mask');
  const last = oversample - 1;
  const fdetM = lastSubpixelFdetM(fpixels, oversample, pixelSizeM);
  const b = roiBounds(roi, fpixels, spixels);
  for (let spixel = Math.max(b.s0, rows[0]); spixel <= Math.min(b.s1, rows[1] - 1); spixel++) {
    const sdetM = subpixelPositionM(spixel, last, oversample, pixelSizeM);
    for (let fpixel = b.f0; fpixel <= b.f1; fpixel++) {
      const idx = spixel * fpixels + fpixel;
      if (mask !== undefined && mask[idx] === 0) continue;
      stats.add(image[idx], fdetM[fpixel], sdetM);
    }
  }
  return stats;
}

/**
 * The render statistics of C run with OpenMP threads. sum, sumsqr and sumn are reductions:
 * every thread accumulates its own block from zero, and the parts are added at the end, here in
 * thread order (C adds them as the threads finish: the same for two threads, possibly other
 * last bits for three or more). max_I is one shared variable; merging the blocks' maxima in
 * thread order keeps the raster-first pixel of a tie, where C keeps whichever thread got there
 * first (C-OPENMP-RACES).
 */
export class ThreadedStats {
  private readonly parts: RenderStats[];

  /** `blocks`: the row ranges of the threads, in thread order (threads.ts) */
  constructor(private readonly blocks: ReadonlyArray<readonly [number, number]>) {
    this.parts = blocks.map(() => new RenderStats());
  }

  /** Add rows [from, to) of the finished image; rows come in raster order, each once. */
  addRows(image: Float32Array, layout: RenderLayout, [from, to]: [number, number]): void {
    this.blocks.forEach(([start, end], i) => {
      const lo = Math.max(from, start);
      const hi = Math.min(to, end);
      if (lo < hi) statsFromImage(image, layout, [lo, hi], this.parts[i]);
    });
  }

  total(): RenderStats {
    const t = new RenderStats();
    for (const p of this.parts) {
      if (p.maxI > t.maxI) {
        t.maxI = p.maxI;
        t.maxIxM = p.maxIxM;
        t.maxIyM = p.maxIyM;
      }
      t.sum += p.sum;
      t.sumsqr += p.sumsqr;
      t.sumn += p.sumn;
    }
    return t;
  }
}

export interface ImageSummary {
  maxI: number;
  maxIxM: number;
  maxIyM: number;
  mean: number;
  rms: number;
  rmsd: number;
}

/** mean and rms from the render statistics; rmsd from a pass over the ROI (masked pixels included, as in C). */
export function summarize(image: Float32Array, stats: RenderStats, fpixels: number, spixels: number, roi: Roi): ImageSummary {
  checkSize(image.length, fpixels, spixels, 'float image');
  // C guards its divisions by bumping sumn: 0 -> 1 for the mean, <=1 -> 2 for the rms.
  let n = stats.sumn <= 0 ? 1 : stats.sumn;
  const mean = stats.sum / n;
  if (n <= 1) n = 2;
  const rms = Math.sqrt(stats.sumsqr / (n - 1));
  let sumsqr = 0.0;
  let m = 0;
  const b = roiBounds(roi, fpixels, spixels);
  for (let spixel = b.s0; spixel <= b.s1; spixel++) {
    for (let fpixel = b.f0; fpixel <= b.f1; fpixel++) {
      const d = image[spixel * fpixels + fpixel] - mean;
      sumsqr += d * d;
      m++;
    }
  }
  if (m <= 1) m = 2;
  const rmsd = Math.sqrt(sumsqr / (m - 1));
  return {maxI: stats.maxI, maxIxM: stats.maxIxM, maxIyM: stats.maxIyM, mean, rms, rmsd};
}

/** -scale: a requested value > 0 wins, otherwise 55000/max_I (1 when max_I <= 0). */
export function resolveIntfileScale(requested: number, maxI: number): number {
  if (requested > 0.0) return requested;
  return maxI > 0.0 ? 55000.0 / maxI : 1.0;
}

/** -pgmscale: a requested value > 0 wins, otherwise 50/rmsd (intfile_scale when rmsd <= 0). */
export function resolvePgmScale(requested: number, rmsd: number, intfileScale: number): number {
  if (requested > 0.0) return requested;
  return rmsd > 0.0 ? 250.0 / (5.0 * rmsd) : intfileScale;
}

/**
 * C's conversion of a double (or float) to unsigned char/short on x86-64: the
 * compiler truncates through a 32-bit cvttsd2si and keeps the low bits, so a
 * negative value wraps and NaN or anything outside int32 gives 0. (C calls this
 * undefined behaviour; the reference binary does exactly this.)
 */
export function cToUnsigned(x: number, bits: 8 | 16): number {
  if (!(x > -2147483649 && x < 2147483648)) return 0;
  return Math.trunc(x) & ((1 << bits) - 1);
}

/**
 * The int image: floor(value*scale + adc + 0.5) clipped to 0..65535, where the
 * +0.5 sum is rounded to float before floorf (so e.g. 65534.9999999 becomes
 * 65535). Pixels outside the ROI keep what `target` holds (C: zero).
 */
export function toIntImage(image: Float32Array, fpixels: number, spixels: number, roi: Roi, intfileScale: number, adcOffset: number, target: Uint16Array = new Uint16Array(fpixels * spixels)): Uint16Array {
  checkSize(image.length, fpixels, spixels, 'float image');
  const b = roiBounds(roi, fpixels, spixels);
  for (let spixel = b.s0; spixel <= b.s1; spixel++) {
    for (let fpixel = b.f0; fpixel <= b.f1; fpixel++) {
      const idx = spixel * fpixels + fpixel;
      let test = image[idx] * intfileScale + adcOffset;
      if (test > 65535.0) test = 65535.0;
      if (test < 0.0) test = 0.0;
      // clamped to 0..65535 (NaN stays NaN, and a Uint16Array stores it as 0, as cToUnsigned would)
      target[idx] = Math.floor(Math.fround(test + 0.5));
    }
  }
  return target;
}

/** The PGM bytes: value*scale truncated, clipped above at 255. Outside the ROI: what `target` holds (C: zero). */
export function toPgmImage(image: Float32Array, fpixels: number, spixels: number, roi: Roi, pgmScale: number, target: Uint8Array = new Uint8Array(fpixels * spixels)): Uint8Array {
  checkSize(image.length, fpixels, spixels, 'float image');
  const b = roiBounds(roi, fpixels, spixels);
  for (let spixel = b.s0; spixel <= b.s1; spixel++) {
    for (let fpixel = b.f0; fpixel <= b.f1; fpixel++) {
      const idx = spixel * fpixels + fpixel;
      let test = image[idx] * pgmScale;
      if (test > 255.0) test = 255.0;
      target[idx] = cToUnsigned(test, 8);
    }
  }
  return target;
}

export interface NoiseResult {
  image: Uint16Array;
  /** Sum of the Poisson deviates (before the ADC offset), a double as in C. */
  photons: number;
  overloads: number;
}

/**
 * The noise image: one poidev(value) per ROI pixel in raster order, drawn from
 * the shared generator state, plus the ADC offset, clipped at 65535 (counted as
 * an overload) and truncated. C writes it into the int image's buffer, so pass
 * a copy of the int image as `target` to reproduce pixels outside the ROI.
 */
export function toNoiseImage(image: Float32Array, fpixels: number, spixels: number, roi: Roi, adcOffset: number, rng: CRandom, seed: SeedRef, target: Uint16Array = new Uint16Array(fpixels * spixels)): NoiseResult {
  checkSize(image.length, fpixels, spixels, 'float image');
  let photons = 0.0;
  let overloads = 0;
  const b = roiBounds(roi, fpixels, spixels);
  for (let spixel = b.s0; spixel <= b.s1; spixel++) {
    for (let fpixel = b.f0; fpixel <= b.f1; fpixel++) {
      const idx = spixel * fpixels + fpixel;
      let test = rng.poidev(image[idx], seed);
      photons += test;
      test += adcOffset;
      if (test > 65535.0) {
        test = 65535.0;
        overloads++;
      }
      target[idx] = cToUnsigned(test, 16);
    }
  }
  return {image: target, photons, overloads};
}

export interface OutputOptions {
  roi: Roi;
  /** -scale; <= 0 means automatic. */
  intfileScale?: number;
  /** -pgmscale; <= 0 means automatic. */
  pgmScale?: number;
  /** -adc, default 40. */
  adcOffset?: number;
  /** C write_pgm (default on; -nopgm turns it off). */
  writePgm?: boolean;
  /** C calculate_noise: the run's shared generator state and the `seed` variable. Absent: no noise image. */
  noise?: {rng: CRandom; seed: SeedRef};
  /** File names as given on the command line; they only appear in the printed lines. */
  fileNames: {float: string; int: string; pgm: string; noise: string};
  byteOrder?: ByteOrder;
  /** SMV headers longer than 512 bytes: as C writes them (default) or valid (src/io/smv.ts) */
  smvHeader?: SmvHeaderLayout;
}

export interface OutputFile {
  name: string;
  bytes: Buffer;
  /** where `bytes` is zero and was never written (rows outside the ROI) */
  zeros: ZeroRanges;
}

/** One thing C does after the render, in order: print a line or write a file. */
export type OutputStep = {kind: 'line'; text: string} | ({kind: 'file'} & OutputFile);

export interface RenderOutputs {
  summary: ImageSummary;
  intfileScale: number;
  pgmScale?: number;
  intImage: Uint16Array;
  pgmImage?: Uint8Array;
  noise?: NoiseResult;
  /** Files in the order C writes them: float, int, then PGM and noise when enabled. */
  files: OutputFile[];
  /** What C prints from "writing <float>" on, one entry per line, without "\n". */
  lines: string[];
  /** Lines and file writes interleaved as C does them ("writing X" comes before X is written). */
  steps: OutputStep[];
}

/** Everything C produces after the render, from the float image and the render statistics. */
export function produceOutputs(image: Float32Array, stats: RenderStats, header: SmvHeaderParams, options: OutputOptions): RenderOutputs {
  const {fpixels, spixels} = header;
  const {roi, fileNames} = options;
  const adc = options.adcOffset ?? 40.0;
  const byteOrder = options.byteOrder ?? HOST_BYTE_ORDER;
  const lines: string[] = [];
  const files: OutputFile[] = [];
  const steps: OutputStep[] = [];
  const say = (text: string): void => {
    lines.push(text);
    steps.push({kind: 'line', text});
  };
  const write = (name: string, bytes: Buffer, zeros: ZeroRanges): void => {
    files.push({name, bytes, zeros});
    steps.push({kind: 'file', name, bytes, zeros});
  };

  const summary = summarize(image, stats, fpixels, spixels, roi);
  say(cprintf('writing %s as %d %lu-byte floats', fileNames.float, fpixels * spixels, 4));
  write(fileNames.float, encodeFloatImage(image), rowsOutsideRoi(roi, fpixels, spixels, 4));

  say(`max_I = ${formatG(summary.maxI)}  at ${formatG(summary.maxIxM)} ${formatG(summary.maxIyM)}`);
  say(`mean= ${formatG(summary.mean)} rms= ${formatG(summary.rms)} rmsd= ${formatG(summary.rmsd)}`);
  const intfileScale = resolveIntfileScale(options.intfileScale ?? 0.0, summary.maxI);
  say(`intfile_scale = ${formatG(intfileScale)}`);
  // computed into the file's own buffer: a frame's worth of copying saved
  const intFile = allocateNanoBraggSmv(header, 'int', byteOrder, options.smvHeader);
  const intImage = toIntImage(image, fpixels, spixels, roi, intfileScale, adc, intFile.data);
  say(cprintf('writing %s as %lu-byte integers', fileNames.int, 2));
  write(fileNames.int, smvBytes(intFile), rowsOutsideRoi(roi, fpixels, spixels, 2, intFile.header.length));

  const out: RenderOutputs = {summary, intfileScale, intImage, files, lines, steps};
  if (options.writePgm ?? true) {
    const pgmScale = resolvePgmScale(options.pgmScale ?? 0.0, summary.rmsd, intfileScale);
    say(`pgm_scale = ${formatG(pgmScale)}`);
    // computed into the file's own buffer, as the int image is
    const pgmFile = allocatePgm(fpixels, spixels, pgmScale);
    const pgmImage = toPgmImage(image, fpixels, spixels, roi, pgmScale, pgmFile.pixels);
    say(cprintf('writing %s as %lu-byte integers', fileNames.pgm, 1));
    write(fileNames.pgm, pgmFile.bytes, rowsOutsideRoi(roi, fpixels, spixels, 1, pgmFile.bytes.length - fpixels * spixels));
    out.pgmScale = pgmScale;
    out.pgmImage = pgmImage;
  }
  if (options.noise !== undefined) {
    const noiseFile = allocateNanoBraggSmv(header, 'noise', byteOrder, options.smvHeader);
    noiseFile.data.set(intImage);
    const noise = toNoiseImage(image, fpixels, spixels, roi, adc, options.noise.rng, options.noise.seed, noiseFile.data);
    say(cprintf('%.0f photons on noise image (%d overloads)', noise.photons, noise.overloads));
    say(cprintf('writing %s as %lu-byte integers', fileNames.noise, 2));
    write(fileNames.noise, smvBytes(noiseFile), []);
    out.noise = noise;
  }
  return out;
}

function checkSize(length: number, fpixels: number, spixels: number, what: string): void {
  if (length !== fpixels * spixels) throw new Error(`${what}: ${length} pixels, expected ${fpixels}x${spixels}=${fpixels * spixels}`);
}
