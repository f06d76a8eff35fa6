/**
 * Detector geometry: conventions, pivots, rotations and the derived beam centres, exactly as
 * nanoBragg.c sets them up before rendering. All lengths in metres, angles in radians.
 */
import type {Convention, NanoBraggSettings, Pivot} from './args.js';
import type {TraceHook} from './hook.js';
import {fmtG15, fmtVec15} from './format.js';
import {cross, dot, rotateAxis, rotateXYZ, unitize, type Vec3} from './vec.js';

const DBL_MIN = 2.2250738585072014e-308;

export interface Detector {
  convention: Convention;
  pivot: Pivot;
  fpixels: number;
  spixels: number;
  pixelSizeM: number;
  detsizeFM: number;
  detsizeSM: number;
  fdet: Vec3;
  sdet: Vec3;
  odet: Vec3;
  pix0M: Vec3;
  beam: Vec3;
  polarVector: Vec3;
  spindle: Vec3;
  twothetaAxis: Vec3;
  /** beam x polarization, before any detector rotation (C's vert_vector) */
  vertVector: Vec3;
  distanceM: number;
  closeDistanceM: number;
  XbeamM: number;
  YbeamM: number;
  FbeamM: number;
  SbeamM: number;
  XcloseM: number;
  YcloseM: number;
  FcloseM: number;
  ScloseM: number;
  ORGX: number;
  ORGY: number;
  /** mm, along lab z, y and -x */
  dialsOriginMm: Vec3;
  twothetaRad: number;
  curved: boolean;
  pointPixel: boolean;
  roi: {xmin: number; xmax: number; ymin: number; ymax: number};
  warnings: string[];
}

interface ConventionFrame {
  beam: Vec3;
  fdet: Vec3;
  sdet: Vec3;
  odet: Vec3;
  twothetaAxis: Vec3;
  polar: Vec3;
  spindle: Vec3;
}

const FRAMES: Partial<Record<Convention, ConventionFrame>> = {
  ADXV: {beam: [0, 0, 1], fdet: [1, 0, 0], sdet: [0, -1, 0], odet: [0, 0, 1], twothetaAxis: [-1, 0, 0], polar: [1, 0, 0], spindle: [1, 0, 0]},
  MOSFLM: {beam: [1, 0, 0], fdet: [0, 0, 1], sdet: [0, -1, 0], odet: [1, 0, 0], twothetaAxis: [0, 0, -1], polar: [0, 0, 1], spindle: [0, 0, 1]},
  DENZO: {beam: [1, 0, 0], fdet: [0, 0, 1], sdet: [0, -1, 0], odet: [1, 0, 0], twothetaAxis: [0, 0, -1], polar: [0, 0, 1], spindle: [0, 0, 1]},
  XDS: {beam: [0, 0, 1], fdet: [1, 0, 0], sdet: [0, 1, 0], odet: [0, 0, 1], twothetaAxis: [1, 0, 0], polar: [1, 0, 0], spindle: [1, 0, 0]},
  DIALS: {beam: [0, 0, 1], fdet: [1, 0, 0], sdet: [0, 1, 0], odet: [0, 0, 1], twothetaAxis: [0, 1, 0], polar: [0, 1, 0], spindle: [0, 1, 0]},
};

export function buildDetector(s: NanoBraggSettings, hook?: TraceHook): Detector {
  const warnings: string[] = [];
  const pixel = s.pixelSizeM;
  let detsizeF = s.detsizeFM;
  let detsizeS = s.detsizeSM;
  if (s.fpixels) detsizeF = pixel * s.fpixels;
  if (s.spixels) detsizeS = pixel * s.spixels;
  const fpixels = Math.ceil(detsizeF / pixel - 0.5);
  const spixels = Math.ceil(detsizeS / pixel - 0.5);

  let Fclose = NaN;
  let Sclose = NaN;
  if (!Number.isNaN(s.ORGX)) Fclose = (s.ORGX - 0.5) * pixel;
  if (!Number.isNaN(s.ORGY)) Sclose = (s.ORGY - 0.5) * pixel;
  if (Number.isNaN(Fclose)) Fclose = (detsizeF - 0 * pixel) / 2.0;
  if (Number.isNaN(Sclose)) Sclose = (detsizeS + 0 * pixel) / 2.0;
  let Xclose = s.XcloseM;
  let Yclose = s.YcloseM;
  if (Number.isNaN(Xclose)) Xclose = Fclose;
  if (Number.isNaN(Yclose)) Yclose = Sclose;
  let Fbeam = Fclose;
  let Sbeam = Sclose;
  const roi = {
    xmin: s.roi[0] < 0 ? 0 : s.roi[0],
    xmax: s.roi[1] < 0 ? fpixels : s.roi[1],
    ymin: s.roi[2] < 0 ? 0 : s.roi[2],
    ymax: s.roi[3] < 0 ? spixels : s.roi[3],
  };

  let Xbeam = s.XbeamM;
  let Ybeam = s.YbeamM;
  let pivot = s.pivot;
  let beam = s.beam;
  let fdet = s.fdet;
  let sdet = s.sdet;
  let odet = s.odet;
  let twothetaAxis = s.twothetaAxis;
  let polar = s.polarVector;
  let spindle = s.spindle;
  const frame = FRAMES[s.convention];
  if (frame) ({beam, fdet, sdet, odet, twothetaAxis, polar, spindle} = frame);
  switch (s.convention) {
    case 'ADXV':
      if (Number.isNaN(Xbeam)) Xbeam = (detsizeF + pixel) / 2.0;
      if (Number.isNaN(Ybeam)) Ybeam = (detsizeS - pixel) / 2.0;
      Fbeam = Xbeam;
      Sbeam = detsizeS - Ybeam;
      pivot = 'BEAM';
      break;
    case 'MOSFLM':
    case 'DENZO': {
      if (Number.isNaN(Xbeam)) Xbeam = (detsizeS + pixel) / 2.0;
      if (Number.isNaN(Ybeam)) Ybeam = (detsizeF + pixel) / 2.0;
      // MOSFLM puts the first pixel's centre at half a pixel, DENZO at zero
      const half = s.convention === 'MOSFLM' ? 0.5 : 0.0;
      Fbeam = Ybeam + half * pixel;
      Sbeam = Xbeam + half * pixel;
      pivot = 'BEAM';
      break;
    }
    case 'XDS':
    case 'DIALS':
      if (Number.isNaN(Xbeam)) Xbeam = Xclose;
      if (Number.isNaN(Ybeam)) Ybeam = Yclose;
      Fbeam = Xbeam;
      Sbeam = Ybeam;
      pivot = 'SAMPLE';
      break;
    case 'CUSTOM':
      if (Number.isNaN(Xbeam)) Xbeam = Xclose;
      if (Number.isNaN(Ybeam)) Ybeam = Yclose;
      Fbeam = Xbeam;
      Sbeam = Ybeam;
      Fclose = Xbeam;
      Sclose = Ybeam;
      break;
  }

  beam = unitize(beam).unit;
  fdet = unitize(fdet).unit;
  sdet = unitize(sdet).unit;
  const o = unitize(odet);
  odet = o.unit;
  if (o.length !== 1.0) {
    warnings.push('WARNING: auto-generating odet_vector');
    odet = unitize(cross(fdet, sdet)).unit;
  }
  polar = unitize(polar).unit;
  spindle = unitize(spindle).unit;
  const vertVector = unitize(cross(beam, polar)).unit;

  const [rotx, roty, rotz] = s.detectorRotRad;
  const twotheta = s.twothetaRad;
  // the distance flag is measured along the beam; the detector normal may be tilted from it
  let ratio = dot(beam, rotateXYZ(odet, rotx, roty, rotz));
  if (ratio === 0.0) ratio = DBL_MIN;
  let closeDistance = s.closeDistanceM;
  if (Number.isNaN(closeDistance)) closeDistance = Math.abs(ratio * s.distanceM);
  let distance = closeDistance / ratio;

  let pix0: Vec3 = [0, 0, 0];
  if (pivot === 'SAMPLE') {
    if (hook) {
      hook.setup('detector_convention', s.convention);
      hook.setup('angles_rad', `rotx:${fmtG15(rotx)} roty:${fmtG15(roty)} rotz:${fmtG15(rotz)} twotheta:${fmtG15(twotheta)}`);
      // C divides the metre values by 1000 once more in this log line
      hook.setup('beam_center_m', `Xclose:${fmtG15(Xclose / 1000.0)} Yclose:${fmtG15(Yclose / 1000.0)} pixel_mm:${fmtG15(pixel * 1000.0)}`);
      hook.setup('initial_fdet', fmtVec15(fdet));
      hook.setup('initial_sdet', fmtVec15(sdet));
      hook.setup('initial_odet', fmtVec15(odet));
      hook.setup('Fclose_m', fmtG15(Fclose));
      hook.setup('Sclose_m', fmtG15(Sclose));
      hook.setup('close_distance_m', fmtG15(closeDistance));
      hook.setup('ratio', fmtG15(ratio));
      hook.setup('distance_m', fmtG15(distance));
      hook.setup('term_fast_before_rot', fmtVec15([-Fclose * fdet[0], -Fclose * fdet[1], -Fclose * fdet[2]]));
      hook.setup('term_slow_before_rot', fmtVec15([-Sclose * sdet[0], -Sclose * sdet[1], -Sclose * sdet[2]]));
      hook.setup('term_close_before_rot', fmtVec15([closeDistance * odet[0], closeDistance * odet[1], closeDistance * odet[2]]));
    }
    pix0 = [0, 1, 2].map((k) => -Fclose * fdet[k] - Sclose * sdet[k] + closeDistance * odet[k]) as Vec3;
    hook?.setup('pix0_before_rotation', fmtVec15(pix0));
    pix0 = rotateXYZ(pix0, rotx, roty, rotz);
    hook?.setup('pix0_after_rotz', fmtVec15(pix0));
    pix0 = rotateAxis(pix0, twothetaAxis, twotheta);
    hook?.setup('pix0_after_twotheta', fmtVec15(pix0));
  }
  fdet = rotateXYZ(fdet, rotx, roty, rotz);
  sdet = rotateXYZ(sdet, rotx, roty, rotz);
  odet = rotateXYZ(odet, rotx, roty, rotz);
  if (hook) traceAxes(hook, fdet, sdet, odet, twothetaAxis, 'rotz');
  fdet = rotateAxis(fdet, twothetaAxis, twotheta);
  sdet = rotateAxis(sdet, twothetaAxis, twotheta);
  odet = rotateAxis(odet, twothetaAxis, twotheta);
  if (hook) traceAxes(hook, fdet, sdet, odet, twothetaAxis, 'twotheta');

  if (pivot === 'BEAM') {
    if (hook) traceBeamPivot(hook, {rotx, roty, rotz, twotheta, Xbeam, Ybeam, pixel, fdet, sdet, odet, twothetaAxis, Fbeam, Sbeam, distance, beam});
    pix0 = [0, 1, 2].map((k) => -Fbeam * fdet[k] - Sbeam * sdet[k] + distance * beam[k]) as Vec3;
    hook?.setup('pix0_vector', fmtVec15(pix0));
  }

  Fclose = -dot(pix0, fdet);
  Sclose = -dot(pix0, sdet);
  closeDistance = dot(pix0, odet);
  const toBeam: Vec3 = [0, 1, 2].map((k) => (closeDistance / ratio) * beam[k] - pix0[k]) as Vec3;
  Fbeam = dot(fdet, toBeam);
  Sbeam = dot(sdet, toBeam);
  distance = closeDistance / ratio;
  const ORGX = Fclose / pixel + 0.5;
  const ORGY = Sclose / pixel + 0.5;
  const dialsOriginMm: Vec3 = [1000.0 * dot(pix0, [0, 0, 1]), 1000.0 * dot(pix0, [0, 1, 0]), 1000.0 * dot(pix0, [-1, 0, 0])];

  return {
    convention: s.convention,
    pivot,
    fpixels,
    spixels,
    pixelSizeM: pixel,
    detsizeFM: detsizeF,
    detsizeSM: detsizeS,
    fdet,
    sdet,
    odet,
    pix0M: pix0,
    beam,
    polarVector: polar,
    spindle,
    twothetaAxis,
    vertVector,
    distanceM: distance,
    closeDistanceM: closeDistance,
    XbeamM: Xbeam,
    YbeamM: Ybeam,
    FbeamM: Fbeam,
    SbeamM: Sbeam,
    XcloseM: Xclose,
    YcloseM: Yclose,
    FcloseM: Fclose,
    ScloseM: Sclose,
    ORGX,
    ORGY,
    dialsOriginMm,
    twothetaRad: twotheta,
    curved: s.curvedDetector,
    pointPixel: s.pointPixel,
    roi,
    warnings,
  };
}

function traceAxes(hook: TraceHook, f: Vec3, s: Vec3, o: Vec3, axis: Vec3, stage: 'rotz' | 'twotheta'): void {
  if (stage === 'twotheta') hook.setup('twotheta_axis', fmtVec15(axis));
  hook.setup(`fdet_after_${stage}`, fmtVec15(f));
  hook.setup(`sdet_after_${stage}`, fmtVec15(s));
  hook.setup(`odet_after_${stage}`, fmtVec15(o));
}

/** The BEAM-pivot set-up block, in the order and with the labels the C tracer uses. */
function traceBeamPivot(
  hook: TraceHook,
  g: {rotx: number; roty: number; rotz: number; twotheta: number; Xbeam: number; Ybeam: number; pixel: number; fdet: Vec3; sdet: Vec3; odet: Vec3; twothetaAxis: Vec3; Fbeam: number; Sbeam: number; distance: number; beam: Vec3},
): void {
  // C labels every BEAM-pivot run MOSFLM here, whatever the convention (a logging quirk)
  hook.setup('detector_convention', 'MOSFLM');
  hook.setup('angles_rad', `rotx:${fmtG15(g.rotx)} roty:${fmtG15(g.roty)} rotz:${fmtG15(g.rotz)} twotheta:${fmtG15(g.twotheta)}`);
  hook.setup('beam_center_m', `X:${fmtG15(g.Xbeam / 1000.0)} Y:${fmtG15(g.Ybeam / 1000.0)} pixel_mm:${fmtG15(g.pixel * 1000.0)}`);
  hook.setup('initial_fdet', '0 0 1');
  hook.setup('initial_sdet', '0 -1 0');
  hook.setup('initial_odet', '1 0 0');
  const [cx, sx, cy, sy, cz, sz] = [Math.cos(g.rotx), Math.sin(g.rotx), Math.cos(g.roty), Math.sin(g.roty), Math.cos(g.rotz), Math.sin(g.rotz)];
  const Rx = [[1, 0, 0], [0, cx, -sx], [0, sx, cx]];
  const Ry = [[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]];
  const Rz = [[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]];
  const mul = (A: number[][], B: number[][]) =>
    A.map((_row, i) => B[0].map((_, j) => {
      let acc = 0;
      for (let k = 0; k < 3; k++) acc += A[i][k] * B[k][j];
      return acc;
    }));
  const mat = (M: number[][]) => `[${M.map((r) => r.map(fmtG15).join(' ')).join('; ')}]`;
  hook.setup('Rx', mat(Rx));
  hook.setup('Ry', mat(Ry));
  hook.setup('Rz', mat(Rz));
  hook.setup('R_total', mat(mul(Rz, mul(Ry, Rx))));
  traceAxes(hook, g.fdet, g.sdet, g.odet, g.twothetaAxis, 'rotz');
  traceAxes(hook, g.fdet, g.sdet, g.odet, g.twothetaAxis, 'twotheta');
  hook.setup('convention_mapping', 'Fbeam←Ybeam_mm(+0.5px),Sbeam←Xbeam_mm(+0.5px),beam_vec=[1 0 0]');
  hook.setup('Fbeam_m', fmtG15(g.Fbeam));
  hook.setup('Sbeam_m', fmtG15(g.Sbeam));
  hook.setup('distance_m', fmtG15(g.distance));
  hook.setup('term_fast', fmtVec15([-g.Fbeam * g.fdet[0], -g.Fbeam * g.fdet[1], -g.Fbeam * g.fdet[2]]));
  hook.setup('term_slow', fmtVec15([-g.Sbeam * g.sdet[0], -g.Sbeam * g.sdet[1], -g.Sbeam * g.sdet[2]]));
  hook.setup('term_beam', fmtVec15([g.distance * g.beam[0], g.distance * g.beam[1], g.distance * g.beam[2]]));
}

/** Pixels a frame renders: the ROI (inclusive bounds, C's defaults one past the edge) within the detector. */
export function renderedPixels(d: Pick<Detector, 'fpixels' | 'spixels' | 'roi'>): number {
  const cols = Math.min(d.roi.xmax, d.fpixels - 1) - Math.max(d.roi.xmin, 0) + 1;
  const rows = Math.min(d.roi.ymax, d.spixels - 1) - Math.max(d.roi.ymin, 0) + 1;
  return Math.max(0, cols) * Math.max(0, rows);
}
