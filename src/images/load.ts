/** Load a comparison image: an SMV file (detected by its "{\nHEADER_BYTES" start) or raw float32 LE. */
import {createHash} from 'node:crypto';
import {constants as zlibConstants, gunzipSync} from 'node:zlib';
import {MalformedInputError, UserError} from '../engine/errors.js';
import type {ImageFrame} from '../engine/footprint.js';
import {BINARY_INPUT_CAP_BYTES, openInput, readChunk, readInputFile} from '../io/input.js';
import {decodeFloatImage} from '../io/floatimage.js';
import {parseSmv, smvValueOf} from '../io/smv.js';
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

/** The head of a file is enough for an SMV header (nanoBragg writes 512 bytes; padded ones a few KiB). */
const HEAD_BYTES = 64 * 1024;

/**
 * The frame an image file holds, from its first bytes only (an SMV header's SIZE1/SIZE2, else
 * --fpixels/--spixels), so that what comparing it costs is known before it is read. Null when the
 * head does not say (a malformed header: loadImage then names what is wrong). A raw float file
 * without --fpixels/--spixels is refused here (exit 2), before its bytes are read.
 */
export function imageFrameOf(path: string, flag: string, fpixels?: number, spixels?: number): ImageFrame | null {
  const input = openInput(path, {kind: 'binary'});
  let head: Uint8Array;
  try {
    const buf = new Uint8Array(HEAD_BYTES);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readChunk(input, buf.subarray(n));
    head = buf.subarray(0, n);
  } finally {
    input.close();
  }
  const gz = path.endsWith('.gz');
  if (gz) {
    try {
      // the head of the stream only: a partial inflate, bounded by the head's size
      head = gunzipSync(head, {finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 1 << 26});
    } catch {
      return null;
    }
  }
  const storedBytes = input.size;
  if (isSmv(head)) {
    const close = Buffer.from(head).indexOf('}');
    const header = Buffer.from(head.subarray(0, close < 0 ? head.length : close)).toString('latin1');
    const width = smvValueOf(header, 'SIZE1');
    const height = smvValueOf(header, 'SIZE2');
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) return null;
    return {flag, path, width, height, storedBytes, inflatedBytesPerPixel: gz ? 2 : 0};
  }
  if (fpixels === undefined || spixels === undefined) {
    throw new UserError(`${path}: not an SMV file, so its size is needed: give --fpixels and --spixels`, EXIT.USAGE);
  }
  return {flag, path, width: fpixels, height: spixels, storedBytes, inflatedBytesPerPixel: gz ? 4 : 0};
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
