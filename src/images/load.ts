/** Load a comparison image: an SMV file (detected by its "{\nHEADER_BYTES" start) or raw float32 LE. */
import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import {UserError} from '../engine/errors.js';
import {decodeFloatImage} from '../io/floatimage.js';
import {parseSmv} from '../io/smv.js';

export interface LoadedImage {
  path: string;
  format: 'smv' | 'float32';
  width: number;
  height: number;
  data: Float32Array | Uint16Array;
}

const SMV_START = Buffer.from('{\nHEADER_BYTES', 'latin1');

export function isSmv(bytes: Uint8Array): boolean {
  return bytes.length >= SMV_START.length && Buffer.from(bytes.buffer, bytes.byteOffset, SMV_START.length).equals(SMV_START);
}

/** Errors become UserError(exit 5); a raw float file needs fpixels and spixels. */
export function loadImage(path: string, fpixels?: number, spixels?: number): LoadedImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
    if (path.endsWith('.gz')) bytes = gunzipSync(bytes);
  } catch (e) {
    throw new UserError(`${path}: ${(e as Error).message}`, 5);
  }
  try {
    if (isSmv(bytes)) {
      const smv = parseSmv(bytes, path);
      return {path, format: 'smv', width: smv.width, height: smv.height, data: smv.data};
    }
    if (fpixels === undefined || spixels === undefined) {
      throw new UserError(`${path}: not an SMV file, so its size is needed: give --fpixels and --spixels`, 1);
    }
    return {path, format: 'float32', width: fpixels, height: spixels, data: decodeFloatImage(bytes, fpixels, spixels, path)};
  } catch (e) {
    // a usage error keeps its 1; a malformed file is this command's 5 (its 3 means "below --threshold")
    if (e instanceof UserError && e.exitCode === 1) throw e;
    throw new UserError((e as Error).message, 5);
  }
}
