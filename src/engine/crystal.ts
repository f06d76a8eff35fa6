/**
 * The crystal: unit cell (from -cell or a MOSFLM -mat file), misset, the real and reciprocal
 * cell vectors, the number of cells per axis, and the mosaic domain rotations.
 */
import type {NanoBraggSettings} from './args.js';
import {MalformedInputError} from './errors.js';
import {readInputFile} from '../io/input.js';
import {CRandom, seedRef, umat2misset} from './rng.js';
import {cross, dot, magnitude, rescale, rotateXYZ, scale, type Vec3} from './vec.js';

const RTD = 180.0 * (1 / Math.PI);
const DBL_MIN = 2.2250738585072014e-308;

export interface Crystal {
  /** unrotated real-space cell vectors (phi = 0, mosaic domain 0), metres */
  a0M: Vec3;
  b0M: Vec3;
  c0M: Vec3;
  /** reciprocal vectors in 1/Angstrom; C never rotates these (the trace prints them as is) */
  aStarAinv: Vec3;
  bStarAinv: Vec3;
  cStarAinv: Vec3;
  cellVolumeA3: number;
  Na: number;
  Nb: number;
  Nc: number;
  /** largest crystal dimension, metres */
  xtalsizeMaxM: number;
  /** misset angles actually applied (random ones included), radians */
  missetRad?: Vec3;
  /** row-major 3x3 rotation per mosaic domain; domain 0 is the identity */
  mosaicUmats: Float64Array;
  mosaicDomains: number;
  mosaicSpreadRad: number;
  notes: string[];
}

/** C's mosaic-domain count rules (warnings included). */
export function resolveMosaic(s: NanoBraggSettings, notes: string[]): {domains: number; spreadRad: number} {
  let domains = s.mosaicDomains;
  let spread = s.mosaicSpreadRad;
  if (domains <= 0) {
    if (spread < 0.0) {
      domains = 1;
      spread = 0.0;
    } else if (spread === 0.0) domains = 1;
    else {
      notes.push('WARNING: finite mosaicity with only one domain! upping to 10 mosaic domains');
      domains = 10;
    }
  } else if (spread < 0.0) {
    notes.push('WARNING: no mosaic spread specified.  setting mosaic_domains = 1');
    spread = 0.0;
    domains = 1;
  } else if (spread === 0.0) {
    notes.push('WARNING: zero mosaic spread specified.  setting mosaic_domains = 1');
    domains = 1;
  }
  return {domains, spreadRad: spread};
}

/** Reciprocal vectors (1/A) for a cell given by lengths (A) and angles (rad), in C's default orientation. */
function reciprocalFromCell(len: Vec3, anglesRad: Vec3, notes: string[]): {aStar: Vec3; bStar: Vec3; cStar: Vec3; Vcell: number; len: Vec3} {
  let [a, b, c] = len;
  let [alpha, beta, gamma] = anglesRad;
  if (b <= 0.0) b = a;
  if (c <= 0.0) c = a;
  if (alpha <= 0.0) alpha = Math.PI / 2;
  if (beta <= 0.0) beta = Math.PI / 2;
  if (gamma <= 0.0) gamma = Math.PI / 2;
  const aavg = (alpha + beta + gamma) / 2;
  let skew = Math.sin(aavg) * Math.sin(aavg - alpha) * Math.sin(aavg - beta) * Math.sin(aavg - gamma);
  if (skew < 0.0) skew = -skew;
  let Vcell = 2.0 * a * b * c * Math.sqrt(skew);
  if (Vcell <= 0.0) {
    notes.push(`WARNING: impossible unit cell volume: ${Vcell}`);
    Vcell = DBL_MIN;
  }
  const Vstar = 1.0 / Vcell;
  let aS = b * c * Math.sin(alpha) * Vstar;
  let bS = c * a * Math.sin(beta) * Vstar;
  let cS = a * b * Math.sin(gamma) * Vstar;
  if (aS <= 0.0 || bS <= 0.0 || cS <= 0.0) {
    notes.push('WARNING: impossible reciprocal cell lengths');
    aS = Math.abs(aS) || DBL_MIN;
    bS = Math.abs(bS) || DBL_MIN;
    cS = Math.abs(cS) || DBL_MIN;
  }
  let sinGammaStar = (c * Vstar) / aS / bS;
  let cosAlphaStar = (Math.cos(beta) * Math.cos(gamma) - Math.cos(alpha)) / (Math.sin(beta) * Math.sin(gamma));
  let cosBetaStar = (Math.cos(gamma) * Math.cos(alpha) - Math.cos(beta)) / (Math.sin(gamma) * Math.sin(alpha));
  let cosGammaStar = (Math.cos(alpha) * Math.cos(beta) - Math.cos(gamma)) / (Math.sin(alpha) * Math.sin(beta));
  if (sinGammaStar > 1.0) sinGammaStar = 1.0;
  if (sinGammaStar < -1.0) sinGammaStar = -1.0;
  // C clamps an out-of-range cosine to +1 whatever its sign
  if (cosAlphaStar * cosAlphaStar > 1.0) cosAlphaStar = 1.0;
  if (cosBetaStar * cosBetaStar > 1.0) cosBetaStar = 1.0;
  if (cosGammaStar * cosGammaStar > 1.0) cosGammaStar = 1.0;
  return {
    aStar: [aS, 0.0, 0.0],
    bStar: [bS * cosGammaStar, bS * sinGammaStar, 0.0],
    cStar: [
      cS * cosBetaStar,
      (cS * (cosAlphaStar - cosBetaStar * cosGammaStar)) / sinGammaStar,
      (cS * Vcell) / (a * b * c * sinGammaStar),
    ],
    Vcell,
    len: [a, b, c],
  };
}

/** A MOSFLM matrix file: three lines of a*, b*, c* components along x, y, z (scaled by 1/lambda). */
export function readMatFile(path: string): {aStar: Vec3; bStar: Vec3; cStar: Vec3} {
  return parseMatText(readInputFile(path, `-mat ${path}`).toString('utf8'), path);
}

/** A MOSFLM matrix text already read (`path` names it in errors); MalformedInputError if bad. */
export function parseMatText(text: string, path: string): {aStar: Vec3; bStar: Vec3; cStar: Vec3} {
  const tokens = text.trim().split(/\s+/).filter(Boolean).slice(0, 9);
  const values = tokens.map(Number);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  // name the token: a NaN among nine counts as one of them, so "found 8" would mislead
  if (bad >= 0) throw new MalformedInputError(`-mat ${path}: value ${bad + 1} of 9 is '${tokens[bad].slice(0, 40)}', not a finite number (3x3 A matrix)`);
  if (values.length < 9) throw new MalformedInputError(`-mat ${path}: expected 9 numbers (3x3 A matrix), found ${values.length}`);
  const col = (k: number): Vec3 => [values[k], values[3 + k], values[6 + k]];
  return {aStar: col(0), bStar: col(1), cStar: col(2)};
}

export interface CrystalInputs {
  settings: NanoBraggSettings;
  lambda0M: number;
  sampleM: Vec3;
  rng: CRandom;
  /** file reads are relative to the working folder, as in C */
  readMat?: (path: string) => {aStar: Vec3; bStar: Vec3; cStar: Vec3};
}

export function buildCrystal({settings: s, lambda0M, sampleM, rng, readMat = readMatFile}: CrystalInputs): Crystal {
  const notes: string[] = [];
  let aStar: Vec3 = [0, 0, 0];
  let bStar: Vec3 = [0, 0, 0];
  let cStar: Vec3 = [0, 0, 0];
  let userLen: Vec3 = [...s.cellA];
  let userVcell = 0;
  if (s.userCell) {
    const r = reciprocalFromCell(s.cellA, s.cellAnglesRad, notes);
    ({aStar, bStar, cStar} = r);
    userLen = r.len;
    userVcell = r.Vcell;
  }
  if (s.matFile) {
    const m = readMat(s.matFile);
    // the MOSFLM matrix carries the wavelength; divide it out
    const k = 1e-10 / lambda0M;
    aStar = scale(m.aStar, k);
    bStar = scale(m.bStar, k);
    cStar = scale(m.cStar, k);
  }

  let missetRad: Vec3 | undefined;
  if (s.misset.kind === 'random') {
    // C asks for a 90-"degree" cap: the function takes radians, so this is a full sphere
    const umat = rng.mosaicRotationUmat(90.0, seedRef(s.missetSeed));
    missetRad = umat2misset(umat);
    notes.push(`random orientation misset angles: ${missetRad.map((x) => (x * RTD).toFixed(6)).join(' ')} deg`);
  } else if (s.misset.kind === 'angles') missetRad = s.misset.rad;
  if (missetRad) {
    aStar = rotateXYZ(aStar, missetRad[0], missetRad[1], missetRad[2]);
    bStar = rotateXYZ(bStar, missetRad[0], missetRad[1], missetRad[2]);
    cStar = rotateXYZ(cStar, missetRad[0], missetRad[1], missetRad[2]);
  }

  let aSxbS = cross(aStar, bStar);
  let bSxcS = cross(bStar, cStar);
  let cSxaS = cross(cStar, aStar);
  let Vstar = dot(aStar, bSxcS);
  if (s.userCell) {
    // force |b* x c*| = a / V so the user's cell lengths survive the matrix round trip
    bSxcS = rescale(bSxcS, userLen[0] / userVcell);
    cSxaS = rescale(cSxaS, userLen[1] / userVcell);
    aSxbS = rescale(aSxbS, userLen[2] / userVcell);
    Vstar = 1.0 / userVcell;
  }
  const Vcell = 1.0 / Vstar;
  const a = scale(bSxcS, Vcell);
  const b = scale(cSxaS, Vcell);
  const c = scale(aSxbS, Vcell);
  aStar = scale(cross(b, c), Vstar);
  bStar = scale(cross(c, a), Vstar);
  cStar = scale(cross(a, b), Vstar);

  const a0M = scale(a, 1e-10);
  const b0M = scale(b, 1e-10);
  const c0M = scale(c, 1e-10);
  let {Na, Nb, Nc} = s;
  if (sampleM[0] > 0) Na = Math.ceil(sampleM[0] / magnitude(a0M));
  if (sampleM[1] > 0) Nb = Math.ceil(sampleM[1] / magnitude(b0M));
  if (sampleM[2] > 0) Nc = Math.ceil(sampleM[2] / magnitude(c0M));
  if (Na <= 1.0) Na = 1.0;
  if (Nb <= 1.0) Nb = 1.0;
  if (Nc <= 1.0) Nc = 1.0;
  const xtalsizeMaxM = Math.max(magnitude(a0M) * Na, magnitude(b0M) * Nb, magnitude(c0M) * Nc);

  const {domains, spreadRad} = resolveMosaic(s, notes);
  const mosaicUmats = new Float64Array(9 * domains);
  const mosaicSeed = seedRef(s.mosaicSeed);
  for (let m = 0; m < domains; m++) {
    // domain 0 still draws its deviates (keeping the sequence) and is then forced to identity
    const u = rng.mosaicRotationUmat(Math.fround(spreadRad), mosaicSeed);
    mosaicUmats.set(m === 0 ? [1, 0, 0, 0, 1, 0, 0, 0, 1] : u, 9 * m);
  }

  return {
    a0M,
    b0M,
    c0M,
    aStarAinv: aStar,
    bStarAinv: bStar,
    cStarAinv: cStar,
    cellVolumeA3: Vcell,
    Na,
    Nb,
    Nc,
    xtalsizeMaxM,
    missetRad,
    mosaicUmats,
    mosaicDomains: domains,
    mosaicSpreadRad: spreadRad,
    notes,
  };
}
