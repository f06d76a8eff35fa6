/** `--peak N`: the pixels worth tracing, chosen as the stored cases chose their first. */

/**
 * The `n` brightest pixels of a fast-major image, distinct, brightest first; equal values in
 * raster order. Returned as [slow, fast]. NaN pixels are never chosen.
 */
export function brightestPixels(image: Float32Array, fpixels: number, n: number): Array<[number, number]> {
  // the best n so far, brightest first (n is small: insertion beats sorting the frame)
  const best: number[] = [];
  for (let i = 0; i < image.length; i++) {
    const v = image[i];
    if (!(v === v)) continue;
    if (best.length === n && !(v > image[best[n - 1]])) continue;
    let at = best.length;
    while (at > 0 && v > image[best[at - 1]]) at--;
    best.splice(at, 0, i);
    if (best.length > n) best.pop();
  }
  return best.map((i) => [Math.floor(i / fpixels), i % fpixels]);
}
