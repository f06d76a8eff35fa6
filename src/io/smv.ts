/**
 * SMV (ADSC) images: a text header "{\nKEY=VALUE;\n...}\f" padded with spaces
 * to HEADER_BYTES, then unsigned 16-bit pixels in raster order (fast index
 * fastest) in the byte order the header names.
 */
import {readInputFile} from './input.js';

import {MalformedInputError} from '../engine/errors.js';
import {formatG} from '../util/cformat.js';

export type ByteOrder = 'little_endian' | 'big_endian';

/** The byte order of this machine, named as C's get_byte_order() names it. */
export const HOST_BYTE_ORDER: ByteOrder = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'little_endian' : 'big_endian';

const DEFAULT_HEADER_BYTES = 512;

/**
 * What nanoBragg puts in its SMV headers, as the C variables hold it (SI units
 * where the C uses them; the writer does the C's own unit arithmetic so that
 * every %g comes out identical). Fill it from the engine's detector.
 */
export interface SmvHeaderParams {
  /** SIZE1: fast-axis pixel count (C fpixels). */
  fpixels: number;
  /** SIZE2: slow-axis pixel count (C spixels). */
  spixels: number;
  /** C pixel_size, meters. */
  pixelSizeM: number;
  /** C distance, meters. */
  distanceM: number;
  /** C lambda0, meters (written as lambda0*1e10, i.e. Angstrom). */
  lambdaM: number;
  /** C Xbeam, meters. */
  xbeamM: number;
  /** C Ybeam, meters. */
  ybeamM: number;
  /** C Fbeam, meters. */
  fbeamM: number;
  /** C Sbeam, meters. */
  sbeamM: number;
  /** C detsize_s, meters. */
  detsizeSM: number;
  /** C dials_origin[1..3], millimeters. */
  dialsOriginMm: readonly [number, number, number];
  /** C ORGX, pixels. */
  orgxPx: number;
  /** C ORGY, pixels. */
  orgyPx: number;
  /** C close_distance, meters. */
  closeDistanceM: number;
  /** C phi0, radians (PHI and OSC_START). */
  phi0Rad: number;
  /** C osc, radians (OSC_RANGE). */
  oscRad: number;
  /** C detector_twotheta, radians. */
  twothetaRad: number;
}

// C: RTD = 180.0*M_1_PI, with M_1_PI the double nearest 1/pi.
const M_1_PI = 0.318309886183790671537767526745028724;
const RTD = 180.0 * M_1_PI;

/**
 * The header text nanoBragg writes, "{" to "}\f" (padding not included).
 * `kind` picks between the int-image and noise-image headers, which differ only
 * in how DENZO_X/Y_BEAM are computed (Sbeam - 0.0*pixel vs Sbeam + 0.0*pixel:
 * equal values, except that a beam at -0 prints "-0" in the first and "0" in
 * the second). DIALS_ORIGIN has no ";" in the C output.
 */
export function nanoBraggSmvHeaderText(p: SmvHeaderParams, kind: 'int' | 'noise', byteOrder: ByteOrder = HOST_BYTE_ORDER): string {
  const g = formatG;
  const denzoX = kind === 'int' ? p.sbeamM - 0.0 * p.pixelSizeM : p.sbeamM + 0.0 * p.pixelSizeM;
  const denzoY = kind === 'int' ? p.fbeamM - 0.0 * p.pixelSizeM : p.fbeamM + 0.0 * p.pixelSizeM;
  const phiDeg = p.phi0Rad * RTD;
  return (
    `{\nHEADER_BYTES=512;\nDIM=2;\nBYTE_ORDER=${byteOrder};\nTYPE=unsigned_short;\n` +
    `SIZE1=${p.fpixels};\nSIZE2=${p.spixels};\n` +
    `PIXEL_SIZE=${g(p.pixelSizeM * 1000.0)};\nDISTANCE=${g(p.distanceM * 1000.0)};\n` +
    `WAVELENGTH=${g(p.lambdaM * 1e10)};\n` +
    `BEAM_CENTER_X=${g(p.xbeamM * 1000.0)};\nBEAM_CENTER_Y=${g(p.ybeamM * 1000)};\n` +
    `ADXV_CENTER_X=${g(p.fbeamM * 1000.0)};\nADXV_CENTER_Y=${g((p.detsizeSM - p.sbeamM) * 1000)};\n` +
    `MOSFLM_CENTER_X=${g((p.sbeamM - 0.5 * p.pixelSizeM) * 1000.0)};\nMOSFLM_CENTER_Y=${g((p.fbeamM - 0.5 * p.pixelSizeM) * 1000)};\n` +
    `DENZO_X_BEAM=${g(denzoX * 1000.0)};\nDENZO_Y_BEAM=${g(denzoY * 1000)};\n` +
    `DIALS_ORIGIN=${g(p.dialsOriginMm[0])},${g(p.dialsOriginMm[1])},${g(p.dialsOriginMm[2])}\n` +
    `XDS_ORGX=${g(p.orgxPx)};\nXDS_ORGY=${g(p.orgyPx)};\n` +
    `CLOSE_DISTANCE=${g(p.closeDistanceM * 1000.0)};\n` +
    `PHI=${g(phiDeg)};\nOSC_START=${g(phiDeg)};\nOSC_RANGE=${g(p.oscRad * RTD)};\n` +
    `TWOTHETA=${g(p.twothetaRad * RTD)};\n` +
    `DETECTOR_SN=000;\nBEAMLINE=fake;\n}\f`
  );
}

/**
 * An SMV file being filled in: the header's bytes, then room for the pixels, which `data`
 * views. An image computed straight into `data` becomes the file without a copy (`smvBytes`).
 * Like the C writer, the header is padded with spaces up to 512 bytes; a header already longer
 * than that is written as it is (the C does the same, leaving HEADER_BYTES=512 wrong), unless
 * the 'valid' layout is asked for.
 */
export interface SmvBuffer {
  header: Buffer;
  data: Uint16Array;
  byteOrder: ByteOrder;
  /** header and pixels in one buffer (absent when the header's length is odd: no 16-bit view fits) */
  bytes?: Buffer;
}

/**
 * How a header longer than 512 bytes is written: 'c' as nanoBragg does (unpadded, still declaring
 * HEADER_BYTES=512: C-SMV-HEADER-OVERFLOW), 'valid' padded to the next multiple of 512 bytes with
 * HEADER_BYTES saying so. Headers that fit are the same either way.
 */
export type SmvHeaderLayout = 'c' | 'valid';

/** The header's bytes: padded with spaces to 512 (or, for an overlong 'valid' header, to its declared size). */
export function smvHeaderBytes(headerText: string, layout: SmvHeaderLayout = 'c'): Buffer {
  let head = Buffer.from(headerText, 'latin1');
  if (head.length > DEFAULT_HEADER_BYTES && layout === 'valid') {
    // the declared size may gain a digit: settle it, then pad to it
    let size = DEFAULT_HEADER_BYTES;
    for (;;) {
      const text = headerText.replace(/HEADER_BYTES=\d+;/, `HEADER_BYTES=${size};`);
      const need = Math.ceil(Buffer.byteLength(text, 'latin1') / DEFAULT_HEADER_BYTES) * DEFAULT_HEADER_BYTES;
      if (need === size) {
        head = Buffer.from(text, 'latin1');
        break;
      }
      size = need;
    }
    return Buffer.concat([head, Buffer.alloc(size - head.length, 0x20)]);
  }
  return head.length >= DEFAULT_HEADER_BYTES ? head : Buffer.concat([head, Buffer.alloc(DEFAULT_HEADER_BYTES - head.length, 0x20)]);
}

export function allocateSmv(headerText: string, pixels: number, byteOrder: ByteOrder = HOST_BYTE_ORDER, layout: SmvHeaderLayout = 'c'): SmvBuffer {
  const header = smvHeaderBytes(headerText, layout);
  if (header.length % 2 !== 0) return {header, data: new Uint16Array(pixels), byteOrder};
  const bytes = Buffer.alloc(header.length + 2 * pixels);
  header.copy(bytes, 0);
  return {header, data: new Uint16Array(bytes.buffer, bytes.byteOffset + header.length, pixels), byteOrder, bytes};
}

/** The file's bytes (the pixels swapped, in a copy, when the byte order is not the host's). */
export function smvBytes(f: SmvBuffer): Buffer {
  if (f.bytes && f.byteOrder === HOST_BYTE_ORDER) return f.bytes;
  const body = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
  return Buffer.concat([f.header, f.byteOrder === HOST_BYTE_ORDER ? body : Buffer.from(body).swap16()]);
}

/** Header text plus pixels. */
export function encodeSmv(headerText: string, data: Uint16Array, byteOrder: ByteOrder = HOST_BYTE_ORDER): Buffer {
  const f = allocateSmv(headerText, data.length, byteOrder);
  f.data.set(data);
  return smvBytes(f);
}

/** An empty nanoBragg SMV file (`kind` names the image in the header) for the pixels to be computed into. */
export function allocateNanoBraggSmv(p: SmvHeaderParams, kind: 'int' | 'noise', byteOrder: ByteOrder = HOST_BYTE_ORDER, layout: SmvHeaderLayout = 'c'): SmvBuffer {
  return allocateSmv(nanoBraggSmvHeaderText(p, kind, byteOrder), p.fpixels * p.spixels, byteOrder, layout);
}

export interface SmvImage {
  /** Header entries, key to raw value text (later duplicates win). */
  header: Map<string, string>;
  /** The header bytes as text (padding included). */
  headerText: string;
  /** where the pixels start: HEADER_BYTES, or the true length of a header that overran it */
  headerBytes: number;
  /** the HEADER_BYTES the header declares */
  declaredHeaderBytes: number;
  /** SIZE1 (fast) */
  width: number;
  /** SIZE2 (slow) */
  height: number;
  byteOrder: ByteOrder;
  data: Uint16Array;
  /** what the reader had to recover from (a header longer than it declares), one line each */
  warnings: string[];
}

export interface SmvReadOptions {
  /**
   * 'header' (default): decode pixels in the byte order the header names.
   * 'host': ignore BYTE_ORDER and decode in this machine's order, which is what
   * nanoBragg's GetFrame does (it computes swap_bytes but never uses it).
   */
  byteOrder?: 'header' | 'host';
}

function positiveInt(file: string, header: Map<string, string>, key: string): number {
  const raw = header.get(key);
  if (raw === undefined) throw new MalformedInputError(`${file}: SMV header has no ${key}`);
  if (!/^\s*\d+\s*$/.test(raw)) throw new MalformedInputError(`${file}: SMV header ${key}=${raw} is not a positive integer`);
  const v = Number(raw);
  if (v <= 0) throw new MalformedInputError(`${file}: SMV header ${key}=${raw} is not a positive integer`);
  return v;
}

/** Parse an SMV image held in memory; `file` names it in error messages. */
export function parseSmv(bytes: Uint8Array, file: string, options: SmvReadOptions = {}): SmvImage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length === 0 || buf[0] !== 0x7b) throw new MalformedInputError(`${file}: not an SMV file (does not start with "{")`);
  // Find HEADER_BYTES first: it bounds where the rest of the header may be.
  const probe = buf.subarray(0, Math.min(buf.length, 4096)).toString('latin1');
  const hb = /HEADER_BYTES\s*=\s*(\d+)\s*;/.exec(probe);
  if (!hb) throw new MalformedInputError(`${file}: SMV header has no HEADER_BYTES`);
  const headerBytes = Number(hb[1]);
  if (headerBytes <= 0 || headerBytes > buf.length) {
    throw new MalformedInputError(`${file}: SMV HEADER_BYTES=${hb[1]} but the file has ${buf.length} bytes`);
  }
  let headerText = buf.subarray(0, headerBytes).toString('latin1');
  let close = headerText.indexOf('}');
  let dataOffset = headerBytes;
  const warnings: string[] = [];
  if (close < 0) {
    // nanoBragg declares HEADER_BYTES=512 and writes a longer header unpadded (its pixels follow
    // "}\f" directly): the pixels start where the file's length says they must
    const overflow = overflowedHeader(buf, headerBytes);
    if (!overflow) throw new MalformedInputError(`${file}: SMV header has no closing "}" within HEADER_BYTES=${headerBytes}`);
    ({close, dataOffset} = overflow);
    headerText = buf.subarray(0, dataOffset).toString('latin1');
    warnings.push(
      `${file}: the SMV header is ${dataOffset} bytes but declares HEADER_BYTES=${headerBytes} ` +
        `(nanoBragg writes a longer header unpadded: C-SMV-HEADER-OVERFLOW); pixels read from byte ${dataOffset}`,
    );
  }

  const header = parseEntries(headerText.slice(1, close), file);
  const width = positiveInt(file, header, 'SIZE1');
  const height = positiveInt(file, header, 'SIZE2');
  const type = header.get('TYPE');
  if (type !== undefined && type !== 'unsigned_short') {
    throw new MalformedInputError(`${file}: SMV TYPE=${type} is not supported (only unsigned_short)`);
  }
  const named = header.get('BYTE_ORDER');
  if (named !== undefined && named !== 'little_endian' && named !== 'big_endian') {
    throw new MalformedInputError(`${file}: SMV BYTE_ORDER=${named} is neither little_endian nor big_endian`);
  }
  const headerOrder: ByteOrder = (named as ByteOrder | undefined) ?? HOST_BYTE_ORDER;
  const byteOrder = options.byteOrder === 'host' ? HOST_BYTE_ORDER : headerOrder;

  const need = dataOffset + 2 * width * height;
  if (buf.length < need) {
    throw new MalformedInputError(`${file}: SMV data truncated: ${width}x${height} pixels need ${need} bytes, the file has ${buf.length}`);
  }
  const data = new Uint16Array(width * height);
  const little = byteOrder === 'little_endian';
  for (let i = 0; i < data.length; i++) {
    const o = dataOffset + 2 * i;
    data[i] = little ? buf.readUInt16LE(o) : buf.readUInt16BE(o);
  }
  return {header, headerText, headerBytes: dataOffset, declaredHeaderBytes: headerBytes, width, height, byteOrder, data, warnings};
}

function parseEntries(text: string, file: string): Map<string, string> {
  const header = new Map<string, string>();
  for (const entry of text.split(/[;\n]/)) {
    const t = entry.trim();
    if (t.length === 0) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new MalformedInputError(`${file}: malformed SMV header entry ${JSON.stringify(t)} (expected KEY=VALUE)`);
    header.set(t.slice(0, eq).trim(), t.slice(eq + 1).trim());
  }
  return header;
}

/** The largest header an overflow is looked for in: nanoBragg's is ~520 bytes, 64 KiB is plenty. */
const OVERFLOW_SEARCH_BYTES = 65536;

/**
 * A header that runs past its declared HEADER_BYTES, as nanoBragg writes it: a "}" after the
 * declared size, then only "\f" and blanks up to where the pixels begin, which is the file's
 * length minus the pixels SIZE1 x SIZE2 need. Null when the file is not of that shape.
 */
function overflowedHeader(buf: Buffer, declared: number): {close: number; dataOffset: number} | null {
  const text = buf.subarray(0, Math.min(buf.length, OVERFLOW_SEARCH_BYTES)).toString('latin1');
  const close = text.indexOf('}', declared);
  if (close < 0) return null;
  let header: Map<string, string>;
  try {
    header = parseEntries(text.slice(1, close), '');
  } catch {
    return null;
  }
  const width = Number(header.get('SIZE1'));
  const height = Number(header.get('SIZE2'));
  if (!(Number.isSafeInteger(width) && width > 0 && Number.isSafeInteger(height) && height > 0)) return null;
  const dataOffset = buf.length - 2 * width * height;
  if (!(dataOffset > close && dataOffset <= close + 1 + 512)) return null;
  return /^[\f ]*$/.test(buf.subarray(close + 1, dataOffset).toString('latin1')) ? {close, dataOffset} : null;
}

export function readSmv(path: string, options: SmvReadOptions = {}): SmvImage {
  return parseSmv(readInputFile(path, {kind: 'binary'}), path, options);
}

/**
 * nanoBragg's ValueOf(): the number after the LAST occurrence of `keyword`
 * anywhere in the header text (a substring match, so "DISTANCE" finds
 * "CLOSE_DISTANCE=" when that comes later), parsed like atof. NaN when the
 * keyword is absent, 0 when no "=" follows it.
 */
export function smvValueOf(headerText: string, keyword: string): number {
  // strstr stops at a NUL; each search resumes after the previous match.
  const nul = headerText.indexOf('\0');
  const text = nul >= 0 ? headerText.slice(0, nul) : headerText;
  let after = -1;
  for (let at = text.indexOf(keyword); at >= 0 && keyword.length > 0; at = text.indexOf(keyword, after)) after = at + keyword.length;
  if (after < 0) return NaN;
  const eq = text.indexOf('=', after);
  if (eq < 0) return 0.0;
  return cAtof(text.slice(eq + 1));
}

/** C atof: leading blanks, then the longest prefix that strtod accepts; 0 if none. */
export function cAtof(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan))/i.exec(text);
  if (!m) return 0;
  const s = m[1].toLowerCase();
  if (s.endsWith('inf') || s.endsWith('infinity')) return s.startsWith('-') ? -Infinity : Infinity;
  if (s.endsWith('nan')) return NaN;
  return Number.parseFloat(s);
}
