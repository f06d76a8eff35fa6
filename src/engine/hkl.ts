/**
 * Structure factors on a dense (h, k, l) grid: read from an HKL text file or C's Fdump.bin
 * cache, or interpolated tricubically between grid points (the nearest-index lookup is in
 * lattice.wat, with the rest of the per-step work).
 */
import {readFileSync, statSync} from 'node:fs';
import {MalformedInputError} from './errors.js';
import {readInputFile, streamInput} from '../io/input.js';

export interface HklGrid {
  hMin: number;
  hMax: number;
  kMin: number;
  kMax: number;
  lMin: number;
  lMax: number;
  hRange: number;
  kRange: number;
  lRange: number;
  /**
   * (hRange+1) x (kRange+1) x (lRange+1) values, l fastest: C allocates one extra slab per axis.
   * May be a view of a larger buffer: a grid read from text stays in the tokenizer's memory,
   * after the reflections it was built from.
   */
  F: Float64Array;
  /** C's `hkls`: the number of reflections read (or the grid volume after Fdump) */
  count: number;
}

export function gridIndex(g: HklGrid, hi: number, ki: number, li: number): number {
  return (hi * (g.kRange + 1) + ki) * (g.lRange + 1) + li;
}

/** A grid of these bounds, its values from `values` (zeros by default); MalformedInputError if too large. */
function allocate(path: string, hMin: number, hMax: number, kMin: number, kMax: number, lMin: number, lMax: number, count: number, values = (size: number) => new Float64Array(size)): HklGrid {
  const hRange = hMax - hMin + 1;
  const kRange = kMax - kMin + 1;
  const lRange = lMax - lMin + 1;
  const size = (hRange + 1) * (kRange + 1) * (lRange + 1);
  // each range checked on its own: two negative ranges would multiply to a positive size
  const ranges = `h ${hMin}..${hMax}, k ${kMin}..${kMax}, l ${lMin}..${lMax}`;
  if (!(hRange >= 1 && kRange >= 1 && lRange >= 1) || !(size > 0) || size > 2 ** 28) throw new MalformedInputError(`${path}: HKL index ranges too large or empty (${ranges})`);
  let F: Float64Array;
  try {
    F = values(size);
  } catch {
    // up to 2 GiB passes the check above; a machine without the memory gets a message, not a RangeError
    throw new MalformedInputError(`${path}: the HKL grid (${ranges}, ${size} values) does not fit in memory`);
  }
  return {hMin, hMax, kMin, kMax, lMin, lMax, hRange, kRange, lRange, F, count};
}

/**
 * Grids read by this process, by file identity (path, inode, size, modification time) and
 * default F: a campaign of runs on one HKL file (the matrix, a harness per pixel) parses it
 * once. Grids are never written after they are built. A few files at most are kept.
 */
const readGrids = new Map<string, HklGrid>();
const KEEP_GRIDS = 4;

/** Text "h k l F" per line. C truncates fractional indices; we reject malformed lines. */
export function readHklText(path: string, defaultF: number): HklGrid {
  let key: string | undefined;
  try {
    const st = statSync(path, {bigint: true});
    key = `${path}\0${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}\0${defaultF}`;
  } catch {
    // not there or not readable: streamInput says so
  }
  const known = key === undefined ? undefined : readGrids.get(key);
  if (known) return known;
  const reader = new HklTextReader(path);
  streamInput(path, (chunk) => reader.feed(chunk), {label: `-hkl ${path}`}, CHUNK_BYTES);
  const grid = reader.finish(defaultF);
  if (key !== undefined) {
    if (readGrids.size >= KEEP_GRIDS) readGrids.delete(readGrids.keys().next().value!);
    readGrids.set(key, grid);
  }
  return grid;
}

/** The grid of an HKL file's bytes (`path` names it in errors); MalformedInputError if bad. */
export function parseHklBytes(bytes: Uint8Array, path: string, defaultF: number): HklGrid {
  const reader = new HklTextReader(path);
  for (let pos = 0; pos < bytes.length; pos += CHUNK_BYTES) reader.feed(bytes.subarray(pos, pos + CHUNK_BYTES));
  return reader.finish(defaultF);
}

const tokenizer = new WebAssembly.Module(readFileSync(new URL('./hkl.wasm', import.meta.url)));

interface TokenizerExports {
  memory: WebAssembly.Memory;
  badLine: WebAssembly.Global;
  badStart: WebAssembly.Global;
  nextLine: WebAssembly.Global;
  parse(pos: number, n: number, line: number, out: number): number;
  bounds(rows: number, count: number, to: number): void;
  indices(rows: number, count: number, hMin: number, kMin: number, lMin: number, kSize: number, lSize: number): void;
  scatter(rows: number, count: number, grid: number): void;
}

const PAGE = 65536;
/**
 * The file is read and tokenized in pieces of this size: the text never occupies more memory
 * than a piece and an unfinished line (pages this process touches once cost more than the
 * parsing on some hosts), and V8, which runs a call in the code it had when the call began,
 * tiers the tokenizer up during the first pieces.
 */
const CHUNK_BYTES = 65536;
/** A reflection row in the tokenizer's memory: h, k, l, F as doubles */
const ROW_BYTES = 32;

/**
 * The tokenizer (hkl.wat) over an HKL text fed in pieces. Its memory holds a window of text
 * from 0 (whole lines are parsed; an unfinished line waits at the start for the next piece),
 * then the reflection rows, then, once all are read, their bounds and the grid.
 */
class HklTextReader {
  private readonly x: TokenizerExports;
  private windowBytes = 2 * CHUNK_BYTES;
  /** bytes of an unfinished line at the window's start */
  private held = 0;
  private rows = 0;
  private line = 1;

  constructor(private readonly path: string) {
    // tokens other than plain decimals, and the line an error quotes, are decoded here (latin1)
    this.x = new WebAssembly.Instance(tokenizer, {hkl: {number: (start: number, end: number) => Number(this.text(start, end))}}).exports as unknown as TokenizerExports;
    this.reserve(this.windowBytes);
  }

  feed(chunk: Uint8Array): void {
    const end = this.held + chunk.length;
    if (end > this.windowBytes) this.widen(end);
    const bytes = new Uint8Array(this.x.memory.buffer);
    bytes.set(chunk, this.held);
    const lastNewline = bytes.subarray(0, end).lastIndexOf(10);
    if (lastNewline < 0) {
      this.held = end;
      return;
    }
    this.parse(lastNewline + 1);
    // parsing may have grown the memory, which detaches `bytes`
    new Uint8Array(this.x.memory.buffer).copyWithin(0, lastNewline + 1, end);
    this.held = end - lastNewline - 1;
  }

  finish(defaultF: number): HklGrid {
    // a last line without a newline
    if (this.held > 0) this.parse(this.held);
    if (this.rows === 0) throw new MalformedInputError(`-hkl ${this.path}: no reflections`);
    const {x, rows} = this;
    const rowsAt = this.windowBytes;
    const boundsAt = rowsAt + ROW_BYTES * rows;
    x.bounds(rowsAt, rows, boundsAt);
    const [hMin, kMin, lMin, hMax, kMax, lMax] = new Float64Array(x.memory.buffer, boundsAt, 6);
    // the grid is built in the tokenizer's memory, after the bounds, and stays there (copying it
    // out cost 5 ms, most of it faulting in fresh pages); wasm memory grows zeroed, and this
    // memory never grows again, which would detach the grid. A one-shot JavaScript loop over
    // the reflections instead ran mostly in the interpreter (~10 ms)
    const gridAt = boundsAt + 48;
    const g = allocate(`-hkl ${this.path}`, hMin, hMax, kMin, kMax, lMin, lMax, rows, (size) => {
      this.reserve(gridAt + 8 * size);
      return new Float64Array(x.memory.buffer, gridAt, size);
    });
    if (defaultF !== 0.0) {
      // C pre-fills all but the extra slab on each axis
      for (let h = 0; h < g.hRange; h++) for (let k = 0; k < g.kRange; k++) g.F.fill(defaultF, gridIndex(g, h, k, 0), gridIndex(g, h, k, g.lRange));
    }
    // each reflection's grid index in place of its h, then the values in file order
    x.indices(rowsAt, rows, hMin, kMin, lMin, g.kRange + 1, g.lRange + 1);
    x.scatter(rowsAt, rows, gridAt);
    return g;
  }

  /** The whole lines in [0, end) of the window to rows. */
  private parse(end: number): void {
    // a row takes at least "0 0 0 0\n": room for end / 8 rows, and one more for a last line without newline
    this.reserve(this.windowBytes + ROW_BYTES * (this.rows + Math.ceil(end / 8) + 1));
    const added = this.x.parse(0, end, this.line, this.windowBytes + ROW_BYTES * this.rows);
    if (added < 0) {
      const start = this.x.badStart.value as number;
      const newline = new Uint8Array(this.x.memory.buffer, 0, end).indexOf(10, start);
      const lineEnd = Math.min(newline < 0 ? end : newline, start + 60);
      throw new MalformedInputError(`-hkl ${this.path}:${this.x.badLine.value}: expected 'h k l F', got '${this.text(start, lineEnd).trim()}'`);
    }
    this.rows += added;
    this.line = this.x.nextLine.value as number;
  }

  /** A window of at least `bytes` for a line longer than a piece: the rows move up. */
  private widen(bytes: number): void {
    const wider = CHUNK_BYTES * Math.ceil((2 * bytes) / CHUNK_BYTES);
    this.reserve(wider + ROW_BYTES * this.rows);
    new Uint8Array(this.x.memory.buffer).copyWithin(wider, this.windowBytes, this.windowBytes + ROW_BYTES * this.rows);
    this.windowBytes = wider;
  }

  /** Memory up to `bytes` (growing it detaches earlier views of it). */
  private reserve(bytes: number): void {
    const pages = Math.ceil(bytes / PAGE) - this.x.memory.buffer.byteLength / PAGE;
    try {
      if (pages > 0) this.x.memory.grow(pages);
    } catch {
      throw new MalformedInputError(`-hkl ${this.path}: too large to read (${this.rows} reflections so far)`);
    }
  }

  private text(start: number, end: number): string {
    return Buffer.from(this.x.memory.buffer).toString('latin1', start, end);
  }
}

/**
 * Fdump.bin as C writes it, "%d %d %d %d %d %d\n\f" then the whole grid as native doubles: the
 * header and the body, a view of the grid, written as they are, not copied.
 */
export function fdumpPieces(g: HklGrid): [Buffer, Buffer] {
  const head = Buffer.from(`${g.hMin} ${g.hMax} ${g.kMin} ${g.kMax} ${g.lMin} ${g.lMax}\n\f`, 'latin1');
  return [head, Buffer.from(g.F.buffer, g.F.byteOffset, g.F.byteLength)];
}

export function readFdump(path: string): HklGrid {
  // e.g. a folder named Fdump.bin: named in the error rather than a bare EISDIR
  return decodeFdump(readInputFile(path), path);
}

/** A Fdump.bin already read (`path` names it in errors); MalformedInputError if it is not one. */
export function decodeFdump(buf: Uint8Array, path: string): HklGrid {
  let pos = 0;
  const ints: number[] = [];
  const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);
  for (let n = 0; n < 6; n++) {
    while (pos < buf.length && isSpace(buf[pos])) pos++;
    const start = pos;
    if (buf[pos] === 0x2d || buf[pos] === 0x2b) pos++;
    while (pos < buf.length && buf[pos] >= 0x30 && buf[pos] <= 0x39) pos++;
    const v = Number.parseInt(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1', start, pos), 10);
    if (!Number.isFinite(v)) throw new MalformedInputError(`${path}: not an Fdump.bin file (bad header)`);
    ints.push(v);
  }
  // fscanf's "\n\f" skips every whitespace byte, even ones that begin the first double
  while (pos < buf.length && isSpace(buf[pos])) pos++;
  const g = allocate(path, ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], 0);
  g.count = g.hRange * g.kRange * g.lRange;
  const need = g.F.length * 8;
  if (buf.length - pos < need) throw new MalformedInputError(`${path}: truncated (${buf.length - pos} of ${need} data bytes)`);
  const copy = Buffer.from(buf.subarray(pos, pos + need));
  g.F.set(new Float64Array(copy.buffer, copy.byteOffset, g.F.length));
  return g;
}

/** Lagrange polynomial through four points, in C's operation order. */
function polint(xa: ArrayLike<number>, ya: ArrayLike<number>, x: number): number {
  const x0 = ((x - xa[1]) * (x - xa[2]) * (x - xa[3]) * ya[0]) / ((xa[0] - xa[1]) * (xa[0] - xa[2]) * (xa[0] - xa[3]));
  const x1 = ((x - xa[0]) * (x - xa[2]) * (x - xa[3]) * ya[1]) / ((xa[1] - xa[0]) * (xa[1] - xa[2]) * (xa[1] - xa[3]));
  const x2 = ((x - xa[0]) * (x - xa[1]) * (x - xa[3]) * ya[2]) / ((xa[2] - xa[0]) * (xa[2] - xa[1]) * (xa[2] - xa[3]));
  const x3 = ((x - xa[0]) * (x - xa[1]) * (x - xa[2]) * ya[3]) / ((xa[3] - xa[0]) * (xa[3] - xa[1]) * (xa[3] - xa[2]));
  return x0 + x1 + x2 + x3;
}

/**
 * Tricubic interpolation over the 4x4x4 neighbourhood starting one below floor(h,k,l).
 * The caller has checked that the neighbourhood lies inside the grid.
 */
export function interpolateF(g: HklGrid, h: number, k: number, l: number): number {
  const hf = Math.floor(h);
  const kf = Math.floor(k);
  const lf = Math.floor(l);
  const hx = [hf - 1, hf, hf + 1, hf + 2];
  const kx = [kf - 1, kf, kf + 1, kf + 2];
  const lx = [lf - 1, lf, lf + 1, lf + 2];
  const outer = new Array<number>(4);
  const mid = new Array<number>(4);
  const row = new Array<number>(4);
  for (let i1 = 0; i1 < 4; i1++) {
    for (let i2 = 0; i2 < 4; i2++) {
      for (let i3 = 0; i3 < 4; i3++) row[i3] = g.F[gridIndex(g, hx[i1] - g.hMin, kx[i2] - g.kMin, lx[i3] - g.lMin)];
      mid[i2] = polint(lx, row, l);
    }
    outer[i1] = polint(kx, mid, k);
  }
  return polint(hx, outer, h);
}

/** C's test for whether the interpolation neighbourhood of (h,k,l) leaves the grid. */
export function outsideInterpolationRange(g: HklGrid, h: number, k: number, l: number): boolean {
  return h - g.hMin + 3 > g.hRange || h - 2 < g.hMin || k - g.kMin + 3 > g.kRange || k - 2 < g.kMin || l - g.lMin + 3 > g.lRange || l - 2 < g.lMin;
}
