import {expect} from 'chai';
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runSimulate} from '../src/cli/simulate.js';
import {tracePixel} from '../src/engine/harness.js';
import {statsFromImage, ThreadedStats, type RenderLayout} from '../src/engine/output.js';
import {planChunks} from '../src/engine/render.js';
import {blockStartRow, threadBlocks} from '../src/engine/threads.js';
import {runCompareImages} from '../src/images/compare.js';
import {DEFAULT_THRESHOLDS} from '../src/images/thresholds.js';
import {explainByThreadBlocks} from '../src/images/openmp.js';
import {compareTraceInputs} from '../src/trace/compare.js';
import {caseFile, readMaybeGz} from './helpers/paths.js';
import {inputsFolder, meta, removeFolder} from './helpers/workdir.js';

const floats = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
let supervisor: Float32Array | undefined;
/** The one-thread C image of the supervisor frame (2463 x 2527), read once. */
const supervisorImage = () => (supervisor ??= floats(readMaybeGz(caseFile('supervisor', 'float.bin.gz'))));
const storedThreadImage = (n: number) => readFileSync(caseFile('phi_osc_from_zero', `openmp/float_omp${n}.bin`));

/** Our float image of a case's arguments (plus `extra`) in c-parity mode. */
async function render(name: string, options: {cThreads?: number; workers?: number; extra?: string[]}): Promise<Buffer> {
  const dir = inputsFolder();
  try {
    const argv = [...meta(name).args, ...(options.extra ?? []), '-floatfile', 'float.bin'];
    const code = await runSimulate({argv, phiMode: 'c-parity', workers: options.workers ?? 1, cThreads: options.cThreads, cwd: dir, print: () => undefined, warn: () => undefined});
    expect(code).to.equal(0);
    return readFileSync(join(dir, 'float.bin'));
  } finally {
    removeFolder(dir);
  }
}

describe('C OpenMP thread blocks (static schedule)', () => {
  it('thread t takes the rows from t*q + min(t, r): the block starts measured on the C binary', () => {
    const starts = (rows: number, n: number) => threadBlocks(rows, n).map(([s]) => s);
    // 200 rows (phi_osc_from_zero): differing C pixels with 6 and 7 threads; ceil(rows/N) blocks would start elsewhere
    expect(starts(200, 6)).to.deep.equal([0, 34, 68, 101, 134, 167]);
    expect(starts(200, 7)).to.deep.equal([0, 29, 58, 87, 116, 144, 172]);
    expect(starts(2527, 2)).to.deep.equal([0, 1264]);
    // more threads than rows: one row each, the rest idle
    expect(threadBlocks(5, 8)).to.deep.equal([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]);
  });

  it('blocks cover the rows in order, and blockStartRow agrees with them', () => {
    const wrong: string[] = [];
    for (let rows = 1; rows < 40; rows++) {
      for (let n = 1; n < 45; n++) {
        let next = 0;
        for (const [start, end] of threadBlocks(rows, n)) {
          if (start !== next || end <= start) wrong.push(`${rows} rows, ${n} threads: block [${start}, ${end})`);
          for (let r = start; r < end; r++) if (blockStartRow(rows, n, r) !== start) wrong.push(`${rows} rows, ${n} threads: row ${r}`);
          next = end;
        }
        if (next !== rows) wrong.push(`${rows} rows, ${n} threads: ends at ${next}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('render chunks break at every block start', () => {
    const breaks = threadBlocks(2527, 7).map(([s]) => s);
    const chunks = planChunks(2527, 3, breaks);
    const chunkStarts = new Set(chunks.map(([s]) => s));
    for (const b of breaks) expect(chunkStarts.has(b), `row ${b}`).to.equal(true);
    expect(chunks[chunks.length - 1][1]).to.equal(2527);
  });

  it('threaded statistics: one block is the raster sum; several add their own sums in thread order', () => {
    const layout: RenderLayout = {fpixels: 7, spixels: 9, roi: {xmin: 0, xmax: 7, ymin: 0, ymax: 9}, oversample: 1, pixelSizeM: 1e-4};
    const image = Float32Array.from({length: 63}, (_, i) => Math.fround(Math.sin(i) * 1e3 + 0.1 * i));
    const whole = statsFromImage(image, layout);
    const one = new ThreadedStats(threadBlocks(9, 1));
    one.addRows(image, layout, [0, 4]);
    one.addRows(image, layout, [4, 9]);
    expect(one.total()).to.deep.equal(whole);
    const blocks = threadBlocks(9, 4);
    const three = new ThreadedStats(blocks);
    three.addRows(image, layout, [0, 9]);
    const parts = blocks.map(([s, e]) => statsFromImage(image, layout, [s, e]));
    const t = three.total();
    expect(t.sum).to.equal(parts.reduce((a, p) => a + p.sum, 0));
    expect(t.sumsqr).to.equal(parts.reduce((a, p) => a + p.sumsqr, 0));
    expect([t.maxI, t.maxIxM, t.maxIyM, t.sumn]).to.deep.equal([whole.maxI, whole.maxIxM, whole.maxIyM, whole.sumn]);
  });
});

describe('simulate --c-threads N reproduces the C program with OMP_NUM_THREADS=N', function () {
  this.timeout(600000);
  for (const n of [2, 3, 4]) {
    it(`phi_osc_from_zero with ${n} threads: the stored C image byte for byte, with 1, 2 and 3 workers`, async () => {
      for (const workers of [1, 2, 3]) {
        const ours = await render('phi_osc_from_zero', {cThreads: n, workers});
        expect(ours.equals(storedThreadImage(n)), `--workers ${workers}`).to.equal(true);
      }
    });
  }

  it('with one thread, the one-thread image', async () => {
    expect((await render('phi_osc_from_zero', {cThreads: 1})).equals(readFileSync(caseFile('phi_osc_from_zero', 'float.bin')))).to.equal(true);
  });

  it('a run that interpolates warns that C with threads races (C-OPENMP-RACES)', async () => {
    const dir = inputsFolder();
    try {
      const warnings = (threads: number) => {
        const seen: string[] = [];
        return runSimulate({argv: [...meta('interpolate_auto').args, '-floatfile', 'f.bin'], phiMode: 'c-parity', workers: 1, cThreads: threads, cwd: dir, print: () => undefined, warn: (w) => seen.push(w)}).then(() => seen);
      };
      expect((await warnings(2)).filter((w) => w.includes('C-OPENMP-RACES'))).to.have.length(1);
      expect((await warnings(1)).filter((w) => w.includes('C-OPENMP-RACES'))).to.have.length(0);
    } finally {
      removeFolder(dir);
    }
  });
});

describe('harness --c-threads: the supervisor pixel that 2 C threads change', function () {
  this.timeout(120000);
  let dir: string;
  before(() => (dir = inputsFolder()));
  after(() => removeFolder(dir));
  const trace = (cThreads: number) => tracePixel({argv: meta('supervisor').args, spixel: 1264, fpixel: 0, phiMode: 'c-parity', cwd: dir, cThreads});

  it('(1264, 0), the first pixel of the second thread block: the C trace with 2 threads, key for key', () => {
    const refPath = caseFile('supervisor', 'openmp/trace_s1264_f0_omp2.log');
    const refText = readFileSync(refPath, 'utf8');
    const input = (path: string, text: string) => ({path, text, sha256: '', bytes: text.length});
    const two = compareTraceInputs(input(refPath, refText), input('harness', trace(2).trace), {rtol: 1e-6});
    expect(two.verdict).to.equal('pass');
    const one = compareTraceInputs(input(refPath, refText), input('harness', trace(1).trace), {rtol: 1e-6});
    expect(one.verdict).to.equal('divergence');
  });

  it('with one thread it is the one-thread image value; with two it is not', () => {
    const image = supervisorImage();
    const one = trace(1).pixelValue;
    expect(one).to.equal(image[1264 * 2463]);
    expect(trace(2).pixelValue).to.not.equal(one);
    // every other pixel of thread 1's block carries its state from (1264, 0) on, as with one thread
    const next = tracePixel({argv: meta('supervisor').args, spixel: 1264, fpixel: 1, phiMode: 'c-parity', cwd: dir, cThreads: 2}).pixelValue;
    expect(next).to.equal(image[1264 * 2463 + 1]);
  });
});

describe('C-OPENMP-FIRSTPRIVATE in image comparisons', function () {
  this.timeout(600000);
  const outdir = () => join(mkdtempSync(join(tmpdir(), 'nbparity-omp-')), 'report');
  const base = {percentile: 99.5, peakPercentile: 99.9, peakTop: 50, phiMode: 'c-parity' as const, fpixels: 200, spixels: 200, thresholds: {...DEFAULT_THRESHOLDS}, commands: ['nbparity compare-images (test)']};

  for (const n of [2, 3, 4]) {
    it(`a one-thread nbparity image against the stored ${n}-thread C image names the behaviour and N = ${n}`, async () => {
      const dir = inputsFolder();
      try {
        await runSimulate({argv: [...meta('phi_osc_from_zero').args, '-floatfile', 'ours.bin'], phiMode: 'c-parity', workers: 1, cwd: dir, print: () => undefined, warn: () => undefined});
        const ref = caseFile('phi_osc_from_zero', `openmp/float_omp${n}.bin`);
        // the images alone: named, not confirmed
        const alone = await runCompareImages({...base, ref, test: join(dir, 'ours.bin'), target: {dir: outdir()}, argv: []});
        const a = alone.metrics.attributions[0];
        expect(a.id).to.equal('C-OPENMP-FIRSTPRIVATE');
        expect(a.threads_exact).to.deep.equal([n]);
        expect(a.threads[0]).to.be.at.most(n);
        expect(a.reproduced_by).to.equal(null);
        expect(a.explanation).to.include(`--c-threads ${n}`);
        // with the nanoBragg arguments: confirmed by rendering
        const known = await runCompareImages({...base, ref, test: join(dir, 'ours.bin'), target: {dir: outdir()}, argv: meta('phi_osc_from_zero').args, cwd: dir});
        const k = known.metrics.attributions[0];
        expect([k.reproduced_by, k.reproduced_image]).to.deep.equal([n, 'ref']);
        expect(k.explanation).to.include(`reproduced exactly by --c-threads ${n}`);
      } finally {
        removeFolder(dir);
      }
    });
  }

  it('the supervisor frame with pixel (1264, 0) as 2 C threads render it: N = 2 exactly', () => {
    const one = supervisorImage();
    const two = one.slice();
    two[1264 * 2463] = 1.3929679631985437e-9; // C, OMP_NUM_THREADS=2 (traces/supervisor/openmp/README.md)
    const found = explainByThreadBlocks(two, one, 2463, 2527)!;
    expect(found.pixels).to.deep.equal([{slow: 1264, fast: 0}]);
    expect(found.exact).to.deep.equal([2]);
  });

  it('is not named for a difference anywhere else, or for none', () => {
    const ref = floats(readFileSync(caseFile('phi_osc_from_zero', 'float.bin')));
    expect(explainByThreadBlocks(ref, ref.slice(), 200, 200)).to.equal(null);
    const moved = ref.slice();
    moved[100 * 200 + 1] += 1; // the second pixel of a block start row
    expect(explainByThreadBlocks(ref, moved, 200, 200)).to.equal(null);
    const first = ref.slice();
    first[0] += 1; // the first thread starts from the same state as one thread
    expect(explainByThreadBlocks(ref, first, 200, 200)).to.equal(null);
    // a block start after rows that run no phi loop (outside the ROI) starts fresh with one thread too
    const roi = ref.map((v, i) => (i < 100 * 200 ? 0 : v));
    const changed = roi.slice();
    changed[100 * 200] += 1;
    expect(explainByThreadBlocks(roi, changed, 200, 200)).to.equal(null);
  });
});
