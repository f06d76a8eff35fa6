import {expect} from 'chai';
import {chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createHash} from 'node:crypto';
import {inflateSync} from 'node:zlib';
import {runSimulate} from '../src/cli/simulate.js';
import {UserError} from '../src/engine/errors.js';
import {runCompareImages, type CompareImagesOptions} from '../src/images/compare.js';
import type {ImageMetrics} from '../src/images/metrics.js';
import {crc32} from '../src/images/png.js';
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
function checkPng(path: string, width: number, height: number, channels: number): void {
  const b = readFileSync(path);
  expect(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'signature').to.equal(true);
  let off = 8;
  const types: string[] = [];
  const idat: Buffer[] = [];
  while (off < b.length) {
    const len = b.readUInt32BE(off);
    const type = b.subarray(off + 4, off + 8).toString('latin1');
    const data = b.subarray(off + 8, off + 8 + len);
    expect(b.readUInt32BE(off + 8 + len), `${type} CRC`).to.equal(crc32(b.subarray(off + 4, off + 8 + len)));
    types.push(type);
    if (type === 'IHDR') {
      expect(data.readUInt32BE(0)).to.equal(width);
      expect(data.readUInt32BE(4)).to.equal(height);
      expect(data[8]).to.equal(8);
      expect(data[9]).to.equal(channels === 1 ? 0 : 2);
    }
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  expect(types[0]).to.equal('IHDR');
  expect(types[types.length - 1]).to.equal('IEND');
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).to.equal(height * (1 + width * channels));
  for (let y = 0; y < height; y++) expect(raw[y * (1 + width * channels)]).to.equal(0);
}

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

const base = (o: Partial<CompareImagesOptions>): CompareImagesOptions => ({percentile: 99.5, peakPercentile: 99.9, peakTop: 50, phiMode: 'spec', argv: [], ...o});

async function expectUserError(p: Promise<unknown>, code: number): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(UserError);
    expect((e as UserError).exitCode).to.equal(code);
    return;
  }
  expect.fail(`expected UserError ${code}`);
}

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

  it('crc32 matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).to.equal(0xcbf43926);
  });

  it('c-parity simple_cubic against C: exit 0, metrics equal an independent computation, valid bundle', async () => {
    const ours = await render('simple_cubic', 'c-parity');
    const refPath = caseFile('simple_cubic', 'float.bin');
    const r = await runCompareImages(base({ref: refPath, test: ours, fpixels: 256, spixels: 256, cwd: dir}));
    expect(r.code).to.equal(0);
    const m = r.summary.metrics as ImageMetrics;
    const t = truth(floats(readFileSync(refPath)), floats(readFileSync(ours)));
    close(m.correlation!, t.correlation);
    close(m.sum_ratio!, t.sumRatio);
    close(m.max_abs_diff, t.maxAbs);
    close(m.sum_ref, t.sumRef);
    close(m.sum_test, t.sumTest);
    expect(m.peaks.matched_fraction).to.equal(1);
    // default folder: reports/compare-images/<UTC stamp> under cwd
    expect(r.outdir).to.match(/reports\/compare-images\/\d{8}T\d{6}Z(-\d+)?$/);
    expect(r.outdir!.startsWith(dir)).to.equal(true);
    const out = r.outdir!;
    expect(readdirSync(out).sort()).to.deep.equal(['diff.png', 'ref.png', 'sha256.txt', 'summary.json', 'summary.md', 'test.png']);
    checkPng(join(out, 'ref.png'), 256, 256, 1);
    checkPng(join(out, 'test.png'), 256, 256, 1);
    checkPng(join(out, 'diff.png'), 256, 256, 3);
    checkShaList(out);
    const json = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(json.metrics.correlation).to.equal(m.correlation);
    // no stray temporary folder left beside it
    expect(readdirSync(join(dir, 'reports', 'compare-images')).filter((f) => f.startsWith('.'))).to.deep.equal([]);
  });

  it('spec mode phi_osc_from_zero: true correlation, ROI, --threshold above it exits 3', async () => {
    const ours = await render('phi_osc_from_zero', 'spec');
    const refPath = caseFile('phi_osc_from_zero', 'float.bin');
    const ref = floats(readFileSync(refPath));
    const test = floats(readFileSync(ours));
    const t = truth(ref, test);
    const r = await runCompareImages(base({ref: refPath, test: ours, fpixels: 200, spixels: 200, outdir: join(dir, 'o1'), cwd: dir}));
    expect(r.code).to.equal(0);
    const m = r.summary.metrics as ImageMetrics;
    close(m.correlation!, t.correlation);
    expect(t.correlation).to.be.below(1);
    // ROI x 10..59 (fast), y 100..139 (slow)
    const rr: number[] = [];
    const tt: number[] = [];
    for (let y = 100; y <= 139; y++) for (let x = 10; x <= 59; x++) (rr.push(ref[y * 200 + x]), tt.push(test[y * 200 + x]));
    const tr = truth(Float32Array.from(rr), Float32Array.from(tt));
    const r2 = await runCompareImages(base({ref: refPath, test: ours, fpixels: 200, spixels: 200, roi: [10, 59, 100, 139], outdir: join(dir, 'o2')}));
    const m2 = r2.summary.metrics as ImageMetrics;
    expect(m2.pixels).to.equal(2000);
    close(m2.correlation!, tr.correlation);
    close(m2.sum_ratio!, tr.sumRatio);
    const r3 = await runCompareImages(base({ref: refPath, test: ours, fpixels: 200, spixels: 200, threshold: t.correlation + (1 - t.correlation) / 2, outdir: join(dir, 'o3')}));
    expect(r3.code).to.equal(3);
    expect(existsSync(join(dir, 'o3', 'summary.json'))).to.equal(true);
    const r4 = await runCompareImages(base({ref: refPath, test: ours, fpixels: 200, spixels: 200, threshold: t.correlation - 1e-6, outdir: join(dir, 'o4')}));
    expect(r4.code).to.equal(0);
  });

  it('different sizes exit 4; SMV sizes come from the header', async () => {
    const r = await runCompareImages(base({ref: caseFile('simple_cubic', 'int.img'), test: caseFile('phi_osc_from_zero', 'float.bin'), fpixels: 200, spixels: 200, outdir: join(dir, 'o')}));
    expect(r.code).to.equal(4);
    expect(r.message).to.match(/256x256.*200x200/);
  });

  it('usage errors exit 1, unreadable or malformed files exit 5, bad ROI exits 1', async () => {
    await expectUserError(runCompareImages(base({ref: caseFile('simple_cubic', 'float.bin')})), 1);
    await expectUserError(runCompareImages(base({ref: caseFile('simple_cubic', 'float.bin'), test: caseFile('simple_cubic', 'float.bin'), outdir: join(dir, 'o')})), 1);
    await expectUserError(runCompareImages(base({ref: join(dir, 'nope.bin'), test: join(dir, 'nope.bin'), fpixels: 2, spixels: 2, outdir: join(dir, 'o')})), 5);
    await expectUserError(runCompareImages(base({ref: caseFile('simple_cubic', 'float.bin'), test: caseFile('simple_cubic', 'float.bin'), fpixels: 200, spixels: 200, outdir: join(dir, 'o')})), 5);
    const f = caseFile('simple_cubic', 'float.bin');
    await expectUserError(runCompareImages(base({ref: f, test: f, fpixels: 256, spixels: 256, roi: [0, 256, 0, 10], outdir: join(dir, 'o')})), 1);
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

    it('runs both, keeps their output, times them, compares (C = 2x ours -> sum ratio 0.5)', async () => {
      const src = caseFile('phi_osc_from_zero', 'float.bin');
      const bin = standIn(`
const fs = require('node:fs');
const a = process.argv.slice(2);
const out = a[a.indexOf('-floatfile') + 1];
const b = fs.readFileSync(${JSON.stringify(src)});
const f = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
for (let i = 0; i < f.length; i++) f[i] *= 2;
fs.writeFileSync(out, Buffer.from(f.buffer));
fs.writeFileSync(require('node:path').join(process.cwd(), 'intimage.img'), 'x');
console.log('fake nanoBragg args: ' + a.join(' '));
console.error('fake stderr');`);
      try {
        const args = [...meta('phi_osc_from_zero').args, '-intfile', 'int.img'];
        const r = await runCompareImages(base({cBin: bin, phiMode: 'c-parity', workers: 2, argv: args, outdir: join(dir, 'run'), cwd: dir}));
        expect(r.code, r.message).to.equal(0);
        const m = r.summary.metrics as ImageMetrics;
        const c = floats(readFileSync(src)).map((v) => v * 2);
        close(m.sum_ratio!, 0.5, 1e-6);
        close(m.sum_ref, truth(c, c).sumRef);
        close(m.correlation!, 1, 1e-6);
        const out = join(dir, 'run');
        expect(readFileSync(join(out, 'c.stdout.txt'), 'utf8')).to.match(/-floatfile \/\S+\/float\.bin/);
        expect(readFileSync(join(out, 'c.stdout.txt'), 'utf8')).to.include(' -intfile /');
        expect(readFileSync(join(out, 'c.stderr.txt'), 'utf8')).to.equal('fake stderr\n');
        expect(readFileSync(join(out, 'ours.stdout.txt'), 'utf8')).to.match(/writing \S+float\.bin as 40000 4-byte floats/);
        const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
        expect(s.wall_seconds.c).to.be.a('number').above(0);
        expect(s.wall_seconds.ours).to.be.a('number').above(0);
        checkShaList(out);
        checkPng(join(out, 'diff.png'), 200, 200, 3);
        // nothing written in the working folder besides the report
        expect(existsSync(join(dir, 'int.img')) || existsSync(join(dir, 'float.bin'))).to.equal(false);
      } finally {
        removeFolder(join(bin, '..'));
      }
    });

    it('a failing C program exits 2 and its output is kept', async () => {
      const bin = standIn(`console.error('boom'); process.exit(7);`);
      try {
        const r = await runCompareImages(base({cBin: bin, argv: meta('simple_cubic').args, outdir: join(dir, 'fail'), cwd: dir}));
        expect(r.code).to.equal(2);
        expect(r.message).to.match(/exited with code 7/);
        expect(readFileSync(join(dir, 'fail', 'c.stderr.txt'), 'utf8')).to.equal('boom\n');
      } finally {
        removeFolder(join(bin, '..'));
      }
    });

    it('a C image of the wrong size exits 4', async () => {
      const bin = standIn(`const a = process.argv.slice(2); require('node:fs').writeFileSync(a[a.indexOf('-floatfile') + 1], Buffer.alloc(16));`);
      try {
        const r = await runCompareImages(base({cBin: bin, phiMode: 'c-parity', workers: 2, argv: meta('phi_osc_from_zero').args, outdir: join(dir, 'sz'), cwd: dir}));
        expect(r.code).to.equal(4);
      } finally {
        removeFolder(join(bin, '..'));
      }
    });
  });
});
