import {expect} from 'chai';
import {chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createHash} from 'node:crypto';
import {runSimulate} from '../src/cli/simulate.js';
import {UserError} from '../src/engine/errors.js';
import {compareImagesEvidence, runCompareImages, type CompareImagesOptions, type ImageMetricsJson} from '../src/images/compare.js';
import {openBundle, verifyBundle, type BundleTarget} from '../src/report/bundle.js';
import {DEFAULT_THRESHOLDS, thresholdsFromCase, thresholdsFromFlags} from '../src/images/thresholds.js';
import {validatorFor} from '../src/report/validate.js';
import {decode as decodePng} from 'fast-png';
import {colourTable} from '../src/images/colour-maps.js';
import {rewriteArgs} from '../src/impl/rewrite-args.js';
import {caseFile} from './helpers/paths.js';
import {inputsFolder, meta, removeFolder} from './helpers/workdir.js';

const floats = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** Independent two-pass reference computation. */
function truth(ref: Float32Array, test: Float32Array) {
  const n = ref.length;
  let sr = 0;
  let st = 0;
  for (let i = 0; i < n; i++) {
    sr += ref[i];
    st += test[i];
  }
  const mr = sr / n;
  const mt = st / n;
  let vr = 0;
  let vt = 0;
  let c = 0;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    vr += (ref[i] - mr) ** 2;
    vt += (test[i] - mt) ** 2;
    c += (ref[i] - mr) * (test[i] - mt);
    maxAbs = Math.max(maxAbs, Math.abs(test[i] - ref[i]));
  }
  return {correlation: c / Math.sqrt(vr * vt), sumRatio: st / sr, maxAbs, sumRef: sr, sumTest: st};
}

const close = (a: number, b: number, tol = 1e-9) => expect(Math.abs(a - b), `${a} vs ${b}`).to.be.at.most(tol * Math.max(1, Math.abs(b)));

/** Signature, chunk CRCs, IHDR size/type, inflated IDAT length. */
/** A PNG that decodes (CRCs checked) to the given size, 8-bit RGB; returns its pixels. */
function checkPng(path: string, width: number, height: number): Uint8Array {
  const png = decodePng(readFileSync(path), {checkCrc: true});
  expect([png.width, png.height, png.channels, png.depth], path).to.deep.equal([width, height, 3, 8]);
  return png.data as Uint8Array;
}

/** The bundle's sha256.txt covers every other file, each hash right. */
function checkShaList(dir: string): void {
  const lines = readFileSync(join(dir, 'sha256.txt'), 'utf8').trimEnd().split('\n');
  const names = lines.map((l) => l.slice(66));
  expect(names).to.deep.equal([...names].sort());
  expect(names).to.deep.equal(readdirSync(dir).filter((f) => f !== 'sha256.txt').sort());
  for (const l of lines) {
    expect(l).to.match(/^[0-9a-f]{64} {2}\S/);
    expect(createHash('sha256').update(readFileSync(join(dir, l.slice(66)))).digest('hex')).to.equal(l.slice(0, 64));
  }
}

type Options = CompareImagesOptions & {target: BundleTarget};

const base = (o: Partial<Options>): Options => ({
  percentile: 99.5,
  peakPercentile: 99.9,
  peakTop: 50,
  phiMode: 'spec',
  argv: [],
  thresholds: {...DEFAULT_THRESHOLDS},
  target: {root: join(tmpdir(), 'unused')},
  commands: ['nbparity compare-images (test)'],
  ...o,
});

async function expectUserError(p: Promise<unknown>, code: number): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(UserError);
    expect((e as UserError).exitCode, (e as Error).message).to.equal(code);
    return;
  }
  expect.fail(`expected UserError ${code}`);
}

const metricsOf = (r: {metrics: ImageMetricsJson}) => r.metrics.metrics!;

describe('compare-images', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => (dir = inputsFolder()));
  afterEach(() => removeFolder(dir));

  async function render(name: string, mode: 'spec' | 'c-parity'): Promise<string> {
    const code = await runSimulate({argv: [...meta(name).args, '-floatfile', 'ours.bin'], phiMode: mode, workers: 2, cwd: dir, print: () => undefined});
    expect(code).to.equal(0);
    return join(dir, 'ours.bin');
  }

  it('c-parity simple_cubic against C: identical, exit 0, metrics equal an independent computation, a valid bundle', async () => {
    const ours = await render('simple_cubic', 'c-parity');
    const refPath = caseFile('simple_cubic', 'float.bin');
    const r = await runCompareImages(base({ref: refPath, test: ours, fpixels: 256, spixels: 256, cwd: dir, target: {root: join(dir, 'reports', 'compare-images')}}));
    expect(r.code).to.equal(0);
    expect(r.metrics).to.include({verdict: 'pass', status: 'ok', identical: true});
    const m = metricsOf(r);
    const t = truth(floats(readFileSync(refPath)), floats(readFileSync(ours)));
    close(m.correlation!, t.correlation);
    close(m.sum_ratio!, t.sumRatio);
    close(m.max_abs_diff!, t.maxAbs);
    close(m.sum_ref!, t.sumRef);
    close(m.sum_test!, t.sumTest);
    expect(m.peaks.matched_fraction).to.equal(1);
    expect(r.bundleDir).to.match(/reports\/compare-images\/\d{8}T\d{6}Z(-\d+)?$/);
    const out = r.bundleDir;
    const pictures = ['ref', 'test', 'diff'].flatMap((r) => [`${r}.png`, `${r}-log.png`, `zoom-${r}.png`, `zoom-${r}-log.png`]);
    expect(readdirSync(out).sort()).to.deep.equal(['commands.txt', 'env.json', 'index.html', 'metrics.json', 'sha256.txt', 'summary.md', 'warnings.txt', ...pictures].sort());
    for (const r of ['ref', 'test', 'diff']) {
      checkPng(join(out, `${r}.png`), 256, 256);
      checkPng(join(out, `${r}-log.png`), 256, 256);
      checkPng(join(out, `zoom-${r}.png`), 64, 64);
    }
    // identical images: the difference is the bottom of magma everywhere
    const magma0 = [...colourTable('magma').subarray(0, 3)];
    const diff = checkPng(join(out, 'diff.png'), 256, 256);
    for (let i = 0; i < diff.length; i += 3) if (diff[i] !== magma0[0] || diff[i + 1] !== magma0[1] || diff[i + 2] !== magma0[2]) expect.fail(`diff.png pixel ${i / 3} is not magma's lowest colour`);
    checkShaList(out);
    const json = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(validatorFor('image-metrics.schema.json')(json)).to.equal(true);
    expect(json.metrics.correlation).to.equal(m.correlation);
    expect(json.inputs.ref.sha256).to.equal(createHash('sha256').update(readFileSync(refPath)).digest('hex'));
    // no stray temporary folder left beside it
    expect(readdirSync(join(dir, 'reports', 'compare-images')).filter((f) => f.startsWith('.'))).to.deep.equal([]);
  });

  it('spec mode phi_osc_from_zero: true correlation, ROI, --corr-min above it fails (exit 1) naming the threshold', async () => {
    const ours = await render('phi_osc_from_zero', 'spec');
    const refPath = caseFile('phi_osc_from_zero', 'float.bin');
    const ref = floats(readFileSync(refPath));
    const test = floats(readFileSync(ours));
    const t = truth(ref, test);
    const loose = {...DEFAULT_THRESHOLDS, corr_min: -1, sum_ratio_min: 0, sum_ratio_max: 10};
    const r = await runCompareImages(base({ref: refPath, test: ours, fpixels: 200, spixels: 200, thresholds: loose, target: {dir: join(dir, 'o1')}, cwd: dir}));
    expect(r.code).to.equal(0);
    close(metricsOf(r).correlation!, t.correlation);
    expect(t.correlation).to.be.below(1);
    // ROI x 10..59 (fast), y 100..139 (slow)
    const rr: number[] = [];
    const tt: number[] = [];
    for (let y = 100; y <= 139; y++) for (let x = 10; x <= 59; x++) (rr.push(ref[y * 200 + x]), tt.push(test[y * 200 + x]));
    const tr = truth(Float32Array.from(rr), Float32Array.from(tt));
    const r2 = await runCompareImages(base({ref: refPath, test: ours, fpixels: 200, spixels: 200, roi: [10, 59, 100, 139], thresholds: loose, target: {dir: join(dir, 'o2')}}));
    expect(r2.metrics.image!.pixels).to.equal(2000);
    close(metricsOf(r2).correlation!, tr.correlation);
    close(metricsOf(r2).sum_ratio!, tr.sumRatio);
    const above = t.correlation + (1 - t.correlation) / 2;
    const r3 = await runCompareImages(base({ref: refPath, test: ours, fpixels: 200, spixels: 200, thresholds: {...loose, corr_min: above}, target: {dir: join(dir, 'o3')}}));
    expect(r3.code).to.equal(1);
    expect(r3.metrics.failed_thresholds.map((f) => f.name)).to.deep.equal(['corr_min']);
    expect(r3.metrics.message).to.match(/^correlation \S+ < corr_min /);
    expect(existsSync(join(dir, 'o3', 'metrics.json'))).to.equal(true);
    const r4 = await runCompareImages(base({ref: refPath, test: ours, fpixels: 200, spixels: 200, thresholds: {...loose, corr_min: t.correlation - 1e-6}, target: {dir: join(dir, 'o4')}}));
    expect(r4.code).to.equal(0);
  });

  it('the default thresholds never call a rescaled image "ok": sum ratio 1e9 fails however well it correlates', async () => {
    const a = new Float32Array(64).map((_, i) => (i % 7) + 1);
    const b = a.map((v) => v * 1e9);
    writeFileSync(join(dir, 'a.bin'), Buffer.from(a.buffer));
    writeFileSync(join(dir, 'b.bin'), Buffer.from(b.buffer));
    const r = await runCompareImages(base({ref: join(dir, 'a.bin'), test: join(dir, 'b.bin'), fpixels: 8, spixels: 8, target: {dir: join(dir, 'o')}}));
    close(metricsOf(r).correlation!, 1);
    expect(r.code).to.equal(1);
    expect(r.metrics.status).to.equal('below_threshold');
    expect(r.metrics.failed_thresholds.map((f) => f.name)).to.deep.equal(['sum_ratio_max']);
    // every bound at once: each failed one is named
    const tight = {corr_min: 1, sum_ratio_min: 0.99, sum_ratio_max: 1.01, max_abs_max: 0, rmse_max: 0};
    const c = a.map((v, i) => (i === 0 ? 0 : v * 2));
    writeFileSync(join(dir, 'c.bin'), Buffer.from(c.buffer));
    const r2 = await runCompareImages(base({ref: join(dir, 'a.bin'), test: join(dir, 'c.bin'), fpixels: 8, spixels: 8, thresholds: tight, target: {dir: join(dir, 'o2')}}));
    expect(r2.metrics.failed_thresholds.map((f) => f.name)).to.deep.equal(['corr_min', 'sum_ratio_max', 'max_abs_max', 'rmse_max']);
  });

  it('identical constant and all-zero images pass whatever the thresholds (row 17); a constant pair that differs fails', async () => {
    for (const [name, value] of [['zero', 0], ['const', 3.5]] as const) {
      const img = new Float32Array(16).fill(value);
      writeFileSync(join(dir, `${name}.bin`), Buffer.from(img.buffer));
      const strict = {corr_min: 1, sum_ratio_min: 1, sum_ratio_max: 1, max_abs_max: 0, rmse_max: 0};
      const r = await runCompareImages(base({ref: join(dir, `${name}.bin`), test: join(dir, `${name}.bin`), fpixels: 4, spixels: 4, thresholds: strict, target: {dir: join(dir, `o-${name}`)}}));
      expect(r.code, name).to.equal(0);
      expect(r.metrics).to.include({identical: true, verdict: 'pass'});
      expect(metricsOf(r).correlation, 'a constant image has no correlation').to.equal(null);
    }
    const two = new Float32Array(16).fill(7);
    writeFileSync(join(dir, 'seven.bin'), Buffer.from(two.buffer));
    const r = await runCompareImages(base({ref: join(dir, 'const.bin'), test: join(dir, 'seven.bin'), fpixels: 4, spixels: 4, target: {dir: join(dir, 'o-diff')}}));
    expect(r.code).to.equal(1);
    expect(r.metrics.failed_thresholds.map((f) => [f.name, f.relation])).to.deep.equal([
      ['corr_min', 'undefined'],
      ['sum_ratio_max', 'above'],
    ]);
  });

  it('thresholds from a case as the port writes them; impossible values refused', () => {
    expect(thresholdsFromCase({corr_min: 0.9999, sum_ratio_min: 0.9, sum_ratio_max: 1.1, max_abs_max: 500}, 'cases.yaml: case a')).to.deep.equal({
      corr_min: 0.9999,
      sum_ratio_min: 0.9,
      sum_ratio_max: 1.1,
      max_abs_max: 500,
      rmse_max: null,
    });
    expect(thresholdsFromCase(undefined, 'x')).to.deep.equal(DEFAULT_THRESHOLDS);
    const refused = (f: () => unknown, code: number, text: RegExp) => {
      try {
        f();
      } catch (e) {
        expect((e as UserError).exitCode).to.equal(code);
        expect((e as Error).message).to.match(text);
        return;
      }
      expect.fail('not refused');
    };
    refused(() => thresholdsFromCase({corr_min: 2}, 'c.yaml: case a'), 3, /c\.yaml: case a: thresholds\.corr_min: expected a correlation in \[-1, 1\], got 2/);
    refused(() => thresholdsFromCase({corr_mn: 0.9}, 'c.yaml'), 3, /unknown key 'corr_mn'/);
    refused(() => thresholdsFromCase({sum_ratio_min: 1.2, sum_ratio_max: 1.1}, 'c.yaml'), 3, /no sum ratio can pass/);
    refused(() => thresholdsFromFlags({corr_min: '2'}), 2, /--corr-min: expected a correlation in \[-1, 1\], got 2/);
    refused(() => thresholdsFromFlags({max_abs_max: '-1'}), 2, /--max-abs-max: expected a number >= 0/);
    refused(() => thresholdsFromFlags({rmse_max: 'abc'}), 2, /--rmse-max: expected a finite number/);
  });

  it('different sizes exit 4 with a bundle; SMV sizes come from the header', async () => {
    const r = await runCompareImages(base({ref: caseFile('simple_cubic', 'int.img'), test: caseFile('phi_osc_from_zero', 'float.bin'), fpixels: 200, spixels: 200, target: {dir: join(dir, 'o')}}));
    expect(r.code).to.equal(4);
    expect(r.metrics).to.include({status: 'size_mismatch', verdict: null});
    expect(r.metrics.message).to.match(/256x256.*200x200/);
    checkShaList(join(dir, 'o'));
  });

  it('reads an SMV header that overran its declared 512 bytes, as nanoBragg writes it, with a warning in the bundle', async () => {
    // nanoBragg's header for a 2-digit-longer geometry than fits: write one the way C does
    const text = `{\nHEADER_BYTES=512;\nDIM=2;\nBYTE_ORDER=little_endian;\nTYPE=unsigned_short;\nSIZE1=3;\nSIZE2=2;\n${'PADDING_KEY=0.123456789;\n'.repeat(22)}}\f`;
    expect(Buffer.byteLength(text)).to.be.above(512);
    const pixels = Buffer.from(new Uint16Array([1, 2, 3, 4, 5, 6]).buffer);
    writeFileSync(join(dir, 'c.img'), Buffer.concat([Buffer.from(text, 'latin1'), pixels]));
    const r = await runCompareImages(base({ref: join(dir, 'c.img'), test: join(dir, 'c.img'), target: {dir: join(dir, 'o')}}));
    expect(r.code).to.equal(0);
    expect(r.metrics.image).to.include({width: 3, height: 2});
    expect(metricsOf(r).sum_ref).to.equal(21);
    expect(r.metrics.warnings).to.have.length(2);
    expect(r.metrics.warnings[0]).to.match(/c\.img: the SMV header is \d+ bytes but declares HEADER_BYTES=512 .*C-SMV-HEADER-OVERFLOW/);
    expect(readFileSync(join(dir, 'o', 'warnings.txt'), 'utf8')).to.contain('C-SMV-HEADER-OVERFLOW');
  });

  it('evidence without a bundle of its own goes into a part of a larger one, as a campaign puts a case', async () => {
    const f = caseFile('simple_cubic', 'float.bin');
    const e = await compareImagesEvidence(base({ref: f, test: f, fpixels: 256, spixels: 256, thresholds: thresholdsFromCase({corr_min: 0.9999, max_abs_max: 0}, 'case simple_cubic')}));
    expect(e.code).to.equal(0);
    const campaign = await openBundle({dir: join(dir, 'campaign')});
    const part = await campaign.part('simple_cubic');
    for (const [name, bytes] of Object.entries(e.files)) await part.add(name, bytes);
    await part.finish(e.record);
    await campaign.finish(e.record);
    const v = await verifyBundle(join(dir, 'campaign'));
    expect(v).to.include({ok: true});
    expect(v.manifests).to.deep.equal(['sha256.txt', 'simple_cubic/sha256.txt']);
    expect(JSON.parse(readFileSync(join(dir, 'campaign', 'simple_cubic', 'metrics.json'), 'utf8')).thresholds.max_abs_max).to.equal(0);
  });

  it('usage errors exit 2, unreadable or malformed files exit 3, a bad ROI exits 2; none leaves a bundle', async () => {
    const o = {target: {dir: join(dir, 'o')}};
    await expectUserError(runCompareImages(base({ref: caseFile('simple_cubic', 'float.bin'), ...o})), 2);
    await expectUserError(runCompareImages(base({ref: caseFile('simple_cubic', 'float.bin'), test: caseFile('simple_cubic', 'float.bin'), ...o})), 2);
    await expectUserError(runCompareImages(base({ref: join(dir, 'nope.bin'), test: join(dir, 'nope.bin'), fpixels: 2, spixels: 2, ...o})), 3);
    await expectUserError(runCompareImages(base({ref: caseFile('simple_cubic', 'float.bin'), test: caseFile('simple_cubic', 'float.bin'), fpixels: 200, spixels: 200, ...o})), 3);
    const f = caseFile('simple_cubic', 'float.bin');
    await expectUserError(runCompareImages(base({ref: f, test: f, fpixels: 256, spixels: 256, roi: [0, 256, 0, 10], ...o})), 2);
    expect(existsSync(join(dir, 'o'))).to.equal(false);
  });

  it('rewriteArgs: inputs absolute, outputs into the run folder, -floatfile added', () => {
    const w = rewriteArgs(['-hkl', 'x.hkl', '-intfile', 'sub/i.img', '-N', '5'], '/here', '/tmp/run');
    expect(w.argv).to.deep.equal(['-hkl', '/here/x.hkl', '-intfile', '/tmp/run/i.img', '-N', '5', '-floatfile', '/tmp/run/float.bin']);
    expect(w.intPath).to.equal('/tmp/run/i.img');
    const v = rewriteArgs(['-floatfile', 'f.bin', '-mat', '/abs/A.mat'], '/here', '/tmp/run');
    expect(v.argv).to.deep.equal(['-floatfile', '/tmp/run/f.bin', '-mat', '/abs/A.mat']);
    expect(v.floatPath).to.equal('/tmp/run/f.bin');
  });

  describe('runner with a stand-in C executable', () => {
    function standIn(body: string): string {
      const bin = mkdtempSync(join(tmpdir(), 'nbparity-standin-'));
      const p = join(bin, 'fake-nanoBragg');
      writeFileSync(p, `#!/usr/bin/env node\n${body}\n`);
      chmodSync(p, 0o755);
      return p;
    }

    it('runs both, keeps their output, times them, compares (C = 2x ours: sum ratio 0.5, below threshold)', async () => {
      const src = caseFile('phi_osc_from_zero', 'float.bin');
      const bin = standIn(`
const fs = require('node:fs');
const a = process.argv.slice(2);
const out = a[a.indexOf('-floatfile') + 1];
const b = fs.readFileSync(${JSON.stringify(src)});
const f = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
for (let i = 0; i < f.length; i++) f[i] *= 2;
fs.writeFileSync(out, Buffer.from(f.buffer));
console.log('fake nanoBragg args: ' + a.join(' '));
console.error('fake stderr');`);
      try {
        const args = [...meta('phi_osc_from_zero').args, '-intfile', 'int.img'];
        const r = await runCompareImages(base({cBin: bin, phiMode: 'c-parity', workers: 2, argv: args, target: {dir: join(dir, 'run')}, cwd: dir}));
        expect(r.code, r.metrics.message ?? '').to.equal(1);
        expect(r.metrics.failed_thresholds.map((f) => f.name)).to.deep.equal(['sum_ratio_min']);
        const m = metricsOf(r);
        const c = floats(readFileSync(src)).map((v) => v * 2);
        close(m.sum_ratio!, 0.5, 1e-6);
        close(m.sum_ref!, truth(c, c).sumRef);
        close(m.correlation!, 1, 1e-6);
        const out = join(dir, 'run');
        expect(readFileSync(join(out, 'c.stdout.txt'), 'utf8')).to.match(/-floatfile \/\S+\/float\.bin/);
        expect(readFileSync(join(out, 'c.stdout.txt'), 'utf8')).to.include(' -intfile /');
        expect(readFileSync(join(out, 'c.stderr.txt'), 'utf8')).to.equal('fake stderr\n');
        expect(readFileSync(join(out, 'ours.stdout.txt'), 'utf8')).to.match(/writing \S+float\.bin as 40000 4-byte floats/);
        expect(r.metrics.runner!.wall_seconds.c).to.be.a('number').above(0);
        expect(r.metrics.runner!.wall_seconds.ours).to.be.a('number').above(0);
        checkShaList(out);
        checkPng(join(out, 'diff.png'), 200, 200);
        // nothing written in the working folder besides the bundle
        expect(existsSync(join(dir, 'int.img')) || existsSync(join(dir, 'float.bin'))).to.equal(false);
      } finally {
        removeFolder(join(bin, '..'));
      }
    });

    it('a failing C program, and one that exits 0 without a float image (row 18), both exit 7 with a bundle recording it', async () => {
      const cases: Array<[string, string, RegExp]> = [
        ['fail', `console.error('boom'); process.exit(7);`, /exited with code 7/],
        ['true', `console.log('did nothing');`, /exited 0 but wrote no float image/],
      ];
      for (const [name, body, why] of cases) {
        const bin = standIn(body);
        try {
          const r = await runCompareImages(base({cBin: bin, argv: meta('simple_cubic').args, target: {dir: join(dir, name)}, cwd: dir}));
          expect(r.code, name).to.equal(7);
          expect(r.metrics).to.include({status: 'runner_failed', verdict: null});
          expect(r.metrics.message).to.match(why);
          expect(readdirSync(join(dir, name))).to.include.members(['c.stdout.txt', 'c.stderr.txt', 'metrics.json', 'summary.md', 'sha256.txt']);
          checkShaList(join(dir, name));
        } finally {
          removeFolder(join(bin, '..'));
        }
      }
    });

    it('a C image of the wrong size exits 4', async () => {
      const bin = standIn(`const a = process.argv.slice(2); require('node:fs').writeFileSync(a[a.indexOf('-floatfile') + 1], Buffer.alloc(16));`);
      try {
        const r = await runCompareImages(base({cBin: bin, phiMode: 'c-parity', workers: 2, argv: meta('phi_osc_from_zero').args, target: {dir: join(dir, 'sz')}, cwd: dir}));
        expect(r.code).to.equal(4);
      } finally {
        removeFolder(join(bin, '..'));
      }
    });

    it("the frame size is our engine's reading of the arguments, not an SMV header (C's may overrun its size)", async () => {
      // a stand-in that copies the reference float image and writes an int image with a broken header
      const src = caseFile('simple_cubic', 'float.bin');
      const bin = standIn(`
const fs = require('node:fs');
const a = process.argv.slice(2);
fs.copyFileSync(${JSON.stringify(src)}, a[a.indexOf('-floatfile') + 1]);
fs.writeFileSync(require('node:path').join(process.cwd(), 'intimage.img'), '{\\nHEADER_BYTES=512;\\nSIZE1=9');`);
      try {
        const r = await runCompareImages(base({cBin: bin, phiMode: 'c-parity', workers: 2, argv: meta('simple_cubic').args, target: {dir: join(dir, 'fs')}, cwd: dir}));
        expect(r.code, r.metrics.message ?? '').to.equal(0);
        expect(r.metrics.identical).to.equal(true);
        expect(r.metrics.image).to.include({width: 256, height: 256});
      } finally {
        removeFolder(join(bin, '..'));
      }
    });
  });
});
