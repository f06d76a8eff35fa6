/** Image-versus-image metrics, in double precision, on an inclusive ROI (x = fast, y = slow). */

export type Pixels = ArrayLike<number>;

/** Inclusive pixel bounds: xmin xmax (fast), ymin ymax (slow). */
export interface Roi {
  xmin: number;
  xmax: number;
  ymin: number;
  ymax: number;
}

export interface PeakOptions {
  /** local maxima must exceed this percentile (0..100) of the image's ROI values */
  percentile: number;
  /** keep the brightest N local maxima */
  top: number;
}

export interface Peak {
  x: number;
  y: number;
  value: number;
}

export interface PeakMatch {
  percentile: number;
  top: number;
  ref_peaks: number;
  test_peaks: number;
  matched: number;
  /** matched / ref_peaks (null when the reference has no peak) */
  matched_fraction: number | null;
  /** mean Euclidean distance in pixels of the matched pairs (null when none matched) */
  mean_distance: number | null;
  /** where the peaks are (x = fast, y = slow), brightest first, and whether each found a partner */
  ref_list: Array<{x: number; y: number; matched: boolean}>;
  test_list: Array<{x: number; y: number; matched: boolean}>;
}

export interface ImageMetrics {
  width: number;
  height: number;
  roi: Roi;
  pixels: number;
  correlation: number | null;
  mse: number;
  rmse: number;
  max_abs_diff: number;
  max_abs_diff_at: {x: number; y: number} | null;
  /** max over pixels of |test-ref| / max(|ref|,|test|); pixels where both are 0 count 0 */
  max_rel_diff: number;
  identical_fraction: number;
  sum_ref: number;
  sum_test: number;
  /** sum_test / sum_ref (null when sum_ref is 0) */
  sum_ratio: number | null;
  mean_ref: number;
  mean_test: number;
  peaks: PeakMatch;
}

export function fullRoi(width: number, height: number): Roi {
  return {xmin: 0, xmax: width - 1, ymin: 0, ymax: height - 1};
}

export function checkRoi(roi: Roi, width: number, height: number): string | undefined {
  const {xmin, xmax, ymin, ymax} = roi;
  if (![xmin, xmax, ymin, ymax].every(Number.isInteger)) return 'ROI bounds must be integers';
  if (xmin < 0 || ymin < 0 || xmax >= width || ymax >= height || xmin > xmax || ymin > ymax) {
    return `ROI x ${xmin}..${xmax}, y ${ymin}..${ymax} is not inside the ${width}x${height} image (0 <= min <= max < size)`;
  }
  return undefined;
}

/** Percentile with linear interpolation between order statistics (numpy's default). */
export function percentileOf(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (Math.min(Math.max(p, 0), 100) / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** a < b in Float64Array.prototype.sort's order: NaN after every number. */
const before = (a: number, b: number): boolean => a < b || (a === a && b !== b);

/**
 * The k-th smallest value (0-based) in sort order, as `values.sort()[k]`, in linear time (a
 * frame of millions of pixels is not sorted for one percentile); reorders `values` so that every
 * value after index k is not smaller. Three-way partitions, so that the many equal pixels of a
 * detector image (zeros) cost nothing.
 */
function selectKth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const x = a[lo];
    const y = a[(lo + hi) >>> 1];
    const z = a[hi];
    // median of three as the pivot
    const p = before(x, y) ? (before(y, z) ? y : before(x, z) ? z : x) : before(x, z) ? x : before(y, z) ? z : y;
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = a[i];
      if (before(v, p)) {
        a[i++] = a[lt];
        a[lt++] = v;
      } else if (before(p, v)) {
        a[i] = a[gt];
        a[gt--] = v;
      } else i++;
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return a[k];
  }
  return a[k];
}

/** percentileOf(values.sort(), p) without the sort (reorders `values`). */
export function percentileOfValues(values: Float64Array, p: number): number {
  if (values.length === 0) return NaN;
  const pos = (Math.min(Math.max(p, 0), 100) / 100) * (values.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, values.length - 1);
  const low = selectKth(values, lo);
  let high = low;
  if (hi > lo) {
    // every value after lo is at least values[lo]: the next order statistic is their minimum
    high = values[hi];
    for (let i = hi + 1; i < values.length; i++) if (before(values[i], high)) high = values[i];
  }
  return low + (pos - lo) * (high - low);
}

/** The largest value in sort order (NaN if there is one), as `values.sort()` would end. */
export function lastInSortOrder(values: Float64Array): number {
  let m = values[0];
  for (let i = 1; i < values.length; i++) if (before(m, values[i])) m = values[i];
  return m;
}

export function roiValues(img: Pixels, width: number, roi: Roi): Float64Array {
  const w = roi.xmax - roi.xmin + 1;
  const out = new Float64Array(w * (roi.ymax - roi.ymin + 1));
  let k = 0;
  for (let y = roi.ymin; y <= roi.ymax; y++) for (let x = roi.xmin; x <= roi.xmax; x++) out[k++] = img[y * width + x];
  return out;
}

/** Local maxima (>= all 8 neighbours inside the ROI, > the percentile), brightest first, at most `top`. */
export function findPeaks(img: Pixels, width: number, roi: Roi, o: PeakOptions): Peak[] {
  const threshold = percentileOfValues(roiValues(img, width, roi), o.percentile);
  const peaks: Peak[] = [];
  for (let y = roi.ymin; y <= roi.ymax; y++) {
    for (let x = roi.xmin; x <= roi.xmax; x++) {
      const v = img[y * width + x];
      if (!(v > threshold)) continue;
      let isMax = true;
      for (let dy = -1; dy <= 1 && isMax; dy++) {
        const yy = y + dy;
        if (yy < roi.ymin || yy > roi.ymax) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if ((dx === 0 && dy === 0) || xx < roi.xmin || xx > roi.xmax) continue;
          if (img[yy * width + xx] > v) {
            isMax = false;
            break;
          }
        }
      }
      if (isMax) peaks.push({x, y, value: v});
    }
  }
  peaks.sort((a, b) => b.value - a.value || a.y - b.y || a.x - b.x);
  return peaks.slice(0, Math.max(0, o.top));
}

/** Greedy one-to-one matching, brightest reference peak first, within a 1-pixel (8-neighbour) gate. */
export function matchPeaks(ref: Peak[], test: Peak[], o: PeakOptions): PeakMatch {
  const used = new Uint8Array(test.length);
  const refMatched = new Uint8Array(ref.length);
  let matched = 0;
  let distSum = 0;
  ref.forEach((r, i) => {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < test.length; j++) {
      if (used[j]) continue;
      const dx = test[j].x - r.x;
      const dy = test[j].y - r.y;
      if (Math.abs(dx) > 1 || Math.abs(dy) > 1) continue;
      const d = Math.hypot(dx, dy);
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    if (best >= 0) {
      used[best] = 1;
      refMatched[i] = 1;
      matched++;
      distSum += bestD;
    }
  });
  return {
    percentile: o.percentile,
    top: o.top,
    ref_peaks: ref.length,
    test_peaks: test.length,
    matched,
    matched_fraction: ref.length > 0 ? matched / ref.length : null,
    mean_distance: matched > 0 ? distSum / matched : null,
    ref_list: ref.map((p, i) => ({x: p.x, y: p.y, matched: refMatched[i] === 1})),
    test_list: test.map((p, j) => ({x: p.x, y: p.y, matched: used[j] === 1})),
  };
}

/**
 * One pass over the ROI: sums, Welford co-moments for the Pearson correlation (stable when the
 * mean dwarfs the spread), squared differences and extremes. Peak finding is a second step.
 */
export function compareImages(ref: Pixels, test: Pixels, width: number, height: number, roi: Roi, peaks: PeakOptions): ImageMetrics {
  let n = 0;
  let sumR = 0;
  let sumT = 0;
  let meanR = 0;
  let meanT = 0;
  let m2R = 0;
  let m2T = 0;
  let cRT = 0;
  let sse = 0;
  let maxAbs = -1;
  let maxAt: {x: number; y: number} | null = null;
  let maxRel = 0;
  let same = 0;
  for (let y = roi.ymin; y <= roi.ymax; y++) {
    for (let x = roi.xmin; x <= roi.xmax; x++) {
      const i = y * width + x;
      const r = +ref[i];
      const t = +test[i];
      n++;
      sumR += r;
      sumT += t;
      const dR = r - meanR;
      meanR += dR / n;
      const dT = t - meanT;
      meanT += dT / n;
      m2R += dR * (r - meanR);
      m2T += dT * (t - meanT);
      cRT += dR * (t - meanT);
      const d = t - r;
      sse += d * d;
      const a = Math.abs(d);
      if (a > maxAbs) {
        maxAbs = a;
        maxAt = {x, y};
      }
      if (d === 0) same++;
      else {
        const rel = a / Math.max(Math.abs(r), Math.abs(t));
        if (rel > maxRel) maxRel = rel;
      }
    }
  }
  const denom = Math.sqrt(m2R * m2T);
  const mse = n > 0 ? sse / n : 0;
  return {
    width,
    height,
    roi,
    pixels: n,
    correlation: denom > 0 ? cRT / denom : null,
    mse,
    rmse: Math.sqrt(mse),
    max_abs_diff: Math.max(maxAbs, 0),
    max_abs_diff_at: maxAt,
    max_rel_diff: maxRel,
    identical_fraction: n > 0 ? same / n : 0,
    sum_ref: sumR,
    sum_test: sumT,
    sum_ratio: sumR !== 0 ? sumT / sumR : null,
    mean_ref: meanR,
    mean_test: meanT,
    peaks: matchPeaks(findPeaks(ref, width, roi, peaks), findPeaks(test, width, roi, peaks), peaks),
  };
}
