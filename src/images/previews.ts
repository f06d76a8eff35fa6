/**
 * The pictures of an image comparison, written into its bundle as PNG (fast-png): reference, test
 * and |test - ref|, each linear and logarithmic, through a perceptual colour map (viridis for the
 * images, magma for the difference), as the whole frame and as a full-resolution zoom on the
 * worst pixel. A frame larger than PREVIEW_MAX_SIDE is reduced by max-pooling: a Bragg spot or a
 * single hot difference pixel survives (a mean would dilute it into the background). What was
 * made, and the scales, go into metrics.json `previews`; the view draws from those alone.
 */
import {encode} from 'fast-png';

import {colourTable, type ColourMapName} from './colour-maps.js';
import {lastInSortOrder, percentileOfValues, type Pixels} from './metrics.js';

/** the longest side of a whole-frame preview, in pixels */
export const PREVIEW_MAX_SIDE = 512;
/** the side of the zoom window around the worst pixel */
export const ZOOM_SIDE = 64;
/** a logarithmic preview spans this many decades below its maximum */
export const LOG_DECADES = 4;
/** what a float image pixel holds */
export const IMAGE_UNIT = 'photons';

export type PreviewRole = 'ref' | 'test' | 'diff';

export interface PreviewImage {
  role: PreviewRole;
  colour_map: ColourMapName;
  /** value of the top of the map (the bottom is 0, or max/10^log_decades on the log pictures) */
  max: number;
  unit: string;
  linear: string;
  log: string;
  zoom_linear: string;
  zoom_log: string;
}

export interface PreviewsJson {
  percentile: number;
  scale_max: number | null;
  diff_max: number | null;
  log_decades: number;
  downsample: {method: 'max'; factor: number; width: number; height: number};
  /** full-resolution window (x = fast, y = slow) around `centre`, the largest |test - ref| */
  zoom: {x0: number; y0: number; width: number; height: number; centre: {x: number; y: number}};
  images: PreviewImage[];
}

interface Frame {
  width: number;
  height: number;
  /** value of pixel i (NaN counts as 0) */
  at: (i: number) => number;
}

const clean = (v: number): number => (Number.isFinite(v) ? v : 0);

/** The white level: the given percentile of both images together. */
function whiteLevel(ref: Pixels, test: Pixels, n: number, percentile: number): number {
  const union = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    union[i] = clean(ref[i]);
    union[n + i] = clean(test[i]);
  }
  const top = percentileOfValues(union, percentile);
  return top > 0 ? top : Math.max(lastInSortOrder(union), 0);
}

/** Max-pool by `factor` (1: a copy). */
function pooled(f: Frame, factor: number): Frame {
  const w = Math.ceil(f.width / factor);
  const h = Math.ceil(f.height / factor);
  const out = new Float64Array(w * h).fill(-Infinity);
  for (let y = 0; y < f.height; y++) {
    const row = Math.floor(y / factor) * w;
    for (let x = 0; x < f.width; x++) {
      const v = f.at(y * f.width + x);
      const j = row + Math.floor(x / factor);
      if (v > out[j]) out[j] = v;
    }
  }
  return {width: w, height: h, at: (i) => out[i]};
}

function window(f: Frame, x0: number, y0: number, w: number, h: number): Frame {
  return {width: w, height: h, at: (i) => f.at((y0 + Math.floor(i / w)) * f.width + x0 + (i % w))};
}

/** A frame through a colour map, linear from 0 to max or logarithmic over LOG_DECADES below it. */
function png(f: Frame, map: ColourMapName, max: number, log: boolean): Uint8Array {
  const table = colourTable(map);
  const n = f.width * f.height;
  const rgb = new Uint8Array(3 * n);
  const floor = max / 10 ** LOG_DECADES;
  for (let i = 0; i < n; i++) {
    const v = f.at(i);
    let t = 0;
    if (max > 0) t = log ? (v > floor ? Math.log10(v / floor) / LOG_DECADES : 0) : v / max;
    const k = Math.round(255 * Math.min(Math.max(t, 0), 1)) || 0;
    rgb[3 * i] = table[3 * k];
    rgb[3 * i + 1] = table[3 * k + 1];
    rgb[3 * i + 2] = table[3 * k + 2];
  }
  return encode({width: f.width, height: f.height, data: rgb, channels: 3, depth: 8});
}

/**
 * Every preview of a comparison: the files (name -> PNG) and their description for metrics.json.
 * `worst` is where |test - ref| is largest (the zoom's centre).
 */
export function previews(
  ref: Pixels,
  test: Pixels,
  width: number,
  height: number,
  o: {percentile: number; worst: {x: number; y: number} | null},
): {files: Record<string, Uint8Array>; json: PreviewsJson} {
  const n = width * height;
  const scaleMax = whiteLevel(ref, test, n, o.percentile);
  let diffMax = 0;
  const diff = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    diff[i] = Math.abs(clean(test[i]) - clean(ref[i]));
    if (diff[i] > diffMax) diffMax = diff[i];
  }
  const frames: Record<PreviewRole, Frame> = {
    ref: {width, height, at: (i) => clean(ref[i])},
    test: {width, height, at: (i) => clean(test[i])},
    diff: {width, height, at: (i) => diff[i]},
  };
  const factor = Math.max(1, Math.ceil(Math.max(width, height) / PREVIEW_MAX_SIDE));
  const zw = Math.min(ZOOM_SIDE, width);
  const zh = Math.min(ZOOM_SIDE, height);
  const centre = o.worst ?? {x: Math.floor(width / 2), y: Math.floor(height / 2)};
  const x0 = Math.min(Math.max(centre.x - Math.floor(zw / 2), 0), width - zw);
  const y0 = Math.min(Math.max(centre.y - Math.floor(zh / 2), 0), height - zh);
  const files: Record<string, Uint8Array> = {};
  const images: PreviewImage[] = [];
  for (const role of ['ref', 'test', 'diff'] as const) {
    const map: ColourMapName = role === 'diff' ? 'magma' : 'viridis';
    const max = role === 'diff' ? diffMax : scaleMax;
    const whole = pooled(frames[role], factor);
    const zoom = window(frames[role], x0, y0, zw, zh);
    const img: PreviewImage = {role, colour_map: map, max, unit: IMAGE_UNIT, linear: `${role}.png`, log: `${role}-log.png`, zoom_linear: `zoom-${role}.png`, zoom_log: `zoom-${role}-log.png`};
    files[img.linear] = png(whole, map, max, false);
    files[img.log] = png(whole, map, max, true);
    files[img.zoom_linear] = png(zoom, map, max, false);
    files[img.zoom_log] = png(zoom, map, max, true);
    images.push(img);
  }
  return {
    files,
    json: {
      percentile: o.percentile,
      scale_max: scaleMax,
      diff_max: diffMax,
      log_decades: LOG_DECADES,
      downsample: {method: 'max', factor, width: Math.ceil(width / factor), height: Math.ceil(height / factor)},
      zoom: {x0, y0, width: zw, height: zh, centre},
      images,
    },
  };
}
