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
  // "%lg" is "%g" for printf.
  const header = `P5\n${fpixels} ${spixels}\n# pixels scaled by ${formatG(pgmScale)}\n255\n`;
  return Buffer.concat([Buffer.from(header, 'latin1'), pixels]);
}
