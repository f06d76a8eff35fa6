/**
 * The incident beam: wavelength spread, divergence grid (with C's elliptical trimming) or a
 * source file, and the fluence derived from flux, exposure and beam size.
 */
import type {NanoBraggSettings} from './args.js';
import {MalformedInputError} from './errors.js';
import {readInputFile} from '../io/input.js';
import {rotateAxis, unitize, type Vec3} from './vec.js';

export interface Source {
  /** unit vector from the sample towards the source (C's source_X/Y/Z after unitize) */
  direction: Vec3;
  /** relative weight; C reads it but never applies it to the intensity */
  weight: number;
  lambdaM: number;
}

export interface Beam {
  sources: Source[];
  lambda0M: number;
  dispersion: number;
  dispsteps: number;
  hdivrangeRad: number;
  hdivstepRad: number;
  hdivsteps: number;
  vdivrangeRad: number;
  vdivstepRad: number;
  vdivsteps: number;
  /** number of divergence points kept by the trimming (-1 with a source file, as C prints) */
  divsteps: number;
  fluence: number;
  flux: number;
}

/**
 * C's rule for a (range, step, count) triple where any of the three may be unset (negative),
 * shared by horizontal and vertical divergence and by dispersion.
 */
export function resolveSteps(range: number, step: number, steps: number): {range: number; step: number; steps: number} {
  if (steps <= 0) {
    if (range < 0.0) {
      if (step <= 0.0) return {range: 0.0, step: 0.0, steps: 1};
      return {range: step, step, steps: 2};
    }
    if (step <= 0.0) return {range, step: range, steps: 2};
    return {range, step, steps: Math.ceil(range / step)};
  }
  if (range < 0.0) {
    if (step <= 0.0) return {range: 1.0, step: 1.0 / steps, steps};
    return {range: step, step, steps: 2};
  }
  if (step <= 0.0) {
    const n = steps <= 1 ? 2 : steps;
    return {range, step: range / (n - 1), steps: n};
  }
  return {range, step, steps};
}

/** After auto-selection, C collapses any incomplete triple to a single step. */
function sanitize(t: {range: number; step: number; steps: number}): {range: number; step: number; steps: number} {
  if (t.range <= 0.0 || t.step <= 0.0 || t.steps <= 0) return {range: 0.0, step: 0.0, steps: 1};
  return t;
}

/** fluence from flux x exposure / beamsize^2 when those are given; flux made consistent after. */
export function resolveFluence(s: NanoBraggSettings): {fluence: number; flux: number} {
  let fluence = s.fluence;
  let flux = s.flux;
  if (flux !== 0.0 && s.exposureS > 0.0 && s.beamsizeM >= 0) fluence = (flux * s.exposureS) / s.beamsizeM / s.beamsizeM;
  if (s.exposureS > 0.0) flux = (fluence / s.exposureS) * s.beamsizeM * s.beamsizeM;
  return {fluence, flux};
}

/**
 * C's read_text_file for source files: lines of up to five numbers separated by any of
 * " \t,;:!"; blank lines skipped; missing columns are NaN (then defaulted by the caller).
 */
export function readColumns(path: string, columns: number, what: string): number[][] {
  return parseColumns(readInputFile(path, `${what} ${path}`).toString('latin1'), path, columns, what);
}

/** read_text_file's columns from a text already read; MalformedInputError naming the line if bad. */
export function parseColumns(text: string, path: string, columns: number, what: string): number[][] {
  const rows: number[][] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const tokens = line.replace(/\r$/, '').split(/[ \t,;:!]+/).filter(Boolean);
    if (tokens.length === 0) return;
    const row = new Array<number>(columns).fill(NaN);
    tokens.slice(0, columns).forEach((t, k) => {
      const v = Number(t);
      if (!Number.isFinite(v) && !/^[+-]?(nan|inf)/i.test(t)) throw new MalformedInputError(`${what} ${path}:${i + 1}: '${t}' is not a number`);
      row[k] = v;
    });
    rows.push(row);
  });
  if (rows.length === 0) throw new MalformedInputError(`${what} ${path}: no data`);
  return rows;
}

export function buildBeam(s: NanoBraggSettings, beamVector: Vec3, polarVector: Vec3, vertVector: Vec3, lambda0M: number, resolveInput: (p: string) => string = (p) => p): Beam {
  const h = sanitize(resolveSteps(s.hdivrangeRad, s.hdivstepRad, s.hdivsteps));
  const v = sanitize(resolveSteps(s.vdivrangeRad, s.vdivstepRad, s.vdivsteps));
  const d = sanitize(resolveSteps(s.dispersion, -1, s.dispsteps));
  const {fluence, flux} = resolveFluence(s);
  const sourceDistanceM = 10.0;
  const sources: Source[] = [];
  let divsteps = -1;

  if (s.sourceFile) {
    for (const [x, y, z, w, lam] of readColumns(resolveInput(s.sourceFile), 5, '-sourcefile')) {
      const pos: Vec3 = [
        Number.isNaN(x) ? -sourceDistanceM * beamVector[0] : x,
        Number.isNaN(y) ? -sourceDistanceM * beamVector[1] : y,
        Number.isNaN(z) ? -sourceDistanceM * beamVector[2] : z,
      ];
      sources.push({direction: unitize(pos).unit, weight: Number.isNaN(w) ? 1.0 : w, lambdaM: Number.isNaN(lam) ? lambda0M : lam});
    }
  } else {
    const kept: Array<{hdiv: number; vdiv: number}> = [];
    for (let ht = 0; ht < h.steps; ht++) {
      for (let vt = 0; vt < v.steps; vt++) {
        const hdiv = h.step * ht - h.range / 2.0;
        const vdiv = v.step * vt - v.range / 2.0;
        // trim the rectangular grid to an ellipse (NaN for a zero range never trims)
        let test = (hdiv * hdiv - ((h.step * h.step) / 4.0) * (1 - (h.steps % 2))) / h.range / h.range;
        test += (vdiv * vdiv - ((v.step * v.step) / 4.0) * (1 - (v.steps % 2))) / v.range / v.range;
        if (s.roundDiv && test * 4.0 > 1.1) continue;
        kept.push({hdiv, vdiv});
      }
    }
    divsteps = kept.length;
    const weight = 1.0 / (kept.length * d.steps);
    for (const {hdiv, vdiv} of kept) {
      const back: Vec3 = [-sourceDistanceM * beamVector[0], -sourceDistanceM * beamVector[1], -sourceDistanceM * beamVector[2]];
      const pos = rotateAxis(rotateAxis(back, polarVector, vdiv), vertVector, hdiv);
      for (let dt = 0; dt < d.steps; dt++) {
        const lambdaM = lambda0M * (1.0 + d.step * dt - d.range / 2.0);
        sources.push({direction: unitize(pos).unit, weight, lambdaM});
      }
    }
  }
  return {
    sources,
    lambda0M,
    dispersion: d.range,
    dispsteps: d.steps,
    hdivrangeRad: h.range,
    hdivstepRad: h.step,
    hdivsteps: h.steps,
    vdivrangeRad: v.range,
    vdivstepRad: v.step,
    vdivsteps: v.steps,
    divsteps,
    fluence,
    flux,
  };
}
