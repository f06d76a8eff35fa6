/**
 * Binary PGM (P5) as nanoBragg writes it: a three-line header plus a comment
 * carrying the scale, then one byte per pixel in raster order.
 */
import {formatG} from '../util/cformat.js';

/**
 * A PGM file's bytes, identical to the C output once the pixels are in: the header written and
 * the pixels zero, and a view of the pixels (an image computed into it needs no second copy).
 */
export function allocatePgm(fpixels: number, spixels: number, pgmScale: number): {bytes: Buffer; pixels: Uint8Array} {
  // "%lg" is "%g" for printf.
  const header = Buffer.from(`P5\n${fpixels} ${spixels}\n# pixels scaled by ${formatG(pgmScale)}\n255\n`, 'latin1');
  const bytes = Buffer.alloc(header.length + fpixels * spixels);
  header.copy(bytes);
  return {bytes, pixels: bytes.subarray(header.length)};
}
