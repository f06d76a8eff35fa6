/**
 * Binary PGM (P5) as nanoBragg writes it: a three-line header plus a comment
 * carrying the scale, then one byte per pixel in raster order.
 */
import {formatG} from '../util/cformat.js';

/** Header and pixel bytes of the PGM file, identical to the C output. */
export function encodePgm(fpixels: number, spixels: number, pixels: Uint8Array, pgmScale: number): Buffer {
  if (pixels.length !== fpixels * spixels) {
    throw new Error(`PGM: ${pixels.length} pixels given for a ${fpixels}x${spixels} image`);
  }
  const file = allocatePgm(fpixels, spixels, pgmScale);
  file.pixels.set(pixels);
  return file.bytes;
}

/**
 * A PGM file's bytes with the header written and the pixels zero, and a view of the pixels:
 * an image computed into the view needs no second frame-sized copy.
 */
export function allocatePgm(fpixels: number, spixels: number, pgmScale: number): {bytes: Buffer; pixels: Uint8Array} {
  // "%lg" is "%g" for printf.
  const header = Buffer.from(`P5\n${fpixels} ${spixels}\n# pixels scaled by ${formatG(pgmScale)}\n255\n`, 'latin1');
  const bytes = Buffer.alloc(header.length + fpixels * spixels);
  header.copy(bytes);
  return {bytes, pixels: bytes.subarray(header.length)};
}
