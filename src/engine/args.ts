/**
 * The nanoBragg command line, parsed the way nanoBragg.c parses it.
 *
 * C matches most flags by substring (`strstr`), checks every rule against every token, and lets
 * some tokens trigger several rules. We keep that rule table (in C's order) so a token does what
 * it does in C, and add what C lacks: a token that starts with '-', is not a number and matches no
 * rule is an error, as is a value that is not a number or a missing value. The quirks that change
 * results are listed in schemas/c-behaviours.json (e.g. `-mosaic_seed` also sets `-seed`).
 *
 * Units: everything here is already in the C program's internal units (metres, radians, 1/m...).
 */
import {UserError} from './errors.js';
import type {Vec3} from './vec.js';

export type Convention = 'CUSTOM' | 'ADXV' | 'MOSFLM' | 'XDS' | 'DIALS' | 'DENZO';
export type Pivot = 'SAMPLE' | 'BEAM';
export type Shape = 'SQUARE' | 'ROUND' | 'GAUSS' | 'TOPHAT';

const RTD = 180.0 * (1 / Math.PI);

/** Header values of an SMV file that -img and -mask may use to initialise the geometry. */
export interface SmvHeaderSource {
  width: number;
  height: number;
  /** last occurrence of a key, parsed with atof semantics; NaN when absent */
  value(key: string): number;
  /** pixel values (only needed for the mask) */
  pixels: Uint16Array;
}

export interface NanoBraggSettings {
  // inputs
  matFile?: string;
  hklFile?: string;
  imgFile?: string;
  maskFile?: string;
  sourceFile?: string;
  stolFile?: string;
  // outputs (C always writes float, int and (unless -nopgm) pgm files under these default names)
  floatFile: string;
  intFile: string;
  pgmFile: string;
  noiseFile: string;
  writePgm: boolean;
  calculateNoise: boolean;
  intfileScale: number;
  pgmScale: number;
  adcOffset: number;
  // crystal
  userCell: boolean;
  cellA: Vec3Len; // a, b, c lengths in Angstrom (0 = unset)
  cellAnglesRad: [number, number, number];
  misset: {kind: 'none'} | {kind: 'random'} | {kind: 'angles'; rad: Vec3};
  Na: number;
  Nb: number;
  Nc: number;
  sampleXM: number;
  sampleYM: number;
  sampleZM: number;
  shape: Shape;
  fudge: number;
  mosaicSpreadRad: number;
  mosaicDomains: number;
  defaultF: number;
  interpolate: number; // 2 = auto, 1 = on, 0 = off
  // beam
  lambda0M: number;
  dispersion: number;
  dispsteps: number;
  hdivrangeRad: number;
  vdivrangeRad: number;
  hdivstepRad: number;
  vdivstepRad: number;
  hdivsteps: number;
  vdivsteps: number;
  roundDiv: boolean;
  fluence: number;
  flux: number;
  exposureS: number;
  beamsizeM: number;
  polarization: number;
  nopolar: boolean;
  waterSizeM: number;
  // detector
  convention: Convention;
  pivot: Pivot;
  pixelSizeM: number;
  fpixels: number;
  spixels: number;
  detsizeFM: number;
  detsizeSM: number;
  distanceM: number;
  closeDistanceM: number;
  XbeamM: number;
  YbeamM: number;
  XcloseM: number;
  YcloseM: number;
  ORGX: number;
  ORGY: number;
  detectorRotRad: Vec3;
  twothetaRad: number;
  fdet: Vec3;
  sdet: Vec3;
  odet: Vec3;
  beam: Vec3;
  polarVector: Vec3;
  spindle: Vec3;
  twothetaAxis: Vec3;
  curvedDetector: boolean;
  pointPixel: boolean;
  detectorMu: number;
  detectorThickM: number;
  detectorThicksteps: number;
  // sampling
  phi0Rad: number;
  oscRad: number;
  phistepRad: number;
  phisteps: number;
  oversample: number;
  oversampleThick: boolean;
  oversamplePolar: boolean;
  oversampleOmega: boolean;
  roi: [number, number, number, number]; // xmin xmax ymin ymax, -1 = unset
  dminM: number;
  // random seeds (C stores them negated)
  seed: number;
  seedGiven: boolean;
  mosaicSeed: number;
  missetSeed: number;
  missetSeedGiven: boolean;
  // diagnostics
  tracePixel?: [number, number]; // slow, fast
  progress: boolean;
  /** the mask pixels, when -mask named a readable SMV file */
  mask?: Uint16Array;
  /** notes on C behaviours this command line triggered (quirk ids from schemas/c-behaviours.json) */
  quirks: string[];
}

type Vec3Len = [number, number, number];

export function defaultSettings(nowSeconds = Math.floor(Date.now() / 1000)): NanoBraggSettings {
  const seed = -nowSeconds;
  return {
    floatFile: 'floatimage.bin',
    intFile: 'intimage.img',
    pgmFile: 'image.pgm',
    noiseFile: 'noiseimage.img',
    writePgm: true,
    calculateNoise: true,
    intfileScale: 0,
    pgmScale: 0,
    adcOffset: 40,
    userCell: false,
    cellA: [0, 0, 0],
    cellAnglesRad: [0, 0, 0],
    misset: {kind: 'none'},
    Na: 1,
    Nb: 1,
    Nc: 1,
    sampleXM: 0,
    sampleYM: 0,
    sampleZM: 0,
    shape: 'SQUARE',
    fudge: 1,
    mosaicSpreadRad: -1,
    mosaicDomains: -1,
    defaultF: 0,
    interpolate: 2,
    lambda0M: 1.0e-10,
    dispersion: 0,
    dispsteps: -1,
    hdivrangeRad: -1,
    vdivrangeRad: -1,
    hdivstepRad: -1,
    vdivstepRad: -1,
    hdivsteps: -1,
    vdivsteps: -1,
    roundDiv: true,
    fluence: 125932015286227086360700780544.0,
    flux: 0,
    exposureS: 1,
    beamsizeM: 1e-4,
    polarization: 0,
    nopolar: false,
    waterSizeM: 0,
    convention: 'MOSFLM',
    pivot: 'BEAM',
    pixelSizeM: 0.1e-3,
    fpixels: 0,
    spixels: 0,
    detsizeFM: 102.4e-3,
    detsizeSM: 102.4e-3,
    distanceM: 100.0e-3,
    closeDistanceM: NaN,
    XbeamM: NaN,
    YbeamM: NaN,
    XcloseM: NaN,
    YcloseM: NaN,
    ORGX: NaN,
    ORGY: NaN,
    detectorRotRad: [0, 0, 0],
    twothetaRad: 0,
    fdet: [0, 0, 1],
    sdet: [0, -1, 0],
    odet: [1, 0, 0],
    beam: [1, 0, 0],
    polarVector: [0, 0, 1],
    spindle: [0, 0, 1],
    twothetaAxis: [0, 1, 0],
    curvedDetector: false,
    pointPixel: false,
    detectorMu: -1,
    detectorThickM: 0,
    detectorThicksteps: -1,
    phi0Rad: 0,
    oscRad: -1,
    phistepRad: -1,
    phisteps: -1,
    oversample: -1,
    oversampleThick: false,
    oversamplePolar: false,
    oversampleOmega: false,
    roi: [-1, -1, -1, -1],
    dminM: 0,
    seed,
    seedGiven: false,
    mosaicSeed: -12345678,
    missetSeed: seed,
    missetSeedGiven: false,
    progress: true,
    quirks: [],
  };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const isNumberToken = (t: string) => NUMBER.test(t) || /^[+-]?(inf|infinity|nan)$/i.test(t);

function toFloat(flag: string, tok: string | undefined): number {
  if (tok === undefined) throw new UserError(`${flag}: missing value`);
  if (!isNumberToken(tok)) throw new UserError(`${flag}: expected a number, got '${tok}'`);
  return Number.parseFloat(tok.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'));
}

/**
 * C reads integer flags with atoi, which stops at the first character that is not a digit:
 * `1e2` is 1 and `2.5` is 2. A value whose atoi reading differs from the number written would
 * be silently misread by C, so it is refused rather than guessed either way; `2.0` and `1e0`,
 * which C reads as written, pass.
 */
function toInt(flag: string, tok: string | undefined): number {
  const v = toFloat(flag, tok);
  if (!Number.isFinite(v)) throw new UserError(`${flag}: expected an integer, got '${tok}'`);
  const atoi = Number(/^\s*[+-]?\d*/.exec(tok!)![0].replace(/^\s*[+-]?$/, '0'));
  if (atoi !== v) throw new UserError(`${flag}: expected an integer, got '${tok}' (nanoBragg's atoi would read it as ${atoi})`);
  return atoi;
}

function toFile(flag: string, tok: string | undefined): string {
  if (tok === undefined || tok === '') throw new UserError(`${flag}: missing file name`);
  return tok;
}

interface Ctx {
  s: NanoBraggSettings;
  flag: string;
  v: (k: number) => string | undefined; // k-th value after the flag (1-based)
  f: (k: number) => number;
  i: (k: number) => number;
  file: (k: number) => string;
  vec: () => Vec3;
}

interface Rule {
  match: (tok: string) => boolean;
  /** number of values the rule takes (for -cell: computed) */
  arity: number | ((ctx: Ctx) => number);
  apply: (ctx: Ctx) => void;
  /** C's `continue`: no later rule sees this token */
  stop?: boolean;
  quirk?: string;
}

const has = (...subs: string[]) => (t: string) => subs.some((x) => t.includes(x));
const is = (x: string) => (t: string) => t === x;
const hasLen = (x: string, n: number) => (t: string) => t.includes(x) && t.length === n;

const RULES: Rule[] = [
  {match: has('-Na'), arity: 1, stop: true, apply: (c) => (c.s.Na = c.i(1))},
  {match: has('-Nb'), arity: 1, stop: true, apply: (c) => (c.s.Nb = c.i(1))},
  {match: has('-Nc'), arity: 1, stop: true, apply: (c) => (c.s.Nc = c.i(1))},
  {match: is('-N'), arity: 1, stop: true, apply: (c) => (c.s.Na = c.s.Nb = c.s.Nc = c.i(1))},
  {
    match: has('-cell'),
    // C reads up to six values and stops at the first token that starts with '-'
    arity: (c) => {
      let n = 0;
      while (n < 6 && c.v(n + 1) !== undefined && !c.v(n + 1)!.startsWith('-')) n++;
      return n;
    },
    apply: (c) => {
      c.s.userCell = true;
      const vals: number[] = [];
      for (let k = 1; k <= 6 && c.v(k) !== undefined && !c.v(k)!.startsWith('-'); k++) vals.push(c.f(k));
      for (let k = 0; k < Math.min(3, vals.length); k++) c.s.cellA[k] = vals[k];
      for (let k = 3; k < vals.length; k++) c.s.cellAnglesRad[k - 3] = vals[k] / RTD;
    },
  },
  {
    match: (t) => t === '-misset',
    arity: (c) => (c.v(1)?.includes('rand') ? 1 : 3),
    apply: (c) => {
      if (c.v(1)?.includes('rand')) c.s.misset = {kind: 'random'};
      else c.s.misset = {kind: 'angles', rad: [c.f(1) / RTD, c.f(2) / RTD, c.f(3) / RTD]};
    },
  },
  {match: has('-samplesize', '-sample_size'), arity: 1, apply: (c) => (c.s.sampleXM = c.s.sampleYM = c.s.sampleZM = c.f(1) / 1000)},
  {match: has('-sample_thick', '-sample_x'), arity: 1, apply: (c) => (c.s.sampleXM = c.f(1) / 1000)},
  {match: has('-sample_width', '-sample_y', '-width'), arity: 1, apply: (c) => (c.s.sampleYM = c.f(1) / 1000)},
  {match: has('-sample_heigh', '-sample_z', '-heigh'), arity: 1, apply: (c) => (c.s.sampleZM = c.f(1) / 1000)},
  {match: has('-xtalsize', '-xtal_size'), arity: 1, apply: (c) => (c.s.sampleXM = c.s.sampleYM = c.s.sampleZM = c.f(1) / 1000)},
  {match: has('-xtal_thick', '-xtal_x'), arity: 1, apply: (c) => (c.s.sampleXM = c.f(1) / 1000)},
  {match: has('-xtal_width', '-xtal_y', '-width'), arity: 1, apply: (c) => (c.s.sampleYM = c.f(1) / 1000)},
  {match: has('-xtal_heigh', '-xtal_z', '-heigh'), arity: 1, apply: (c) => (c.s.sampleZM = c.f(1) / 1000)},
  // density and molecular weight are parsed but C overwrites both before use
  {match: has('-density', '-sample_den'), arity: 1, apply: (c) => void c.f(1)},
  {match: (t) => t === '-MW' || t.includes('-molec'), arity: 1, apply: (c) => void c.f(1)},
  {match: has('-Xbeam'), arity: 1, apply: (c) => ((c.s.XbeamM = c.f(1) / 1000.0), (c.s.pivot = 'BEAM'))},
  {match: has('-Ybeam'), arity: 1, apply: (c) => ((c.s.YbeamM = c.f(1) / 1000.0), (c.s.pivot = 'BEAM'))},
  {match: has('-Xclose'), arity: 1, apply: (c) => ((c.s.XcloseM = c.f(1) / 1000.0), (c.s.pivot = 'SAMPLE'))},
  {match: has('-Yclose'), arity: 1, apply: (c) => ((c.s.YcloseM = c.f(1) / 1000.0), (c.s.pivot = 'SAMPLE'))},
  {match: has('-ORGX'), arity: 1, apply: (c) => ((c.s.ORGX = c.f(1)), (c.s.pivot = 'SAMPLE'))},
  {match: has('-ORGY'), arity: 1, apply: (c) => ((c.s.ORGY = c.f(1)), (c.s.pivot = 'SAMPLE'))},
  {
    match: has('-pivot'),
    arity: 1,
    apply: (c) => {
      const v = c.v(1)!;
      if (!v.includes('sample') && !v.includes('beam')) throw new UserError(`-pivot: expected 'beam' or 'sample', got '${v}'`);
      if (v.includes('sample')) c.s.pivot = 'SAMPLE';
      if (v.includes('beam')) c.s.pivot = 'BEAM';
    },
  },
  {match: has('-mosflm'), arity: 0, apply: (c) => ((c.s.convention = 'MOSFLM'), (c.s.pivot = 'BEAM'))},
  {match: has('-xds'), arity: 0, apply: (c) => ((c.s.convention = 'XDS'), (c.s.pivot = 'SAMPLE'))},
  {match: has('-adxv'), arity: 0, apply: (c) => ((c.s.convention = 'ADXV'), (c.s.pivot = 'BEAM'))},
  {match: has('-denzo'), arity: 0, apply: (c) => ((c.s.convention = 'DENZO'), (c.s.pivot = 'BEAM'))},
  {match: has('-dials'), arity: 0, apply: (c) => ((c.s.convention = 'DIALS'), (c.s.pivot = 'BEAM'))},
  {match: has('-fdet_vector'), arity: 3, apply: (c) => ((c.s.convention = 'CUSTOM'), (c.s.fdet = c.vec()))},
  {match: has('-sdet_vector'), arity: 3, apply: (c) => ((c.s.convention = 'CUSTOM'), (c.s.sdet = c.vec()))},
  {match: has('-odet_vector'), arity: 3, apply: (c) => ((c.s.convention = 'CUSTOM'), (c.s.odet = c.vec()))},
  {match: has('-beam_vector'), arity: 3, apply: (c) => ((c.s.convention = 'CUSTOM'), (c.s.beam = c.vec()))},
  {match: has('-polar_vector'), arity: 3, apply: (c) => ((c.s.convention = 'CUSTOM'), (c.s.polarVector = c.vec()))},
  {match: has('-spindle_axis'), arity: 3, apply: (c) => ((c.s.convention = 'CUSTOM'), (c.s.spindle = c.vec()))},
  {match: has('-twotheta_axis'), arity: 3, apply: (c) => ((c.s.convention = 'CUSTOM'), (c.s.twothetaAxis = c.vec()))},
  {
    // C recomputes pix0 from the beam centre in both pivots, so the given vector only switches
    // the convention to CUSTOM; -pix0_vector_mm lands here too (substring match).
    match: has('-pix0_vector'),
    arity: 3,
    quirk: 'pix0-vector-ignored',
    apply: (c) => ((c.s.convention = 'CUSTOM'), void c.vec()),
  },
  {match: has('-distance'), arity: 1, apply: (c) => ((c.s.distanceM = c.f(1) / 1000.0), (c.s.pivot = 'BEAM'))},
  {match: has('-close_distance'), arity: 1, apply: (c) => ((c.s.closeDistanceM = c.f(1) / 1000.0), (c.s.pivot = 'SAMPLE'))},
  {
    match: has('-detector_abs'),
    arity: 1,
    apply: (c) => {
      const v = c.v(1)!;
      if (v.includes('inf') || (isNumberToken(v) && Number.parseFloat(v) === 0)) {
        c.s.detectorThickM = 0;
        c.s.detectorMu = 0;
      } else c.s.detectorMu = 1.0 / (c.f(1) * 1e-6);
    },
  },
  {match: hasLen('-detector_thick', 15), arity: 1, apply: (c) => (c.s.detectorThickM = c.f(1) * 1e-6)},
  {match: has('-detector_thicksteps'), arity: 1, apply: (c) => (c.s.detectorThicksteps = c.i(1))},
  {match: has('-thicksteps'), arity: 1, apply: (c) => (c.s.detectorThicksteps = c.i(1))},
  {
    // also matches -twotheta_axis: C then takes the axis' first component as an angle in degrees
    match: has('-twotheta'),
    arity: 1,
    apply: (c) => {
      if (c.flag.includes('-twotheta_axis')) c.s.quirks.push('twotheta-axis-sets-twotheta');
      c.s.twothetaRad = c.f(1) / RTD;
      c.s.pivot = 'SAMPLE';
    },
  },
  {match: has('-detector_rotx'), arity: 1, apply: (c) => (c.s.detectorRotRad[0] = c.f(1) / RTD)},
  {match: has('-detector_roty'), arity: 1, apply: (c) => (c.s.detectorRotRad[1] = c.f(1) / RTD)},
  {match: has('-detector_rotz'), arity: 1, apply: (c) => (c.s.detectorRotRad[2] = c.f(1) / RTD)},
  {match: hasLen('-detsize', 8), arity: 1, apply: (c) => (c.s.detsizeFM = c.s.detsizeSM = c.f(1) / 1000.0)},
  {match: has('-detsize_f'), arity: 1, apply: (c) => (c.s.detsizeFM = c.f(1) / 1000.0)},
  {match: has('-detsize_s'), arity: 1, apply: (c) => (c.s.detsizeSM = c.f(1) / 1000.0)},
  {match: hasLen('-detpixels', 10), arity: 1, apply: (c) => (c.s.fpixels = c.s.spixels = c.i(1))},
  {match: has('-detpixels_f', '-detpixels_x'), arity: 1, apply: (c) => (c.s.fpixels = c.i(1))},
  {match: has('-detpixels_s', '-detpixels_y'), arity: 1, apply: (c) => (c.s.spixels = c.i(1))},
  {match: has('-curved_det'), arity: 0, apply: (c) => (c.s.curvedDetector = true)},
  {match: has('-pixel'), arity: 1, apply: (c) => (c.s.pixelSizeM = c.f(1) / 1000.0)},
  {match: has('-point_pixel'), arity: 0, apply: (c) => (c.s.pointPixel = true)},
  {match: hasLen('-polar', 6), arity: 1, apply: (c) => ((c.s.polarization = c.f(1)), (c.s.nopolar = false))},
  {match: has('-nopolar'), arity: 0, apply: (c) => (c.s.nopolar = true)},
  {match: has('-oversample_thick'), arity: 0, stop: true, apply: (c) => (c.s.oversampleThick = true)},
  {match: has('-oversample_polar'), arity: 0, stop: true, apply: (c) => (c.s.oversamplePolar = true)},
  {match: has('-oversample_omega'), arity: 0, stop: true, apply: (c) => (c.s.oversampleOmega = true)},
  {match: has('-oversample'), arity: 1, apply: (c) => (c.s.oversample = c.i(1))},
  {match: has('-roi'), arity: 4, apply: (c) => (c.s.roi = [c.i(1), c.i(2), c.i(3), c.i(4)])},
  {match: has('-lambda', '-wave'), arity: 1, apply: (c) => (c.s.lambda0M = c.f(1) / 1.0e10)},
  {match: has('-energy'), arity: 1, apply: (c) => (c.s.lambda0M = 12398.42 / c.f(1) / 1.0e10)},
  {match: has('-fluence'), arity: 1, apply: (c) => (c.s.fluence = c.f(1))},
  {match: has('-flux'), arity: 1, apply: (c) => (c.s.flux = c.f(1))},
  {match: has('-exposure'), arity: 1, apply: (c) => (c.s.exposureS = c.f(1))},
  {match: has('-beamsize'), arity: 1, apply: (c) => (c.s.beamsizeM = c.f(1) / 1000)},
  {
    match: (t) => (t.includes('-mosaic') && t.length === 7) || t.includes('-mosaici') || t.includes('-mosaic_spr'),
    arity: 1,
    apply: (c) => (c.s.mosaicSpreadRad = c.f(1) / RTD),
  },
  {match: has('-mosaic_dom'), arity: 1, apply: (c) => (c.s.mosaicDomains = c.i(1))},
  {match: has('-dispersion'), arity: 1, apply: (c) => (c.s.dispersion = c.f(1) / 100.0)},
  {match: has('-dispsteps'), arity: 1, apply: (c) => (c.s.dispsteps = c.i(1))},
  {match: has('-divergence'), arity: 1, apply: (c) => (c.s.hdivrangeRad = c.s.vdivrangeRad = c.f(1) / 1000.0)},
  {match: has('-hdivrange'), arity: 1, apply: (c) => (c.s.hdivrangeRad = c.f(1) / 1000.0)},
  {match: has('-vdivrange'), arity: 1, apply: (c) => (c.s.vdivrangeRad = c.f(1) / 1000.0)},
  {match: hasLen('-hdivstep', 9), arity: 1, apply: (c) => (c.s.hdivstepRad = c.f(1) / 1000.0)},
  {match: has('-hdivsteps'), arity: 1, apply: (c) => (c.s.hdivsteps = c.i(1))},
  {match: hasLen('-vdivstep', 9), arity: 1, apply: (c) => (c.s.vdivstepRad = c.f(1) / 1000.0)},
  {match: has('-vdivsteps'), arity: 1, apply: (c) => (c.s.vdivsteps = c.i(1))},
  {match: has('-divsteps'), arity: 1, apply: (c) => (c.s.hdivsteps = c.s.vdivsteps = c.i(1))},
  {match: has('-round_div'), arity: 0, apply: (c) => (c.s.roundDiv = true)},
  {match: has('-square_div'), arity: 0, apply: (c) => (c.s.roundDiv = false)},
  {match: has('-adc'), arity: 1, apply: (c) => (c.s.adcOffset = c.f(1))},
  {match: hasLen('-phi', 4), arity: 1, apply: (c) => (c.s.phi0Rad = c.f(1) / RTD)},
  {match: has('-osc'), arity: 1, apply: (c) => (c.s.oscRad = c.f(1) / RTD)},
  {match: hasLen('-phistep', 8), arity: 1, apply: (c) => (c.s.phistepRad = c.f(1) / RTD)},
  {match: has('-phisteps'), arity: 1, apply: (c) => (c.s.phisteps = c.i(1))},
  {match: has('-dmin'), arity: 1, apply: (c) => (c.s.dminM = c.f(1) * 1e-10)},
  {match: has('-mat'), arity: 1, apply: (c) => (c.s.matFile = c.file(1))},
  {match: has('-hkl'), arity: 1, apply: (c) => (c.s.hklFile = c.file(1))},
  {match: has('-default_F'), arity: 1, apply: (c) => (c.s.defaultF = c.f(1))},
  {match: has('-img'), arity: 1, apply: (c) => (c.s.imgFile = c.file(1))},
  // read by C's first pass only; listed so that it is a known flag
  {match: has('-mask'), arity: 1, apply: (c) => (c.s.maskFile = c.file(1))},
  // S(Q) files are read by C but never used; we accept and ignore them
  {match: (t) => t.includes('-stolout') && t.length > 7, arity: 1, apply: (c) => void c.file(1)},
  {match: hasLen('-stol', 5), arity: 1, apply: (c) => (c.s.stolFile = c.file(1))},
  {match: hasLen('-4stol', 6), arity: 1, apply: (c) => (c.s.stolFile = c.file(1))},
  {match: hasLen('-Q', 2), arity: 1, apply: (c) => (c.s.stolFile = c.file(1))},
  {match: has('-sourcefile'), arity: 1, apply: (c) => (c.s.sourceFile = c.file(1))},
  {match: has('-floatfile', '-floatimage'), arity: 1, apply: (c) => (c.s.floatFile = c.file(1))},
  {match: has('-intfile', '-intimage'), arity: 1, apply: (c) => (c.s.intFile = c.file(1))},
  {match: has('-pgmfile', '-pgmimage'), arity: 1, apply: (c) => ((c.s.pgmFile = c.file(1)), (c.s.writePgm = true))},
  {match: has('-noisefile', '-noiseimage'), arity: 1, apply: (c) => ((c.s.noiseFile = c.file(1)), (c.s.calculateNoise = true))},
  {match: has('-nonoise'), arity: 0, apply: (c) => (c.s.calculateNoise = false)},
  {match: has('-nopgm'), arity: 0, apply: (c) => (c.s.writePgm = false)},
  {match: has('-scale'), arity: 1, apply: (c) => (c.s.intfileScale = c.f(1))},
  {match: has('-pgmscale'), arity: 1, apply: (c) => ((c.s.pgmScale = c.f(1)), (c.s.writePgm = true))},
  {match: has('-coherent'), arity: 0, apply: () => undefined},
  {match: has('-printout'), arity: 0, apply: () => undefined},
  {match: has('-noprogress'), arity: 0, apply: (c) => (c.s.progress = false)},
  // C's "-progress" rule also fires on "-noprogress" (substring), so C never silences its meter;
  // ours honours -noprogress, which only affects stderr.
  {match: (t) => t.includes('-progress') && !t.includes('-noprogress'), arity: 0, apply: (c) => (c.s.progress = true)},
  {match: has('-interpolate'), arity: 0, apply: (c) => (c.s.interpolate = 1)},
  {match: has('-nointerpolate'), arity: 0, apply: (c) => (c.s.interpolate = 0)},
  {match: has('-round_xtal'), arity: 0, apply: (c) => (c.s.shape = 'ROUND')},
  {match: has('-square_xtal'), arity: 0, apply: (c) => (c.s.shape = 'SQUARE')},
  {match: has('-gauss_xtal'), arity: 0, apply: (c) => (c.s.shape = 'GAUSS')},
  {match: has('-binary_spots', '-tophat_spots'), arity: 0, apply: (c) => (c.s.shape = 'TOPHAT')},
  {match: has('-fudge'), arity: 1, apply: (c) => (c.s.fudge = c.f(1))},
  {match: has('-printout_pixel'), arity: 2, apply: (c) => void (c.i(1) + c.i(2))},
  {match: has('-trace_pixel', '-dump_pixel'), arity: 2, apply: (c) => (c.s.tracePixel = [c.i(1), c.i(2)])},
  {
    // also fires for -mosaic_seed and -misset_seed (substring): C then reseeds the noise too
    match: has('-seed'),
    arity: 1,
    apply: (c) => {
      if (c.flag !== '-seed') c.s.quirks.push('seed-substring');
      c.s.seed = -c.i(1);
      c.s.seedGiven = true;
    },
  },
  {match: has('-mosaic_seed'), arity: 1, apply: (c) => (c.s.mosaicSeed = -c.i(1))},
  {match: has('-misset_seed'), arity: 1, apply: (c) => ((c.s.missetSeed = -c.i(1)), (c.s.missetSeedGiven = true))},
  {match: has('-water'), arity: 1, apply: (c) => (c.s.waterSizeM = c.f(1) / 1e6)},
];

export interface HeaderReader {
  (path: string): SmvHeaderSource;
}

/**
 * Parse nanoBragg arguments. `readHeader` loads -mask / -img files, which C reads before any
 * other flag so that flags override header values (mask first, then img: the last read wins).
 */
export function parseNanoBraggArgs(argv: string[], readHeader?: HeaderReader, nowSeconds?: number): NanoBraggSettings {
  const s = defaultSettings(nowSeconds);
  applyHeaderFiles(s, argv, readHeader);
  const consumed = new Array<boolean>(argv.length).fill(false);
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (consumed[i]) continue;
    if (!tok.startsWith('-') || isNumberToken(tok)) {
      throw new UserError(`unexpected argument '${tok}' (not a flag, and no flag before it takes a value)`);
    }
    let matched = false;
    let take = 0;
    for (const rule of RULES) {
      if (!rule.match(tok)) continue;
      matched = true;
      const ctx = makeCtx(s, tok, argv, i);
      const n = typeof rule.arity === 'number' ? rule.arity : rule.arity(ctx);
      for (let k = 1; k <= n; k++) {
        if (argv[i + k] === undefined) throw new UserError(`${tok}: needs ${n} value${n > 1 ? 's' : ''}`);
      }
      rule.apply(ctx);
      if (rule.quirk && !s.quirks.includes(rule.quirk)) s.quirks.push(rule.quirk);
      take = Math.max(take, n);
      if (rule.stop) break;
    }
    if (!matched) throw new UserError(`unknown flag '${tok}'`);
    for (let k = 1; k <= take; k++) consumed[i + k] = true;
  }
  return s;
}

function makeCtx(s: NanoBraggSettings, flag: string, argv: string[], i: number): Ctx {
  const v = (k: number) => argv[i + k];
  return {
    s,
    flag,
    v,
    f: (k) => toFloat(flag, v(k)),
    i: (k) => toInt(flag, v(k)),
    file: (k) => toFile(flag, v(k)),
    vec: () => [toFloat(flag, v(1)), toFloat(flag, v(2)), toFloat(flag, v(3))],
  };
}

function applyHeaderFiles(s: NanoBraggSettings, argv: string[], readHeader?: HeaderReader): void {
  let img: string | undefined;
  let mask: string | undefined;
  for (let i = 0; i + 1 < argv.length; i++) {
    if (!argv[i].startsWith('-')) continue;
    if (argv[i].includes('-img')) img = argv[i + 1];
    if (argv[i].includes('-mask')) mask = argv[i + 1];
  }
  if ((img || mask) && !readHeader) throw new UserError('-img/-mask given but no SMV reader available');
  // the reader names the file; the message also says which flag gave it
  const read = (flag: string, path: string): SmvHeaderSource => {
    try {
      return readHeader!(path);
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`${flag} ${e.message}`, e.exitCode);
      throw e;
    }
  };
  if (mask) {
    const h = read('-mask', mask);
    applyHeader(s, h, true);
    s.mask = h.pixels;
  }
  if (img) applyHeader(s, read('-img', img), false);
}

function applyHeader(s: NanoBraggSettings, h: SmvHeaderSource, isMask: boolean): void {
  s.fpixels = h.width;
  s.spixels = h.height;
  let t = h.value('PIXEL_SIZE');
  if (!Number.isNaN(t)) s.pixelSizeM = t / 1000.0;
  s.detsizeFM = s.pixelSizeM * s.fpixels;
  s.detsizeSM = s.pixelSizeM * s.spixels;
  t = h.value('DISTANCE');
  if (!Number.isNaN(t)) s.distanceM = t / 1000.0;
  t = h.value('CLOSE_DISTANCE');
  if (!Number.isNaN(t)) s.closeDistanceM = t / 1000.0;
  t = h.value('WAVELENGTH');
  if (!Number.isNaN(t)) s.lambda0M = t / 1e10;
  t = h.value('BEAM_CENTER_X');
  if (!Number.isNaN(t)) s.XbeamM = t / 1000.0;
  t = h.value('BEAM_CENTER_Y');
  // the mask's Y centre is measured from the other edge
  if (!Number.isNaN(t)) s.YbeamM = isMask ? s.detsizeSM - t / 1000.0 : t / 1000.0;
  t = h.value('ORGX');
  if (!Number.isNaN(t)) s.ORGX = t;
  t = h.value('ORGY');
  if (!Number.isNaN(t)) s.ORGY = t;
  t = h.value('PHI');
  if (!Number.isNaN(t)) s.phi0Rad = t / RTD;
  t = h.value('OSC_RANGE');
  if (!Number.isNaN(t)) s.oscRad = t / RTD;
  // TWOTHETA is read by C into a scratch variable and never reaches the detector
}
