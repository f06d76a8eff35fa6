/** The report folder: previews, heat map, summaries and sha256.txt, built aside then renamed into place. */
import {createHash, randomBytes} from 'node:crypto';
import {existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {basename, dirname, join, resolve} from 'node:path';
import {UserError} from '../engine/errors.js';
import {FileWriteError, makeFolders, removeFolders} from '../io/atomic.js';
import {percentileOf, type Pixels} from './metrics.js';
import {encodePng} from './png.js';

export interface BundleFile {
  name: string;
  bytes: Uint8Array | string;
}

/** 8-bit greyscale previews of both images, linear from 0 to the given percentile of their union. */
export function previewPngs(ref: Pixels, test: Pixels, width: number, height: number, percentile: number): {ref: Buffer; test: Buffer; scaleMax: number} {
  const n = width * height;
  const union = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    union[i] = ref[i];
    union[n + i] = test[i];
  }
  union.sort();
  let top = percentileOf(union, percentile);
  if (!(top > 0)) top = union[union.length - 1];
  const scaleMax = top > 0 ? top : 0;
  const grey = (img: Pixels): Buffer => {
    const px = new Uint8Array(n);
    if (scaleMax > 0) for (let i = 0; i < n; i++) px[i] = Math.round(255 * Math.min(Math.max(img[i] / scaleMax, 0), 1)) || 0;
    return encodePng(width, height, 1, px);
  };
  return {ref: grey(ref), test: grey(test), scaleMax};
}

/** |test-ref| scaled to its own maximum, through a black-red-yellow-white ramp. */
export function diffHeatmapPng(ref: Pixels, test: Pixels, width: number, height: number): {png: Buffer; maxAbs: number} {
  const n = width * height;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(test[i] - ref[i]);
    if (a > maxAbs) maxAbs = a;
  }
  const px = new Uint8Array(3 * n);
  if (maxAbs > 0) {
    const ch = (v: number): number => Math.round(255 * Math.min(Math.max(v, 0), 1));
    for (let i = 0; i < n; i++) {
      const t = Math.abs(test[i] - ref[i]) / maxAbs;
      px[3 * i] = ch(3 * t);
      px[3 * i + 1] = ch(3 * t - 1);
      px[3 * i + 2] = ch(3 * t - 2);
    }
  }
  return {png: encodePng(width, height, 3, px), maxAbs};
}

/** `<hex>  <name>` lines, sorted by name, as `sha256sum -c` reads them. */
export function sha256Listing(files: BundleFile[]): string {
  return (
    files
      .map((f) => ({name: f.name, hex: createHash('sha256').update(f.bytes).digest('hex')}))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((f) => `${f.hex}  ${f.name}\n`)
      .join('')
  );
}

/** reports/compare-images/<UTC yyyymmddTHHMMSSZ> under cwd (a suffix when that exists already). */
export function defaultOutdir(cwd: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = resolve(cwd, 'reports', 'compare-images', stamp);
  let dir = base;
  for (let k = 1; existsSync(dir); k++) dir = `${base}-${k}`;
  return dir;
}

/**
 * Write `files` plus sha256.txt into a hidden sibling folder, then rename it to `outdir`, so a
 * failure leaves nothing behind. An existing non-empty `outdir` is refused (exit 5).
 */
export function writeBundle(outdir: string, files: BundleFile[]): string[] {
  const target = resolve(outdir);
  if (existsSync(target)) {
    let entries: string[];
    try {
      entries = readdirSync(target);
    } catch (e) {
      throw new UserError(`${target}: cannot use as the report folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 5);
    }
    if (entries.length > 0) throw new UserError(`${target}: output folder exists and is not empty`, 5);
  }
  const all = [...files, {name: 'sha256.txt', bytes: sha256Listing(files)}];
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created: string[] = [];
  try {
    created = makeFolders(dirname(target));
    mkdirSync(tmp);
    for (const f of all) writeFileSync(join(tmp, f.name), f.bytes);
    renameSync(tmp, target);
  } catch (e) {
    // the clean-up must not throw over the real error (rm of a path under a file fails ENOTDIR)
    try {
      rmSync(tmp, {recursive: true, force: true});
    } catch {
      // nothing was created there
    }
    removeFolders(created);
    if (e instanceof UserError) throw e;
    const reason = e instanceof FileWriteError ? e.message : `${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    throw new UserError(`cannot write the report folder ${target}: ${reason}`, 5);
  }
  return all.map((f) => f.name).sort();
}
