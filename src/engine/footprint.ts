/**
 * What a run would need, judged from its settings before anything large is allocated: the
 * settings that would make C divide by zero or misread a size are refused (usage, exit 2), and a
 * run whose memory estimate is over the limit is refused with the flag that drives it (exit 10),
 * instead of a RangeError, a kernel kill or a run that never ends.
 *
 * The estimate is an upper bound of the big allocations only (Node itself and the code add
 * ~60 MB): the frame and its output buffers, the beam's sources, the cell vectors tabulated per
 * (phi step, mosaic domain) and the lattice kernel's records for them (one set per rendering
 * thread), and the HKL grid (one copy per rendering thread).
 */
import {totalmem} from 'node:os';
import type {NanoBraggSettings} from './args.js';
import {resolveSteps} from './beam.js';
import {resolveMosaic} from './crystal.js';
import {buildDetector, type Detector} from './detector.js';
import {UserError} from './errors.js';
import {EXIT} from '../util/exit-codes.js';
import {formatBytes} from '../io/input.js';

/** float image (shared), int image, noise image, PGM, mask and the rows in flight, per pixel */
const FRAME_BYTES_PER_PIXEL = 16;
/** one beam source: its object, direction vector and fields in V8 */
const SOURCE_BYTES = 200;
/** per (phi step, mosaic domain): two 9-double cell tables, the kernel's 11-double record, and slack */
const STEP_BYTES = 2 * 9 * 8 + 11 * 8 + 32;
/** per phi step: the rotated cell (three Vec3 arrays) */
const PHI_STEP_BYTES = 3 * 64 + 64;

/** The default limit: half the machine's memory. */
export function defaultMaxMemoryBytes(): number {
  return Math.floor(totalmem() / 2);
}

/** `--max-memory` values: bytes, or with a unit (`512M`, `2G`, `1.5GiB`); UserError (exit 2) otherwise. */
export function parseMemorySize(text: string, flag = '--max-memory'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) throw new UserError(`${flag}: expected a size such as 512M or 4G, got '${text}'`);
  const scale = {'': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40}[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const bytes = Math.floor(Number(m[1]) * scale);
  if (!(bytes >= 2 ** 20)) throw new UserError(`${flag}: expected at least 1M, got '${text}'`);
  return bytes;
}

/** A usage error for a detector that cannot exist: no pixel size, or no pixels (exit 2). */
export function checkDetectorSettings(s: NanoBraggSettings): void {
  if (!Number.isFinite(s.pixelSizeM) || s.pixelSizeM === 0) {
    throw new UserError(`-pixel: the pixel size must be a non-zero number of mm, got ${s.pixelSizeM * 1000} (it divides the detector size)`);
  }
}

/** The frame's size, refused when it is not at least 1x1 (exit 2): C would allocate a negative or NaN count. */
export function checkFrame(d: Pick<Detector, 'fpixels' | 'spixels'>): void {
  const ok = (n: number) => Number.isInteger(n) && n >= 1;
  if (!ok(d.fpixels) || !ok(d.spixels)) {
    throw new UserError(`the detector would have ${d.fpixels}x${d.spixels} (fast x slow) pixels: -detpixels, -detsize and -pixel must give at least one pixel each way`);
  }
}

/**
 * The automatic oversample is ceil(3 * crystal size / (lambda * distance / pixel)): with a zero
 * wavelength, distance or pixel size it is infinite (C loops forever), and past 46340 its square
 * overflows C's int step count. Refused (exit 2), naming the value that made it so.
 */
export function checkOversample(oversample: number, s: NanoBraggSettings, distanceM: number): void {
  if (Number.isFinite(oversample) && oversample <= 46340) return;
  const culprit = s.lambda0M === 0 ? '-lambda 0' : distanceM === 0 ? '-distance 0' : s.pixelSizeM === 0 ? '-pixel 0' : `a crystal of ${s.Na}x${s.Nb}x${s.Nc} cells`;
  throw new UserError(
    `the automatic -oversample would be ${oversample} (from ${culprit}: 3 * crystal size / (lambda * distance / pixel)); give positive -lambda, -distance and -pixel, or an explicit -oversample`,
  );
}

export interface FootprintPart {
  /** the flag(s) that drive this part */
  flag: string;
  what: string;
  bytes: number;
}

export interface Footprint {
  parts: FootprintPart[];
  totalBytes: number;
}

/** The big allocations of a run, from its settings alone (no input file is read). */
export function estimateFootprint(s: NanoBraggSettings, o: {workers: number; frame: boolean; hklGridValues?: number}): Footprint {
  const parts: FootprintPart[] = [];
  const threads = Math.max(1, o.workers);
  if (o.frame) {
    const d = buildDetector(s);
    const pixels = d.fpixels * d.spixels;
    parts.push({flag: '-detpixels', what: `a ${d.fpixels}x${d.spixels} frame`, bytes: pixels * FRAME_BYTES_PER_PIXEL});
  }
  if (!s.sourceFile) {
    const sane = (t: {range: number; step: number; steps: number}) => (t.range <= 0 || t.step <= 0 || t.steps <= 0 ? 1 : t.steps);
    const h = sane(resolveSteps(s.hdivrangeRad, s.hdivstepRad, s.hdivsteps));
    const v = sane(resolveSteps(s.vdivrangeRad, s.vdivstepRad, s.vdivsteps));
    const disp = sane(resolveSteps(s.dispersion, -1, s.dispsteps));
    const sources = h * v * disp;
    const flag = disp > h * v ? '-dispsteps' : '-hdivsteps/-vdivsteps';
    parts.push({flag, what: `${sources} beam sources (${h} x ${v} divergence x ${disp} dispersion steps)`, bytes: sources * SOURCE_BYTES});
  }
  const phisteps = Math.max(1, s.phisteps);
  const {domains} = resolveMosaic(s, []);
  const flag = domains > phisteps ? '-mosaic_domains' : '-phisteps';
  parts.push({
    flag,
    what: `${phisteps} phi steps x ${domains} mosaic domains, tabulated by each of ${threads} rendering threads`,
    bytes: threads * (phisteps * domains * STEP_BYTES + phisteps * PHI_STEP_BYTES + domains * 72),
  });
  if (o.hklGridValues !== undefined) {
    parts.push({flag: '-hkl', what: `an HKL grid of ${o.hklGridValues} values, one copy per rendering thread`, bytes: threads * o.hklGridValues * 8});
  }
  return {parts, totalBytes: parts.reduce((sum, p) => sum + p.bytes, 0)};
}

/** per pixel of the larger image: the comparison's double-precision work arrays (ROI values, the
 * previews' sorted union, log scale and difference) and its match flags */
const COMPARE_WORK_BYTES_PER_PIXEL = 8 + 16 + 8 + 8 + 2;
/** per pixel: the previews' RGB rasters and PNG encodings (ref, test, difference; linear, log, zoom) */
const PREVIEW_BYTES_PER_PIXEL = 3 * 3 + 3 * 4;

/** An image file to compare, as its first bytes describe it (src/images/load.ts imageFrameOf). */
export interface ImageFrame {
  /** the flag that names the file, e.g. `--ref` */
  flag: string;
  path: string;
  width: number;
  height: number;
  /** the file's size as stored */
  storedBytes: number;
  /** bytes a pixel once inflated and before decoding (SMV 2, float 4); 0 when the file is not compressed */
  inflatedBytesPerPixel: number;
}

/**
 * The big allocations of comparing two image files, from their frame sizes alone (before either is
 * read): each file as stored (and inflated), its decoded float pixels, the work arrays and previews.
 */
export function estimateImageComparison(images: ImageFrame[]): Footprint {
  const parts: FootprintPart[] = images.map((im) => {
    const pixels = im.width * im.height;
    return {flag: im.flag, what: `${im.path}, a ${im.width}x${im.height} image, read and decoded`, bytes: im.storedBytes + pixels * (im.inflatedBytesPerPixel + 4)};
  });
  const largest = images.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  const pixels = largest.width * largest.height;
  parts.push({flag: largest.flag, what: `the comparison's work arrays for ${largest.width}x${largest.height} pixels`, bytes: pixels * COMPARE_WORK_BYTES_PER_PIXEL});
  parts.push({flag: largest.flag, what: `the previews of ${largest.width}x${largest.height} pixels`, bytes: pixels * PREVIEW_BYTES_PER_PIXEL});
  return {parts, totalBytes: parts.reduce((sum, p) => sum + p.bytes, 0)};
}

/** UserError (exit 10) naming the flag behind the largest part when the run would need more than `maxBytes`. */
export function enforceFootprint(f: Footprint, maxBytes: number): void {
  if (!(f.totalBytes > maxBytes)) return;
  const top = f.parts.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  throw new UserError(
    `${top.flag}: the run would need about ${formatBytes(f.totalBytes)} (${top.what}: ${formatBytes(top.bytes)}), over --max-memory ${formatBytes(maxBytes)}; nothing was allocated`,
    EXIT.LIMIT,
  );
}

/**
 * A mask must cover the detector pixel for pixel: with a later -detpixels changing the size, C
 * indexes past the mask's end (or uses part of it), so the run is refused (exit 4, sizes differ).
 */
export function checkMaskSize(s: NanoBraggSettings, d: Pick<Detector, 'fpixels' | 'spixels'>): void {
  if (s.mask === undefined || s.mask.length === d.fpixels * d.spixels) return;
  throw new UserError(
    `-mask ${s.maskFile ?? ''}: holds ${s.mask.length} pixels but the detector is ${d.fpixels}x${d.spixels} = ${d.fpixels * d.spixels} (a flag after the mask changed its size); nanoBragg would read past the mask`,
    EXIT.IDENTITY,
  );
}
