/** Load a comparison image: an SMV file (detected by its "{\nHEADER_BYTES" start) or raw float32 LE. */
import {createHash} from 'node:crypto';
import {gunzipSync} from 'node:zlib';
import {MalformedInputError, UserError} from '../engine/errors.js';
import {BINARY_INPUT_CAP_BYTES, readInputFile} from '../io/input.js';
import {decodeFloatImage} from '../io/floatimage.js';
import {parseSmv} from '../io/smv.js';
import {EXIT} from '../util/exit-codes.js';

export interface LoadedImage {
  path: string;
  format: 'smv' | 'float32';
  width: number;
  height: number;
  data: Float32Array | Uint16Array;
  /** sha256 and length of the file as stored (before a .gz is inflated) */
  sha256: string;
  bytes: number;
  /** what the reader recovered from (an SMV header longer than it declares) */
  warnings: string[];
}

const SMV_START = Buffer.from('{\nHEADER_BYTES', 'latin1');

export function isSmv(bytes: Uint8Array): boolean {
  return bytes.length >= SMV_START.length && Buffer.from(bytes.buffer, bytes.byteOffset, SMV_START.length).equals(SMV_START);
}

/**
 * An image file, or a UserError: unreadable or malformed, exit 3; a raw float file without
 * --fpixels/--spixels, exit 2.
 */
export function loadImage(path: string, fpixels?: number, spixels?: number): LoadedImage {
  const stored = readInputFile(path, {kind: 'binary'});
  const sha256 = createHash('sha256').update(stored).digest('hex');
  let bytes: Uint8Array = stored;
  if (path.endsWith('.gz')) {
    try {
      bytes = gunzipSync(stored, {maxOutputLength: BINARY_INPUT_CAP_BYTES});
    } catch (e) {
      throw new MalformedInputError(`${path}: not a gzip file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  const file = {path, sha256, bytes: stored.length};
  if (isSmv(bytes)) {
    const smv = parseSmv(bytes, path);
    return {...file, format: 'smv', width: smv.width, height: smv.height, data: smv.data, warnings: smv.warnings};
  }
  if (fpixels === undefined || spixels === undefined) {
    throw new UserError(`${path}: not an SMV file, so its size is needed: give --fpixels and --spixels`, EXIT.USAGE);
  }
  try {
    return {...file, format: 'float32', width: fpixels, height: spixels, data: decodeFloatImage(bytes, fpixels, spixels, path), warnings: []};
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new MalformedInputError((e as Error).message);
  }
}
