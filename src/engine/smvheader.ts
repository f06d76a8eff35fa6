/**
 * -img / -mask ingestion: the SMV header values C's ValueOf() would find. ValueOf takes the
 * *last* occurrence of the key anywhere in the header, as a substring, so "DISTANCE" finds
 * "CLOSE_DISTANCE" when that comes later and "ORGX" finds "XDS_ORGX": we keep that.
 */
import type {SmvHeaderSource} from './args.js';
import {smvValueOf as valueOf} from '../io/smv.js';
import {MalformedInputError} from './errors.js';
import {readInputFile} from '../io/input.js';

export function readSmvHeaderSource(path: string): SmvHeaderSource {
  return parseSmvHeaderSource(readInputFile(path, {kind: 'binary'}), path);
}

/** What -img/-mask take from an SMV file already read (`path` names it); MalformedInputError if bad. */
export function parseSmvHeaderSource(bytes: Uint8Array, path: string): SmvHeaderSource {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 512 || buf.toString('latin1', 0, 12) !== '{\nHEADER_BYT') {
    throw new MalformedInputError(`${path}: does not look like an SMV (ADSC) frame`);
  }
  let header = buf.toString('latin1', 0, 512);
  const headerBytes = Math.trunc(valueOf(header, 'HEADER_BYTES'));
  if (!(headerBytes > 0) || headerBytes > buf.length) throw new MalformedInputError(`${path}: bad HEADER_BYTES in SMV header`);
  header = buf.toString('latin1', 0, headerBytes).split('\0')[0];
  let width = Math.trunc(valueOf(header, 'SIZE1'));
  let height = Math.trunc(valueOf(header, 'SIZE2'));
  if (!width) width = height = Math.trunc(valueOf(header, 'DETECTOR_DIMENSIONS'));
  if (!(width > 0 && height > 0)) throw new MalformedInputError(`${path}: SMV header has no usable SIZE1/SIZE2`);
  const need = headerBytes + 2 * width * height;
  if (buf.length < need) throw new MalformedInputError(`${path}: truncated SMV data (${buf.length} of ${need} bytes)`);
  // C reads the raw words without byte swapping; only zero / non-zero matters for a mask
  const pixels = new Uint16Array(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = buf.readUInt16LE(headerBytes + 2 * i);
  return {width, height, value: (key) => valueOf(header, key), pixels};
}
