/** The previews of an image comparison: both images in grey, and a heat map of their difference (PNG). */
import {lastInSortOrder, percentileOfValues, type Pixels} from './metrics.js';
import {encodePng} from './png.js';

/** 8-bit greyscale previews of both images, linear from 0 to the given percentile of their union. */
export function previewPngs(ref: Pixels, test: Pixels, width: number, height: number, percentile: number): {ref: Buffer; test: Buffer; scaleMax: number} {
  const n = width * height;
  const union = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    union[i] = ref[i];
    union[n + i] = test[i];
  }
  let top = percentileOfValues(union, percentile);
  if (!(top > 0)) top = lastInSortOrder(union);
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
