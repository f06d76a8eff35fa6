/**
 * Detector pixels, computed the way nanoBragg.c's pixel loop computes them. The loop itself is
 * WebAssembly (`$pixel` in lattice.wat), the only copy of the per-pixel physics: the renderer
 * calls it for runs of pixels (`renderRows`), the single-pixel tracer for one pixel with a hook
 * attached (`render`). This class sets it up (cell tables, parameter block) and holds what it
 * calls back for: the trace points, the crystal shapes other than SQUARE, tricubic
 * interpolation and the curved detector.
 *
 * Run state that C carries from pixel to pixel in raster order lives in `RunState`:
 * - the phi carry-over (C-PARITY-001, c-parity mode only): a phi step of angle exactly 0 reuses
 *   the cell the previous evaluation left; before any phi loop has run that is the unrotated cell;
 * - tricubic interpolation, which switches off for the rest of the run the first time its
 *   4x4x4 neighbourhood leaves the HKL grid (both modes, as in C).
 */
import {interpolateF, outsideInterpolationRange} from './hkl.js';
import type {TraceHook} from './hook.js';
import {LatticeKernel, PARAMS, REC, SCRATCH, SOURCES, type KernelHost} from './lattice.js';
import {sinc3} from './physics.js';
import {R_E_SQR, type Simulation} from './setup.js';
import {rotateAxis, rotateUmat, type Vec3} from './vec.js';

const RTD = 180.0 * (1 / Math.PI);

export interface RunState {
  /** c-parity: has any evaluation of the run executed its phi loop yet? */
  phiLoopHasRun: boolean;
  interpolate: boolean;
  /** set by the evaluation that switched interpolation off */
  interpolationExit?: {h: number; k: number; l: number; h0: number; k0: number; l0: number};
}

/** The last rendered pixel. Its doubles live in a typed array: storing them never allocates. */
export class PixelResult {
  private readonly slots = new Float64Array(2);
  /** what C adds to floatimage[] for this pixel (a double, before the float32 store) */
  get value(): number {
    return this.slots[0];
  }
  set value(v: number) {
    this.slots[0] = v;
  }
  /** this pixel's contribution to C's omega_sum statistic */
  get omegaSum(): number {
    return this.slots[1];
  }
  set omegaSum(v: number) {
    this.slots[1] = v;
  }
}

export class PixelEngine {
  /** cell vectors per (phi step, mosaic domain), 9 numbers each: for the run's first phi loop */
  private readonly cellsFirst: Float64Array;
  /** ... and for every later phi loop (they differ only in c-parity mode) */
  private readonly cellsLater: Float64Array;
  private readonly pos: Vec3 = [0, 0, 0];
  private readonly result = new PixelResult();
  /** the pixel loop in WebAssembly, with its step records, scratch block and output row */
  private readonly kernel: LatticeKernel;
  private readonly rec: Float64Array;
  private readonly scratch: Float64Array;
  private readonly outRow: Float32Array;
  /** the run state and hook of the call in progress (the kernel's callbacks use them) */
  private state?: RunState;
  private hook?: TraceHook;

  constructor(readonly sim: Simulation) {
    const {crystal, phisteps} = sim;
    const doms = crystal.mosaicDomains;
    const rotated = (tic: number): Vec3[] => {
      const phi = sim.phi0Rad + sim.phistepRad * tic;
      return [crystal.a0M, crystal.b0M, crystal.c0M].map((v) => rotateAxis(v, sim.detector.spindle, phi));
    };
    const unrotated: Vec3[] = [crystal.a0M, crystal.b0M, crystal.c0M];
    const perStep: Vec3[][] = [];
    for (let tic = 0; tic < phisteps; tic++) perStep.push(rotated(tic));
    const isZero = (tic: number) => sim.phi0Rad + sim.phistepRad * tic === 0.0;
    // the cell each phi step sees, given the cell the previous evaluation left behind
    const loop = (carried: Vec3[]): {cells: Vec3[][]; after: Vec3[]} => {
      const cells: Vec3[][] = [];
      let state = carried;
      for (let tic = 0; tic < phisteps; tic++) {
        // a zero rotation is the identity: spec mode takes the unrotated cell as is (keeping -0)
        if (!isZero(tic)) state = perStep[tic];
        else if (sim.phiMode === 'spec') state = unrotated;
        cells.push(state);
      }
      return {cells, after: state};
    };
    const first = loop(unrotated);
    const later = loop(first.after);
    const pack = (cells: Vec3[][]): Float64Array => {
      const out = new Float64Array(phisteps * doms * 9);
      for (let tic = 0; tic < phisteps; tic++) {
        for (let m = 0; m < doms; m++) {
          const u = crystal.mosaicUmats.subarray(9 * m, 9 * m + 9);
          const abc = crystal.mosaicSpreadRad > 0.0 ? cells[tic].map((v) => rotateUmat(v, u)) : cells[tic];
          out.set([...abc[0], ...abc[1], ...abc[2]], (tic * doms + m) * 9);
        }
      }
      return out;
    };
    this.cellsFirst = pack(first.cells);
    this.cellsLater = pack(later.cells);
    const {Na, Nb, Nc} = crystal;
    this.kernel = new LatticeKernel({
      tables: [this.cellsFirst, this.cellsLater],
      Na,
      Nb,
      Nc,
      square: sim.settings.shape === 'SQUARE',
      grid: sim.hkl,
      defaultF: sim.settings.defaultF,
      sources: sim.beam.sources.length,
      outPixels: sim.detector.fpixels,
      host: this.host(),
    });
    const buffer = this.kernel.exports.memory.buffer;
    this.rec = this.kernel.records;
    this.scratch = new Float64Array(buffer, SCRATCH, (SOURCES - SCRATCH) / 8);
    this.outRow = new Float32Array(buffer, this.kernel.outOffset, sim.detector.fpixels);
    this.configureKernel();
  }

  freshState(): RunState {
    return {phiLoopHasRun: false, interpolate: this.sim.interpolate};
  }

  /** Is the pixel rendered at all (inside the ROI, not zero in the mask)? */
  isRendered(spixel: number, fpixel: number): boolean {
    const {roi, fpixels} = this.sim.detector;
    if (fpixel < roi.xmin || fpixel > roi.xmax || spixel < roi.ymin || spixel > roi.ymax) return false;
    const mask = this.sim.settings.mask;
    return !(mask && mask[spixel * fpixels + fpixel] === 0);
  }

  /**
   * Would this pixel run at least one phi loop (some sub-pixel and source passes the d-min cut)?
   * Used to find the c-parity carry-over state at an arbitrary pixel without rendering.
   */
  runsPhiLoop(spixel: number, fpixel: number): boolean {
    const dmin = this.sim.settings.dminM;
    if (!(dmin > 0.0)) return true;
    let found = false;
    this.walkSubpixels(spixel, fpixel, (dx, dy, dz) => {
      for (const src of this.sim.beam.sources) {
        const sx = (dx + src.direction[0]) / src.lambdaM;
        const sy = (dy + src.direction[1]) / src.lambdaM;
        const sz = (dz + src.direction[2]) / src.lambdaM;
        const stol = 0.5 * Math.sqrt(sx * sx + sy * sy + sz * sz);
        if (!(stol > 0.0 && dmin > 0.5 / stol)) found = true;
      }
      return found;
    });
    return found;
  }

  /**
   * Raster index of the first rendered pixel in [start, end) that runs a phi loop (-1: none
   * does): the pixel after which C-PARITY-001's carried cell is no longer the one the scan's
   * first pixel started from (a run, or a C thread's block, starts from the unrotated cell).
   */
  firstPhiLoopPixel(end = this.sim.detector.fpixels * this.sim.detector.spixels, start = 0): number {
    const {fpixels} = this.sim.detector;
    for (let idx = start; idx < end; idx++) {
      const s = Math.floor(idx / fpixels);
      const f = idx % fpixels;
      if (this.isRendered(s, f) && this.runsPhiLoop(s, f)) return idx;
    }
    return -1;
  }

  /** Diffracted unit vectors of every sub-pixel and layer, in C's loop order; stop when fn says so. */
  private walkSubpixels(spixel: number, fpixel: number, fn: (dx: number, dy: number, dz: number) => boolean): void {
    const sim = this.sim;
    const d = sim.detector;
    const os = sim.oversample;
    const sub = d.pixelSizeM / os;
    for (let t = 0; t < sim.thicksteps; t++) {
      const Odet = t * sim.thickstepM;
      for (let subS = 0; subS < os; subS++) {
        for (let subF = 0; subF < os; subF++) {
          const p = this.subpixelPosition(fpixel, spixel, subF, subS, sub, Odet);
          const r = Math.sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
          const dx = r !== 0 ? p[0] / r : 0;
          const dy = r !== 0 ? p[1] / r : 0;
          const dz = r !== 0 ? p[2] / r : 0;
          if (fn(dx, dy, dz)) return;
        }
      }
    }
  }

  /** Position of a sub-pixel (m), written into `this.pos`: no allocation on the hot path. */
  private subpixelPosition(fpixel: number, spixel: number, subF: number, subS: number, sub: number, Odet: number): Vec3 {
    const d = this.sim.detector;
    const os = this.sim.oversample;
    const Fdet = sub * (fpixel * os + subF) + sub / 2.0;
    const Sdet = sub * (spixel * os + subS) + sub / 2.0;
    const f = d.fdet;
    const s = d.sdet;
    const o = d.odet;
    const p0 = d.pix0M;
    const pos = this.pos;
    pos[0] = Fdet * f[0] + Sdet * s[0] + Odet * o[0] + p0[0];
    pos[1] = Fdet * f[1] + Sdet * s[1] + Odet * o[1] + p0[1];
    pos[2] = Fdet * f[2] + Sdet * s[2] + Odet * o[2] + p0[2];
    if (d.curved) this.curve(pos);
    return pos;
  }

  /** The curved detector: every pixel at the same distance, detector coordinates become angles about s and f. */
  private curve(pos: Vec3 | Float64Array): void {
    const d = this.sim.detector;
    const dist = d.distanceM;
    const v: Vec3 = [dist * d.beam[0], dist * d.beam[1], dist * d.beam[2]];
    const curved = rotateAxis(rotateAxis(v, d.sdet, pos[1] / dist), d.fdet, pos[2] / dist);
    pos[0] = curved[0];
    pos[1] = curved[1];
    pos[2] = curved[2];
  }

  /** Render one pixel; the returned object is reused by the next call. */
  render(spixel: number, fpixel: number, st: RunState, hook?: TraceHook): PixelResult {
    const x = this.kernel.exports;
    this.enter(st, hook);
    let value: number;
    try {
      value = x.pixel(spixel, fpixel);
    } finally {
      this.leave(st);
    }
    if (hook) this.traceFinal(hook);
    this.result.value = value;
    this.result.omegaSum = x.pixelOmega.value as number;
    return this.result;
  }

  /**
   * Render the rendered pixels of rows [rowStart, rowEnd) whose raster index is in
   * [firstPixel, lastPixel) into `image` (float32, as C stores them), continuing from `st`.
   * Returns the sum of their solid angles (C's omega_sum, in pixel order, added to `omegaSum`: a
   * run rendered in several calls sums as in one) and the raster index of the pixel where
   * interpolation switched off (-1 if it did not).
   */
  renderRows(image: Float32Array, rowStart: number, rowEnd: number, st: RunState, firstPixel = -1, lastPixel = Infinity, omegaSum = 0): {omegaSum: number; exitPixel: number} {
    const x = this.kernel.exports;
    const {fpixels, roi} = this.sim.detector;
    const mask = this.sim.settings.mask;
    const out = this.outRow;
    let exitPixel = -1;
    x.omegaAcc.value = omegaSum;
    this.enter(st);
    try {
      for (let s = Math.max(rowStart, roi.ymin); s < rowEnd && s <= roi.ymax; s++) {
        const row = s * fpixels;
        const lo = Math.max(roi.xmin, 0, firstPixel - row);
        const hi = Math.min(roi.xmax + 1, fpixels, lastPixel - row);
        for (let f = lo; f < hi; ) {
          // a run of pixels that the mask does not exclude
          let end = f;
          if (mask) {
            while (f < hi && mask[row + f] === 0) f++;
            end = f;
            while (end < hi && mask[row + end] !== 0) end++;
          } else end = hi;
          while (f < end) {
            const wasOn = x.interpolate.value as number;
            const n = x.span(s, f, end, this.kernel.outOffset);
            image.set(out.subarray(0, n), row + f);
            f += n;
            if (wasOn && !x.interpolate.value) exitPixel = row + f - 1;
          }
        }
      }
    } finally {
      this.leave(st);
    }
    return {omegaSum: x.omegaAcc.value as number, exitPixel};
  }

  /** Hand the run state (and the hook, if any) to the kernel. */
  private enter(st: RunState, hook?: TraceHook): void {
    const x = this.kernel.exports;
    x.phiRun.value = st.phiLoopHasRun ? 1 : 0;
    x.interpolate.value = st.interpolate ? 1 : 0;
    x.trace.value = hook ? 1 : 0;
    this.state = st;
    this.hook = hook;
  }

  /** Take the run state back from the kernel. */
  private leave(st: RunState): void {
    const x = this.kernel.exports;
    st.phiLoopHasRun = x.phiRun.value === 1;
    st.interpolate = x.interpolate.value === 1;
    x.trace.value = 0;
    this.hook = undefined;
  }

  /** The kernel's callbacks (lattice.wat calls them; they read and write its scratch block). */
  private host(): KernelHost {
    return {
      curved: () => this.curve(this.scratch),
      shape: (step) => this.shapeFactor(this.rec, step * REC.size),
      interpolated: (step) => {
        const F = this.interpolatedF(this.rec, step * REC.size, this.state!);
        if (!this.state!.interpolate) this.kernel.exports.interpolate.value = 0;
        return F;
      },
      traceGeometry: () => this.traceGeometry(this.hook!),
      traceStep: (step, source, table) => this.traceStep(this.hook!, this.rec, step * REC.size, step, source, table === 0 ? this.cellsFirst : this.cellsLater),
      traceFactor: (step, source, Fcell, Flatt, polar, lambda) => this.traceStructureFactor(this.hook!, step, source, Fcell, Flatt, polar, lambda),
    };
  }

  /** The kernel's parameter block, sources and loop configuration (layout: lattice.wat). */
  private configureKernel(): void {
    const sim = this.sim;
    const s = sim.settings;
    const d = sim.detector;
    const p = new Float64Array(this.kernel.exports.memory.buffer, PARAMS, SCRATCH / 8);
    p.set([...d.fdet, ...d.sdet, ...d.odet, ...d.pix0M, ...d.polarVector], 0);
    p.set([d.pixelSizeM, d.closeDistanceM, d.pixelSizeM / sim.oversample, sim.thickstepM, sim.mu, sim.thickM, sim.Ibg, sim.fluence, sim.steps, s.dminM, s.waterSizeM, s.polarization, R_E_SQR], 15);
    const src = new Float64Array(this.kernel.exports.memory.buffer, SOURCES, 4 * sim.beam.sources.length);
    sim.beam.sources.forEach((b, i) => src.set([...b.direction, b.lambdaM], 4 * i));
    const flags =
      (s.nopolar ? 1 : 0) |
      (s.oversampleThick ? 2 : 0) |
      (s.oversamplePolar ? 4 : 0) |
      (s.oversampleOmega ? 8 : 0) |
      (d.pointPixel ? 16 : 0) |
      (d.curved ? 32 : 0) |
      (sim.phiMode === 'c-parity' ? 64 : 0);
    const k = this.kernel;
    const nsteps = sim.phisteps * sim.crystal.mosaicDomains;
    k.exports.configurePixel(sim.oversample, sim.thicksteps, sim.beam.sources.length, nsteps, k.tableOffsets[0], k.tableOffsets[1], k.sameOffsets[0], k.sameOffsets[1], flags);
  }

  /** The trace of one sub-pixel's geometry (source 0), from the scratch block. */
  private traceGeometry(hook: TraceHook): void {
    const d = this.sim.detector;
    const w = this.scratch;
    const air = w[3];
    hook.value('pix0_vector_meters', ...d.pix0M);
    hook.value('fdet_vec', ...d.fdet);
    hook.value('sdet_vec', ...d.sdet);
    hook.value('pixel_pos_meters', w[0], w[1], w[2]);
    hook.value('R_distance_meters', air);
    hook.value('omega_pixel_sr', w[4]);
    hook.value('close_distance_meters', d.closeDistanceM);
    hook.value('obliquity_factor', d.closeDistanceM / air);
    hook.value('diffracted_vec', w[5], w[6], w[7]);
    hook.value('incident_vec', w[8], w[9], w[10]);
    hook.value('lambda_meters', w[11]);
    hook.value('lambda_angstroms', w[11] * 1e10);
    hook.value('scattering_vec_A_inv', w[12], w[13], w[14]);
  }

  /** The trace of the pixel's final quantities, from the scratch block. */
  private traceFinal(hook: TraceHook): void {
    const sim = this.sim;
    const s = sim.settings;
    const w = this.scratch;
    hook.value('I_before_scaling', w[15]);
    hook.value('r_e_meters', Math.sqrt(R_E_SQR));
    hook.value('r_e_sqr', R_E_SQR);
    hook.value('fluence_photons_per_m2', sim.fluence);
    hook.integer('steps', sim.steps);
    hook.integer('oversample_thick', s.oversampleThick ? 1 : 0);
    hook.integer('oversample_polar', s.oversamplePolar ? 1 : 0);
    hook.integer('oversample_omega', s.oversampleOmega ? 1 : 0);
    hook.value('capture_fraction', w[16]);
    hook.value('polar', w[17]);
    hook.value('omega_pixel', w[4]);
    hook.value('cos_2theta', w[8] * w[5] + w[9] * w[6] + w[10] * w[7]);
    hook.value('I_pixel_final', w[18]);
    hook.value('floatimage_accumulated', Math.fround(w[18]));
  }

  /** F_latt of the round, Gaussian and tophat crystals (the square one comes from the kernel). */
  private shapeFactor(rec: Float64Array, r: number): number {
    const cr = this.sim.crystal;
    const {Na, Nb, Nc} = cr;
    const fudge = this.sim.settings.fudge;
    const dh = rec[r + REC.h] - rec[r + REC.h0];
    const dk = rec[r + REC.k] - rec[r + REC.k0];
    const dl = rec[r + REC.l] - rec[r + REC.l0];
    if (this.sim.settings.shape === 'ROUND') {
      const hrad = dh * dh * Na * Na + dk * dk * Nb * Nb + dl * dl * Nc * Nc;
      return Na * Nb * Nc * 0.723601254558268 * sinc3(Math.PI * Math.sqrt(hrad * fudge));
    }
    const aS = cr.aStarAinv;
    const bS = cr.bStarAinv;
    const cS = cr.cStarAinv;
    const dx = dh * aS[0] + dk * bS[0] + dl * cS[0];
    const dy = dh * aS[1] + dk * bS[1] + dl * cS[1];
    const dz = dh * aS[2] + dk * bS[2] + dl * cS[2];
    const radStarSqr = (dx * dx + dy * dy + dz * dz) * Na * Na * Nb * Nb * Nc * Nc;
    if (this.sim.settings.shape === 'GAUSS') return Na * Nb * Nc * Math.exp(-((radStarSqr / 0.63) * fudge));
    return Na * Nb * Nc * (radStarSqr * fudge < 0.3969 ? 1 : 0);
  }

  /**
   * Tricubic F_cell, as long as interpolation is on. The first neighbourhood that leaves the
   * grid switches it off for the rest of the run (and this step takes the nearest F_cell).
   */
  private interpolatedF(rec: Float64Array, r: number, st: RunState): number {
    const hkl = this.sim.hkl!;
    const h = rec[r + REC.h];
    const k = rec[r + REC.k];
    const l = rec[r + REC.l];
    if (outsideInterpolationRange(hkl, h, k, l)) {
      st.interpolationExit ??= {h, k, l, h0: rec[r + REC.h0], k0: rec[r + REC.k0], l0: rec[r + REC.l0]};
      st.interpolate = false;
      return rec[r + REC.Fcell];
    }
    return interpolateF(hkl, h, k, l);
  }

  /** The trace of one step's cell, Miller indices and square-crystal F_latt (source 0, domain 0). */
  private traceStep(hook: TraceHook, rec: Float64Array, r: number, step: number, source: number, cells: Float64Array): void {
    const doms = this.sim.crystal.mosaicDomains;
    const phiTic = Math.floor(step / doms);
    if (source !== 0 || step % doms !== 0) return;
    if (phiTic === 0) {
      const cr = this.sim.crystal;
      const o = step * 9;
      hook.value('rot_a_angstroms', cells[o] * 1e10, cells[o + 1] * 1e10, cells[o + 2] * 1e10);
      hook.value('rot_b_angstroms', cells[o + 3] * 1e10, cells[o + 4] * 1e10, cells[o + 5] * 1e10);
      hook.value('rot_c_angstroms', cells[o + 6] * 1e10, cells[o + 7] * 1e10, cells[o + 8] * 1e10);
      hook.value('rot_a_star_A_inv', ...cr.aStarAinv);
      hook.value('rot_b_star_A_inv', ...cr.bStarAinv);
      hook.value('rot_c_star_A_inv', ...cr.cStarAinv);
      hook.value('hkl_frac', rec[r + REC.h], rec[r + REC.k], rec[r + REC.l]);
      hook.integer('hkl_rounded', rec[r + REC.h0], rec[r + REC.k0], rec[r + REC.l0]);
    }
    if (this.sim.settings.shape !== 'SQUARE') return;
    if (phiTic === 0) {
      hook.value('F_latt_a', rec[r + REC.Fa]);
      hook.value('F_latt_b', rec[r + REC.Fb]);
      hook.value('F_latt_c', rec[r + REC.Fc]);
      hook.value('F_latt', rec[r + REC.Flatt]);
    }
    const phi = this.sim.phi0Rad + this.sim.phistepRad * phiTic;
    hook.phi(phiTic, phi * RTD, rec[r + REC.k], rec[r + REC.Fb], rec[r + REC.Flatt]);
  }

  /** The trace of a step's F_cell (source 0) and C's SOURCE2 block (source 2); first step only. */
  private traceStructureFactor(hook: TraceHook, step: number, source: number, Fcell: number, Flatt: number, polar: number, lambda: number): void {
    if (step !== 0) return;
    if (source === 0) hook.value('F_cell', Fcell);
    if (source !== 2) return;
    const w = this.scratch;
    const ch = 'SOURCE2';
    hook.channel(ch, 'F_cell', [Fcell]);
    hook.channel(ch, 'F_latt', [Flatt]);
    hook.channel(ch, 'F_cell_squared', [Fcell * Fcell]);
    hook.channel(ch, 'F_latt_squared', [Flatt * Flatt]);
    hook.channel(ch, 'I_contribution', [Fcell * Fcell * Flatt * Flatt]);
    hook.channel(ch, 'polar', [polar]);
    hook.channel(ch, 'cos2theta', [w[8] * w[5] + w[9] * w[6] + w[10] * w[7]]);
    hook.channel(ch, 'lambda_angstroms', [lambda * 1e10]);
    hook.channel(ch, 'source_index', [source], true);
  }
}
