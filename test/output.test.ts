import {expect} from 'chai';
import {existsSync, readFileSync} from 'node:fs';

import {
  RenderStats,
  cToUnsigned,
  produceOutputs,
  statsFromImage,
  summarize,
  toIntImage,
  toNoiseImage,
  type SmvHeaderParams,
} from '../src/engine/output.js';
import {CRandom, seedRef} from '../src/engine/rng.js';
import {readFloatImage} from '../src/io/floatimage.js';
import {readSmv, type SmvImage} from '../src/io/smv.js';
import {imageCaseNames, loadCase, type CaseInfo} from './helpers/cases.js';
import {caseFile, traceCases} from './helpers/paths.js';

const M_1_PI = 0.318309886183790671537767526745028724;
const RTD = 180.0 * M_1_PI;

/**
 * Header parameters recovered from C's own int.img header, for these tests only
 * (the engine fills them from its detector model). Each value is the inverse of
 * the C expression that printed it.
 */
function headerParamsFromC(img: SmvImage): SmvHeaderParams {
  const num = (k: string): number => {
    const v = img.header.get(k);
    if (v === undefined) throw new Error(`C header lacks ${k}`);
    return Number(v);
  };
  const sbeamM = num('DENZO_X_BEAM') / 1000.0;
  const dials = (img.header.get('DIALS_ORIGIN') ?? '').split(',').map(Number);
  return {
    fpixels: num('SIZE1'),
    spixels: num('SIZE2'),
    pixelSizeM: num('PIXEL_SIZE') / 1000.0,
    distanceM: num('DISTANCE') / 1000.0,
    lambdaM: num('WAVELENGTH') / 1e10,
    xbeamM: num('BEAM_CENTER_X') / 1000.0,
    ybeamM: num('BEAM_CENTER_Y') / 1000.0,
    fbeamM: num('ADXV_CENTER_X') / 1000.0,
    sbeamM,
    detsizeSM: num('ADXV_CENTER_Y') / 1000.0 + sbeamM,
    dialsOriginMm: [dials[0], dials[1], dials[2]],
    orgxPx: num('XDS_ORGX'),
    orgyPx: num('XDS_ORGY'),
    closeDistanceM: num('CLOSE_DISTANCE') / 1000.0,
    phi0Rad: num('PHI') / RTD,
    oscRad: num('OSC_RANGE') / RTD,
    twothetaRad: num('TWOTHETA') / RTD,
  };
}

/** C's printed lines from "writing <floatfile>" to the end of the run. */
function cTail(c: CaseInfo): string[] {
  const start = c.stdout.findIndex((l) => l.startsWith(`writing ${c.files.float} `));
  if (start < 0) throw new Error(`${c.name}: no "writing ${c.files.float}" line`);
  return c.stdout.slice(start).filter((l) => l.length > 0);
}

function firstDiff(a: Uint8Array, b: Uint8Array): string | undefined {
  if (a.length !== b.length) return `length ${a.length} != ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `byte ${i}: ${a[i]} != ${b[i]}`;
  return undefined;
}

describe('output (against the C images and stdout)', () => {
  const names = imageCaseNames(traceCases());

  it('finds the image cases', () => {
    expect(names.length).to.be.greaterThan(25);
  });

  for (const name of names) {
    const c = loadCase(name);
    const hasInt = existsSync(caseFile(name, 'int.img'));
    it(`${name}: ${hasInt ? 'summary lines, int.img, image.pgm' : 'summary lines (no C images kept)'}${c.seed !== undefined ? ', noise.img' : ''}`, () => {
      if (c.floatPath === undefined) throw new Error('no float image');
      const image = readFloatImage(c.floatPath, c.fpixels, c.spixels);
      const layout = {fpixels: c.fpixels, spixels: c.spixels, roi: c.roi, oversample: c.oversample, pixelSizeM: c.pixelSizeM};
      const stats = statsFromImage(image, layout);
      // in instalments of rows, as simulate gathers them while the frame renders: the same, bit for bit
      const inParts = new RenderStats();
      const cuts = [0, 1, Math.floor(c.spixels / 3), Math.floor(c.spixels / 3) + 1, c.spixels];
      for (let i = 1; i < cuts.length; i++) statsFromImage(image, layout, [cuts[i - 1], cuts[i]], inParts);
      expect({...inParts}).to.deep.equal({...stats});
      const cInt = hasInt ? readSmv(caseFile(name, 'int.img')) : undefined;
      // Without a C header (supervisor), the header is irrelevant to what is compared.
      const header: SmvHeaderParams = cInt
        ? headerParamsFromC(cInt)
        : {fpixels: c.fpixels, spixels: c.spixels, pixelSizeM: c.pixelSizeM, distanceM: 0, lambdaM: 0, xbeamM: 0, ybeamM: 0, fbeamM: 0, sbeamM: 0, detsizeSM: 0, dialsOriginMm: [0, 0, 0], orgxPx: 0, orgyPx: 0, closeDistanceM: 0, phi0Rad: 0, oscRad: 0, twothetaRad: 0};

      let noise: {rng: CRandom; seed: ReturnType<typeof seedRef>} | undefined;
      if (c.seed !== undefined) {
        // The generator state C has when the noise loop starts: the one mosaic domain
        // was drawn with mosaic_seed (loading ran1's table), nothing else used ran1.
        const rng = new CRandom();
        rng.mosaicRotationUmat(0, seedRef(-12345678));
        noise = {rng, seed: seedRef(c.seed)};
      }
      const out = produceOutputs(image, stats, header, {
        roi: c.roi,
        intfileScale: c.intfileScale,
        pgmScale: c.pgmScale,
        adcOffset: c.adcOffset,
        fileNames: c.files,
        noise,
      });

      // Every printed line: writing..., max_I, mean/rms/rmsd, intfile_scale, pgm_scale, photons.
      expect(out.lines).to.deep.equal(cTail(c));

      if (cInt) {
        const intFile = out.files.find((f) => f.name === c.files.int)!.bytes;
        const cRaw = readFileSync(caseFile(name, 'int.img'));
        expect(firstDiff(intFile.subarray(0, 512), cRaw.subarray(0, 512)), 'int.img header').to.equal(undefined);
        expect(firstDiff(intFile.subarray(512), cRaw.subarray(512)), 'int.img pixels').to.equal(undefined);
        const pgm = out.files.find((f) => f.name === c.files.pgm)!.bytes;
        expect(firstDiff(pgm, readFileSync(caseFile(name, 'image.pgm'))), 'image.pgm').to.equal(undefined);
        expect(firstDiff(out.files[0].bytes, readFileSync(c.floatPath)), 'float file').to.equal(undefined);
      }
      if (noise) {
        const noiseFile = out.files.find((f) => f.name === c.files.noise)!.bytes;
        expect(firstDiff(noiseFile, readFileSync(caseFile(name, c.files.noise))), 'noise.img').to.equal(undefined);
      }
    });
  }

  it('water_noise: another seed gives another photon count (the noise check can fail)', () => {
    const c = loadCase('water_noise');
    const image = readFloatImage(c.floatPath!, c.fpixels, c.spixels);
    const want = cTail(c).find((l) => l.includes('photons on noise image'))!;
    const photons = (seed: number) => {
      const r = toNoiseImage(image, c.fpixels, c.spixels, c.roi, 40, new CRandom(), seedRef(seed));
      return `${r.photons.toFixed(0)} photons on noise image (${r.overloads} overloads)`;
    };
    expect(photons(-12345)).to.equal(want);
    expect(photons(-12346)).to.not.equal(want);
  });

  describe('C semantics on synthetic images', () => {

    it('squares are float products, sums are doubles, the max keeps the first of equals', () => {
      const s = new RenderStats();
      s.add(16777217, 0.1, 0.2); // not a float: rounds to 16777216
      s.add(16777216, 0.3, 0.4);
      s.add(3, 0, 0);
      expect(s.maxI).to.equal(16777216);
      expect([s.maxIxM, s.maxIyM]).to.deep.equal([0.1, 0.2]);
      expect(s.sum).to.equal(2 * 16777216 + 3);
      expect(s.sumsqr).to.equal(2 * Math.fround(16777216 * 16777216) + 9);
      expect(s.sumn).to.equal(3);
    });

    it('masked pixels are out of mean/rms but in rmsd; ROI pixels only', () => {
      const image = new Float32Array([1, 2, 3, 4, 100, 5, 6, 7, 8, 9]);
      const mask = new Uint16Array([1, 1, 0, 1, 1, 1, 1, 1, 1, 1]);
      const r = {xmin: 1, xmax: 3, ymin: 0, ymax: 1};
      const stats = statsFromImage(image, {fpixels: 5, spixels: 2, roi: r, mask, oversample: 2, pixelSizeM: 1e-4});
      expect(stats.sumn).to.equal(5); // x=1..3 on two rows, minus the masked one
      expect(stats.sum).to.equal(2 + 4 + 6 + 7 + 8);
      expect(stats.maxI).to.equal(8);
      // last sub-pixel (1 of 0..1) of fast pixel 3, slow pixel 1: 0.5e-4*(3*2+1)+0.25e-4
      expect(stats.maxIxM).to.equal((1e-4 / 2) * 7 + 1e-4 / 2 / 2);
      const sum = summarize(image, stats, 5, 2, r);
      expect(sum.mean).to.equal(27 / 5);
      const dev = [2, 3, 4, 6, 7, 8].map((v) => (v - 27 / 5) ** 2).reduce((a, b) => a + b, 0);
      expect(sum.rmsd).to.equal(Math.sqrt(dev / 5));
    });

    it('an empty or one-pixel ROI does not divide by zero', () => {
      const image = new Float32Array([5]);
      const stats = statsFromImage(image, {fpixels: 1, spixels: 1, roi: {xmin: 0, xmax: 0, ymin: 0, ymax: 0}, oversample: 1, pixelSizeM: 1e-4});
      const s = summarize(image, stats, 1, 1, {xmin: 0, xmax: 0, ymin: 0, ymax: 0});
      expect([s.mean, s.rms, s.rmsd]).to.deep.equal([5, 5, 0]);
    });

    it('int image: the +0.5 is rounded to float before floorf; clipping; outside the ROI stays 0', () => {
      const image = new Float32Array([0, 1, -1e9, 1e9, 7]);
      // 65534.49999999 + 0.5 = 65534.99999999, which is 65535 as a float
      const out = toIntImage(image, 5, 1, {xmin: 0, xmax: 3, ymin: 0, ymax: 0}, 1, 65534.49999999);
      expect([...out]).to.deep.equal([65535, 65535, 0, 65535, 0]);
      // floor() in double would give 100
      expect(toIntImage(new Float32Array([0]), 1, 1, {xmin: 0, xmax: 1, ymin: 0, ymax: 0}, 1, 100.49999999)[0]).to.equal(101);
      expect(toIntImage(new Float32Array([0]), 1, 1, {xmin: 0, xmax: 1, ymin: 0, ymax: 0}, 1, 100.4999)[0]).to.equal(100);
    });

    it('C conversions to unsigned wrap through int32 as on x86-64', () => {
      expect(cToUnsigned(-5.7, 16)).to.equal(65531);
      expect(cToUnsigned(300.9, 8)).to.equal(44);
      expect(cToUnsigned(NaN, 16)).to.equal(0);
      expect(cToUnsigned(1e12, 16)).to.equal(0);
    });
  });
});
