/**
 * Raw float images as nanoBragg writes them with -floatfile: float32,
 * little-endian on the x86 machines the reference runs on, fast index varying
 * fastest (pixel (slow, fast) at slow*fpixels + fast), no header.
 */
import {BINARY_INPUT_CAP_BYTES, readInputFile} from './input.js';

import {MalformedInputError} from '../engine/errors.js';
import {nodeZlib} from '../util/lazy-builtins.js';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decode raw float32 LE bytes, checking the size against fpixels x spixels. */
export function decodeFloatImage(bytes: Uint8Array, fpixels: number, spixels: number, name = 'float image'): Float32Array {
  if (!Number.isInteger(fpixels) || !Number.isInteger(spixels) || fpixels <= 0 || spixels <= 0) {
    throw new Error(`${name}: image size must be positive integers, got ${fpixels}x${spixels}`);
  }
  const pixels = fpixels * spixels;
  if (bytes.length !== 4 * pixels) {
    throw new MalformedInputError(
      `${name}: expected ${4 * pixels} bytes (${fpixels}x${spixels} float32 pixels) but found ${bytes.length}` +
        (bytes.length % 4 === 0 ? ` (${bytes.length / 4} pixels)` : ''),
    );
  }
  const out = new Float32Array(pixels);
  if (HOST_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < pixels; i++) out[i] = dv.getFloat32(4 * i, true);
  }
  return out;
}

/** Raw float32 LE bytes of an image. */
export function encodeFloatImage(image: Float32Array): Buffer {
  // a view, not a copy: frames are tens of megabytes
  if (HOST_LITTLE_ENDIAN) return Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  const buf = Buffer.alloc(image.length * 4);
  for (let i = 0; i < image.length; i++) buf.writeFloatLE(image[i], 4 * i);
  return buf;
}

/** Read a float image file; a name ending in ".gz" is inflated in memory. */
export function readFloatImage(path: string, fpixels: number, spixels: number): Float32Array {
  let bytes: Uint8Array = readInputFile(path, {kind: 'binary'});
  if (path.endsWith('.gz')) {
    try {
      bytes = nodeZlib().gunzipSync(bytes, {maxOutputLength: BINARY_INPUT_CAP_BYTES});
    } catch (error) {
      throw new MalformedInputError(`${path}: not a valid gzip file (${(error as Error).message})`);
    }
  }
  return decodeFloatImage(bytes, fpixels, spixels, path);
}
