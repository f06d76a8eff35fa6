/**
 * From a nanoBragg command line to a ready-to-render simulation, in the order nanoBragg.c
 * does it (the order matters: e.g. the random misset draws before the mosaic domains).
 */
import {existsSync} from 'node:fs';
import {isAbsolute, resolve} from 'node:path';
import {parseNanoBraggArgs, type NanoBraggSettings, type SmvHeaderSource} from './args.js';
import {buildBeam, type Beam} from './beam.js';
import {buildCrystal, readMatFile, type Crystal} from './crystal.js';
import {buildDetector, renderedPixels, type Detector} from './detector.js';
import {UsageError} from './errors.js';
import {checkDetectorSettings, checkFrame, checkMaskSize, checkOversample, enforceFootprint, estimateFootprint} from './footprint.js';
import {readFdump, readHklText, type HklGrid} from './hkl.js';
import type {TraceHook} from './hook.js';
import {CRandom} from './rng.js';
import {readSmvHeaderSource} from './smvheader.js';

export type PhiMode = 'spec' | 'c-parity';

export const R_E_SQR = 7.94079248018965e-30;
const AVOGADRO = 6.02214179e23;
const RTD = 180.0 * (1 / Math.PI);
export const FDUMP_NAME = 'Fdump.bin';

export interface Simulation {
  settings: NanoBraggSettings;
  phiMode: PhiMode;
  detector: Detector;
  beam: Beam;
  crystal: Crystal;
  hkl?: HklGrid;
  /** where the HKL grid came from */
  hklSource: 'hkl' | 'fdump' | 'none';
  /** 1 when structure factors are interpolated at the start of the run */
  interpolate: boolean;
  phisteps: number;
  phi0Rad: number;
  phistepRad: number;
  oscRad: number;
  oversample: number;
  recommendedOversample: number;
  steps: number;
  thicksteps: number;
  thickstepM: number;
  thickM: number;
  mu: number;
  fluence: number;
  Ibg: number;
  /** the shared state of C's random generators after set-up (noise continues from it) */
  rng: CRandom;
  /** lines C prints during set-up that a user should see (warnings) */
  notes: string[];
  /**
   * nbparity's own warnings (C prints nothing): places where the input makes C misbehave and
   * nbparity, in both phi modes, follows it. Commands print them on stderr.
   */
  warnings: string[];
  cwd: string;
}

export interface SetupOptions {
  phiMode?: PhiMode;
  /** folder that relative input paths are read from (C reads from its working folder) */
  cwd?: string;
  hook?: TraceHook;
  /** wall-clock seconds for C's default seed (-time) */
  nowSeconds?: number;
  /** structure factors already read by this run (render workers get the main thread's grid) */
  structureFactors?: Pick<Simulation, 'hkl' | 'hklSource'>;
}

export function resolvePath(cwd: string, p: string): string {
  return isAbsolute(p) ? p : resolve(cwd, p);
}

function resolvePhi(s: NanoBraggSettings): {phisteps: number; oscRad: number; phistepRad: number} {
  let phisteps = s.phisteps;
  let osc = s.oscRad;
  let phistep = s.phistepRad;
  if (phisteps < 0) {
    if (osc < 0.0) {
      if (phistep <= 0.0) {
        phisteps = 1;
        osc = 0.0;
        phistep = 0.0;
      } else {
        osc = phistep;
        phisteps = 2;
      }
    } else if (phistep <= 0.0) {
      phisteps = 2;
      phistep = osc / 2.0;
    } else phisteps = Math.ceil(osc / phistep);
  } else {
    if (phisteps === 0) phisteps = 1;
    if (osc < 0.0) {
      if (phistep <= 0.0) {
        osc = 1.0 / RTD;
        phistep = osc / phisteps;
      } else {
        osc = phistep;
        phisteps = 2;
      }
    } else if (phistep < 0.0) phistep = osc / phisteps;
  }
  return {phisteps, oscRad: osc, phistepRad: phistep};
}

/** Sensor layers: C's auto-selection (the layer step has no flag of its own). */
function resolveThickness(s: NanoBraggSettings, notes: string[]): {thicksteps: number; thickstepM: number; thickM: number; mu: number} {
  let steps = s.detectorThicksteps;
  let thick = s.detectorThickM;
  let step = -1.0;
  let mu = s.detectorMu;
  if (steps <= 0) {
    if (thick < 0.0) {
      steps = 1;
      thick = 0.0;
      step = 0.0;
    } else {
      steps = 2;
      step = thick / steps;
    }
  } else if (thick < 0.0) {
    thick = 0.5e-6;
    step = thick / steps;
  } else {
    if (steps <= 1) steps = 2;
    step = thick / (steps - 1);
  }
  if (thick > 0.0 && mu < 0.0) {
    mu = 1.0 / thick;
    notes.push(`WARNING: setting detector attenuation depth to ${mu} m`);
  }
  if (thick <= 0.0 || step <= 0.0 || steps <= 0) {
    steps = 1;
    thick = 0.0;
    step = 0.0;
  }
  return {thicksteps: steps, thickstepM: step, thickM: thick, mu};
}

export function parseWithHeaders(argv: string[], cwd: string, nowSeconds?: number): NanoBraggSettings {
  return parseNanoBraggArgs(argv, (p: string): SmvHeaderSource => readSmvHeaderSource(resolvePath(cwd, p)), nowSeconds);
}

/**
 * Rendered pixels (the ROI) x phi steps: a lower bound of the frame's sub-pixel evaluations, cheap
 * and known before set-up reads any input file. 0 when the geometry is invalid (set-up then says why).
 */
export function leastEvaluations(s: NanoBraggSettings): number {
  try {
    return renderedPixels(buildDetector(s)) * resolvePhi(s).phisteps;
  } catch {
    return 0;
  }
}

/**
 * Refuse a run before anything large is allocated or any worker started: a detector that cannot
 * exist (exit 2), or a memory estimate over `maxMemoryBytes` (exit 10). `frame`: the whole frame
 * is rendered (simulate), not one pixel (harness).
 */
export function preflight(s: NanoBraggSettings, o: {workers: number; frame: boolean; maxMemoryBytes: number; hklGridValues?: number}): void {
  checkDetectorSettings(s);
  if (o.frame) checkFrame(buildDetector(s));
  const phisteps = resolvePhi(s).phisteps;
  enforceFootprint(estimateFootprint({...s, phisteps}, o), o.maxMemoryBytes);
}

export function setupSimulation(argv: string[], opts: SetupOptions = {}): Simulation {
  const cwd = opts.cwd ?? process.cwd();
  const s = parseWithHeaders(argv, cwd, opts.nowSeconds);
  return setupFromSettings(s, {...opts, cwd});
}

export function setupFromSettings(s: NanoBraggSettings, opts: SetupOptions & {cwd: string}): Simulation {
  const {cwd, hook} = opts;
  const notes: string[] = [];
  const sample: [number, number, number] = [s.sampleXM, s.sampleYM, s.sampleZM];
  if (s.beamsizeM >= 0) {
    if (s.beamsizeM < sample[1]) {
      notes.push(`WARNING: clipping sample (${sample[1]} m high) with beam (${s.beamsizeM} m)`);
      sample[1] = s.beamsizeM;
    }
    if (s.beamsizeM < sample[2]) {
      notes.push(`WARNING: clipping sample (${sample[2]} m wide) with beam (${s.beamsizeM} m)`);
      sample[2] = s.beamsizeM;
    }
  }

  const fdumpPath = resolvePath(cwd, FDUMP_NAME);
  const haveFdump = !s.hklFile && existsSync(fdumpPath);
  if ((!s.hklFile && !haveFdump && s.defaultF === 0.0) || (!s.matFile && s.cellA[0] === 0.0)) {
    const why = !s.matFile && s.cellA[0] === 0.0 ? 'no -mat file and no -cell given' : 'no -hkl file, no readable Fdump.bin and -default_F is 0';
    throw new UsageError(`missing structure factors or cell: ${why}`);
  }

  checkDetectorSettings(s);
  const detector = buildDetector(s, hook);
  checkFrame(detector);
  checkMaskSize(s, detector);
  notes.push(...detector.warnings);
  const {phisteps, oscRad, phistepRad} = resolvePhi(s);
  const thickness = resolveThickness(s, notes);
  let interpolate = s.interpolate;
  if (interpolate > 1) interpolate = s.Na <= 2 || s.Nb <= 2 || s.Nc <= 2 ? 1 : 0;

  const rng = new CRandom();
  const crystal = buildCrystal({settings: s, lambda0M: s.lambda0M, sampleM: sample, rng, readMat: (p) => readMatFile(resolvePath(cwd, p))});
  notes.push(...crystal.notes);
  const reciprocalPixelSizeM = (s.lambda0M * detector.distanceM) / detector.pixelSizeM;
  let recommendedOversample = Math.ceil((3.0 * crystal.xtalsizeMaxM) / reciprocalPixelSizeM);
  if (recommendedOversample <= 0) recommendedOversample = 1;
  let oversample = s.oversample <= 0 ? recommendedOversample : s.oversample;
  checkOversample(oversample, s, detector.distanceM);

  let hkl: HklGrid | undefined;
  let hklSource: Simulation['hklSource'] = 'none';
  if (opts.structureFactors) ({hkl, hklSource} = opts.structureFactors);
  else if (s.hklFile) {
    hkl = readHklText(resolvePath(cwd, s.hklFile), s.defaultF);
    hklSource = 'hkl';
  } else if (haveFdump) {
    hkl = readFdump(fdumpPath);
    hklSource = 'fdump';
  }
  if (!hkl || hkl.count === 0) interpolate = 0;
  const warnings: string[] = [];
  if (hklSource === 'fdump') {
    warnings.push(
      `no -hkl given: structure factors come from ${fdumpPath}, left by an earlier run ` +
        '(nanoBragg reads it silently, even when it is stale or from other inputs; nbparity does the same)',
    );
  }

  const beam = buildBeam(s, detector.beam, detector.polarVector, detector.vertVector, s.lambda0M, (p) => resolvePath(cwd, p));
  if (s.sourceFile && beam.sources.some((src) => src.weight !== 1.0)) {
    warnings.push(`-sourcefile ${resolvePath(cwd, s.sourceFile)}: the weights (column 4) are read but never applied, as in nanoBragg`);
  }
  if (oversample <= 0) oversample = 1;
  const steps = beam.sources.length * crystal.mosaicDomains * phisteps * oversample * oversample;
  const waterF = 2.57;
  const waterMW = 18.0;
  const w = s.waterSizeM;
  const Ibg = (((((waterF * waterF * R_E_SQR * beam.fluence * w) * w) * w) * 1e6) * AVOGADRO) / waterMW;

  return {
    settings: s,
    phiMode: opts.phiMode ?? 'spec',
    detector,
    beam,
    crystal,
    hkl,
    hklSource,
    interpolate: interpolate === 1,
    phisteps,
    phi0Rad: s.phi0Rad,
    phistepRad,
    oscRad,
    oversample,
    recommendedOversample,
    steps,
    ...thickness,
    fluence: beam.fluence,
    Ibg,
    rng,
    notes,
    warnings,
    cwd,
  };
}

