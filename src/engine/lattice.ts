/**
 * The WebAssembly kernel (lattice.wat, assembled into lattice.wasm at build time): the pixel
 * loop and, inside it, the Miller indices, the square crystal's lattice factor and the
 * nearest-grid structure factor of every (phi step, mosaic domain). This file lays out its
 * memory; pixel.ts fills in the pixel parameters and supplies the callbacks. See the .wat for
 * why it is WebAssembly and how its sines equal Math.sin's bit for bit.
 */
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {MalformedInputError} from './errors.js';
import type {HklGrid} from './hkl.js';

const module = new WebAssembly.Module(readFileSync(new URL('./lattice.wasm', import.meta.url)));

type NativeSines = (memory: ArrayBuffer, slots: number, count: number, list: number) => number;

/**
 * The native sines (src/engine/sines.c, built at install when a C compiler was there), by lanes:
 * 8 (AVX-512) and 4 (AVX2) where this processor runs them. NBPARITY_NATIVE=0 leaves them unused,
 * NBPARITY_NATIVE=4 takes the 4-lane path on a processor with both.
 */
function loadNativeSines(): Map<number, NativeSines> {
  const paths = new Map<number, NativeSines>();
  try {
    const native = createRequire(import.meta.url)('./sines.node') as {sines8?: NativeSines; sines4?: NativeSines};
    if (native.sines8) paths.set(8, native.sines8);
    if (native.sines4) paths.set(4, native.sines4);
  } catch {
    // not built: the WebAssembly sines
  }
  return paths;
}
const nativeSines = loadNativeSines();

/** Lanes of the native sine paths this machine has (tests run each). */
export const NATIVE_LANES_AVAILABLE = [...nativeSines.keys()];

/** Lanes of the sine path in use: 8 or 4 native, or 0 (WebAssembly's own, two at a time). */
export const NATIVE_SINE_LANES = ((): number => {
  const asked = process.env.NBPARITY_NATIVE;
  if (asked === '0') return 0;
  if (asked !== undefined && nativeSines.has(Number(asked))) return Number(asked);
  return Math.max(0, ...nativeSines.keys());
})();

/** What the pixel loop calls back for (see lattice.wat); a kernel without them only runs steps. */
export interface KernelHost {
  /** rewrite the sub-pixel position in the scratch block for the curved detector */
  curved(): void;
  /** F_latt of step `step`'s record (crystal shapes other than SQUARE) */
  shape(step: number): number;
  /** tricubic F_cell of step `step`'s record; may switch interpolation off */
  interpolated(step: number): number;
  traceGeometry(): void;
  traceStep(step: number, source: number, table: number): void;
  traceFactor(step: number, source: number, Fcell: number, Flatt: number, polar: number, lambda: number): void;
}

const noHost: KernelHost = {
  curved() {},
  shape: () => NaN,
  interpolated: () => NaN,
  traceGeometry() {},
  traceStep() {},
  traceFactor() {},
};

export interface KernelExports {
  memory: WebAssembly.Memory;
  sincg(x: number, N: number): number;
  configure(Na: number, Nb: number, Nc: number, square: number, defaultF: number, hMin: number, hMax: number, kMin: number, kMax: number, lMin: number, lMax: number, kStride: number, lStride: number, grid: number, rec: number, slots: number): void;
  setNative(on: number, list: number): void;
  configurePixel(os: number, thicksteps: number, nsrc: number, nsteps: number, table0: number, table1: number, same0: number, same1: number, flags: number): void;
  steps(sx: number, sy: number, sz: number, cells: number, count: number, same: number): void;
  pixel(spixel: number, fpixel: number): number;
  span(spixel: number, f0: number, f1: number, out: number): number;
  phiRun: WebAssembly.Global;
  interpolate: WebAssembly.Global;
  trace: WebAssembly.Global;
  pixelOmega: WebAssembly.Global;
  omegaAcc: WebAssembly.Global;
}

const PAGE = 65536;
/** byte offsets fixed by lattice.wat: parameter block, scratch block, sources */
export const PARAMS = 0;
export const SCRATCH = 256;
export const SOURCES = 512;
/** the exported sincg's list of lanes for the native path (lattice.wat's scratch block) */
const SINCG_LIST = 496;

/** A kernel instance; its sines native `lanes` at a time (0: WebAssembly's), their list at `list`. */
function instantiate(host: KernelHost = noHost, lanes = NATIVE_SINE_LANES, list = SINCG_LIST): KernelExports {
  let memory: WebAssembly.Memory | undefined;
  const native = nativeSines.get(lanes);
  const sines = native ? (slots: number, count: number, at: number) => native(memory!.buffer, slots, count, at) : () => -1;
  const x = new WebAssembly.Instance(module, {math: {sin: Math.sin, cos: Math.cos, exp: Math.exp, atan2: Math.atan2}, native: {sines}, host: {...host}}).exports as unknown as KernelExports;
  memory = x.memory;
  x.setNative(native ? 1 : 0, list);
  return x;
}

/** nanoBragg.c's sincg(x, N) = sin(N x)/sin(x), N at x = 0, through the sine path of `lanes` (tests try each). */
export const sincgWith = (lanes: number) => instantiate(noHost, lanes).sincg;
export const sincg = sincgWith(NATIVE_SINE_LANES);

/** Offsets within one step record (doubles). */
export const REC = {h: 0, k: 1, l: 2, h0: 3, k0: 4, l0: 5, Fa: 6, Fb: 7, Fc: 8, Flatt: 9, Fcell: 10, size: 11} as const;

export interface LatticeConfig {
  /** cell tables, 9 doubles (a, b, c in metres) per step */
  tables: Float64Array[];
  Na: number;
  Nb: number;
  Nc: number;
  /** compute F_latt_a/b/c (the square crystal); other shapes get 1 */
  square: boolean;
  grid: HklGrid | undefined;
  defaultF: number;
  /** the pixel loop's sources (32 bytes each) and output row (float32 per pixel) */
  sources?: number;
  outPixels?: number;
  host?: KernelHost;
  /** the sine path (default: the one in use, NATIVE_SINE_LANES) */
  sineLanes?: number;
}

/** One kernel instance with its own memory: the cell tables and the grid are copied in once. */
export class LatticeKernel {
  /** the records of the last `run`: REC.size doubles per step */
  readonly records: Float64Array;
  readonly exports: KernelExports;
  readonly tableOffsets: number[] = [];
  readonly sameOffsets: number[] = [];
  private readonly stepCounts: number[] = [];
  /** byte offsets of the step records and the output row */
  readonly recordOffset: number;
  readonly outOffset: number;

  constructor(cfg: LatticeConfig) {
    const lanes = cfg.sineLanes ?? NATIVE_SINE_LANES;
    this.exports = instantiate(cfg.host, lanes);
    const maxSteps = Math.max(1, ...cfg.tables.map((t) => t.length / 9));
    this.recordOffset = SOURCES + 32 * (cfg.sources ?? 0);
    const slotsOffset = this.recordOffset + maxSteps * REC.size * 8;
    const listOffset = slotsOffset + maxSteps * 3 * 32;
    let bytes = listOffset + maxSteps * 3 * 8;
    for (const t of cfg.tables) {
      this.tableOffsets.push(bytes);
      this.stepCounts.push(t.length / 9);
      bytes += t.byteLength;
    }
    const sames = cfg.tables.map(sameSteps);
    for (const same of sames) {
      this.sameOffsets.push(bytes);
      bytes += 8 * Math.ceil(same.byteLength / 8); // the grid's doubles stay 8-byte aligned
    }
    this.outOffset = bytes;
    bytes += 8 * Math.ceil((cfg.outPixels ?? 0) / 2);
    const g = cfg.grid && cfg.grid.count ? cfg.grid : undefined;
    const gridOffset = bytes;
    if (g) bytes += g.F.byteLength;
    const memory = this.exports.memory;
    const pages = Math.ceil(bytes / PAGE) - memory.buffer.byteLength / PAGE;
    try {
      if (pages > 0) memory.grow(pages);
    } catch {
      throw new MalformedInputError(`the structure-factor grid (${g?.F.length} values) does not fit in WebAssembly memory`);
    }
    const heap = new Float64Array(memory.buffer);
    cfg.tables.forEach((t, i) => heap.set(t, this.tableOffsets[i] / 8));
    sames.forEach((same, i) => new Int32Array(memory.buffer, this.sameOffsets[i], same.length).set(same));
    if (g) heap.set(g.F, gridOffset / 8);
    // no grid: an empty index range sends every lookup to defaultF
    const [hMin, hMax, kMin, kMax, lMin, lMax] = g ? [g.hMin, g.hMax, g.kMin, g.kMax, g.lMin, g.lMax] : [0, -1, 0, -1, 0, -1];
    this.exports.configure(cfg.Na, cfg.Nb, cfg.Nc, cfg.square ? 1 : 0, cfg.defaultF, hMin, hMax, kMin, kMax, lMin, lMax, g ? g.kRange + 1 : 0, g ? g.lRange + 1 : 0, gridOffset, this.recordOffset, slotsOffset);
    if (nativeSines.has(lanes)) this.exports.setNative(1, listOffset);
    this.records = new Float64Array(memory.buffer, this.recordOffset, maxSteps * REC.size);
  }

  /** Fill `records` with every step of cell table `table` for scattering vector (sx, sy, sz). */
  run(table: number, sx: number, sy: number, sz: number): void {
    this.exports.steps(sx, sy, sz, this.tableOffsets[table], this.stepCounts[table], this.sameOffsets[table]);
  }
}

/**
 * For each step, an earlier step whose 9 cell doubles are bit for bit the same (-1 if none): the
 * kernel copies that step's record instead of evaluating the same numbers again.
 */
function sameSteps(table: Float64Array): Int32Array {
  const bits = new BigUint64Array(table.buffer, table.byteOffset, table.length);
  const steps = table.length / 9;
  const same = new Int32Array(steps).fill(-1);
  const seen = new Map<string, number>();
  for (let i = 0; i < steps; i++) {
    const key = bits.subarray(9 * i, 9 * i + 9).join(',');
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else same[i] = first;
  }
  return same;
}
