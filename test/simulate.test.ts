import {expect} from 'chai';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {runSimulate} from '../src/cli/simulate.js';
import {planChunks} from '../src/engine/render.js';
import {parseSmv} from '../src/io/smv.js';
import {caseFile, readMaybeGz, traceCases} from './helpers/paths.js';
import {inputsFolder, meta, removeFolder, runPreArgs} from './helpers/workdir.js';

const floats = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** |a-b| <= 1e-6 max(|a|,|b|) + 1e-9 max_I for every pixel; returns the offenders. */
function floatMismatches(ref: Float32Array, test: Float32Array): number {
  let maxI = 0;
  for (const v of ref) maxI = Math.max(maxI, v);
  let bad = 0;
  for (let i = 0; i < ref.length; i++) {
    if (!(Math.abs(ref[i] - test[i]) <= 1e-6 * Math.max(Math.abs(ref[i]), Math.abs(test[i])) + 1e-9 * maxI)) bad++;
  }
  return bad;
}

function smvAgrees(refPath: string, testPath: string, ignoreKeys: string[] = []): void {
  const ref = parseSmv(readFileSync(refPath), refPath);
  const test = parseSmv(readFileSync(testPath), testPath);
  const rk = Object.fromEntries(ref.header);
  const tk = Object.fromEntries(test.header);
  for (const k of ignoreKeys) {
    delete rk[k];
    delete tk[k];
  }
  expect(tk, 'SMV header keys and values').to.deep.equal(rk);
  let off = 0;
  let far = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const d = Math.abs(ref.data[i] - test.data[i]);
    if (d > 0) off++;
    if (d > 1) far++;
  }
  expect(far, 'pixels off by more than one count').to.equal(0);
  expect(off / ref.data.length, 'fraction of differing pixels').to.be.at.most(1e-4);
}

const summaryKeys = /^(max_I = |mean= |intfile_scale = |pgm_scale = |solid angle subtended)|photons on noise image/;

describe('simulate reproduces the reference C frames', function () {
  this.timeout(600000);
  for (const name of traceCases()) {
    const m = meta(name);
    const base = name.replace(/_specref$/, '');
    const mode = base === name ? 'c-parity' : 'spec';
    const refFloat = ['float.bin', 'float.bin.gz'].map((f) => caseFile(name, f)).find(existsSync);
    if (!refFloat) continue;
    it(`${name} (${mode} mode${base !== name ? ', original arguments' : ''})`, async () => {
      const dir = inputsFolder();
      try {
        await runPreArgs(m, dir);
        const lines: string[] = [];
        const argv = [...meta(base).args, ...m.output_args.filter((a) => a !== '-noprogress')];
        const warnings: string[] = [];
        const code = await runSimulate({argv, phiMode: mode, workers: 2, cwd: dir, print: (l) => lines.push(l), warn: (w) => warnings.push(w)});
        expect(code).to.equal(0);
        // the silent Fdump.bin reuse is announced exactly when the run reads one (issue #7)
        expect(warnings.some((w) => w.includes('Fdump.bin')), 'Fdump.bin warning').to.equal(lines.includes('reading Fs from Fdump.bin'));
        const ours = floats(readFileSync(join(dir, 'float.bin')));
        const ref = floats(readMaybeGz(refFloat));
        expect(ours.length).to.equal(ref.length);
        expect(floatMismatches(ref, ours), 'float pixels out of tolerance').to.equal(0);
        // a _specref frame was made with -phi 1e-30, which its header records
        const ignore = base !== name ? ['PHI', 'OSC_START'] : [];
        for (const img of ['int.img', 'noise.img']) if (existsSync(caseFile(name, img))) smvAgrees(caseFile(name, img), join(dir, img), ignore);
        const cLines = readFileSync(caseFile(name, 'stdout.log'), 'utf8').split('\n').filter((l) => summaryKeys.test(l));
        expect(lines.filter((l) => summaryKeys.test(l))).to.deep.equal(cLines);
      } finally {
        removeFolder(dir);
      }
    });
  }

  it('usage_error: usage and exit 9, as C', async () => {
    const dir = inputsFolder();
    try {
      expect(await runSimulate({argv: meta('usage_error').args, phiMode: 'c-parity', cwd: dir, print: () => undefined})).to.equal(meta('usage_error').exit_code);
    } finally {
      removeFolder(dir);
    }
  });
});

describe('simulate: the worker count does not change a byte', function () {
  this.timeout(600000);
  const extra: Record<string, string[]> = {
    // leaves the HKL grid early on, so interpolation switches off mid-frame
    interpolate_auto: [],
    mosaic: [],
    water_noise: [],
  };
  for (const name of Object.keys(extra)) {
    it(name, async () => {
      const outputs: Buffer[][] = [];
      // 1: this thread alone; 2 and 3: with one and two worker threads taking chunks alongside
      for (const workers of [1, 2, 3]) {
        const dir = inputsFolder();
        try {
          const m = meta(name);
          await runSimulate({argv: [...m.args, ...m.output_args, '-noisefile', 'noise.img', '-seed', '99'], phiMode: 'c-parity', workers, cwd: dir, print: () => undefined});
          outputs.push(['float.bin', 'int.img', 'noise.img', 'image.pgm'].map((f) => readFileSync(join(dir, f))));
        } finally {
          removeFolder(dir);
        }
      }
      for (const other of outputs.slice(1)) outputs[0].forEach((b, i) => expect(b.equals(other[i]), `file ${i}`).to.equal(true));
    });
  }
});

describe('planChunks', () => {
  it('covers every row once, in order, in chunks that never grow', () => {
    for (const [rows, workers] of [[1, 1], [7, 3], [100, 2], [2527, 2], [4096, 8]]) {
      const chunks = planChunks(rows, workers);
      expect(chunks[0][0]).to.equal(0);
      expect(chunks[chunks.length - 1][1]).to.equal(rows);
      for (let i = 0; i < chunks.length; i++) {
        expect(chunks[i][1]).to.be.greaterThan(chunks[i][0]);
        if (i > 0) {
          expect(chunks[i][0]).to.equal(chunks[i - 1][1]);
          expect(chunks[i][1] - chunks[i][0]).to.be.at.most(chunks[i - 1][1] - chunks[i - 1][0]);
        }
      }
    }
  });
});
