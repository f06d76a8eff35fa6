import {expect} from 'chai';
import {createHash} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {spawnSync} from 'node:child_process';
import {runSimulate} from '../src/cli/simulate.js';
import {NATIVE_LANES_AVAILABLE, NATIVE_SINE_LANES} from '../src/engine/lattice.js';
import {planChunks} from '../src/engine/render.js';
import {parseSmv} from '../src/io/smv.js';
import {caseFile, readMaybeGz, ROOT, traceCases} from './helpers/paths.js';
import type {CaseMeta} from '../src/cases/meta.js';
import {inputsFolder, meta, removeFolder, runPreArgs} from './helpers/workdir.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * An SMV file of a _specref case: C made it with -phi 1e-30, so its header says so (PHI,
 * OSC_START); everything else, the pixels included, must be the same bytes.
 */
function sameSmvButPhi(refPath: string, testPath: string): void {
  const ref = parseSmv(readFileSync(refPath), refPath);
  const test = parseSmv(readFileSync(testPath), testPath);
  // the padding after "}" is as long as the values leave room for
  const strip = (t: string) => t.slice(0, t.indexOf('}') + 1).replace(/^(PHI|OSC_START)=.*$/gm, '');
  expect(strip(test.headerText), `${testPath}: header`).to.equal(strip(ref.headerText));
  expect(sha256(Buffer.from(test.data.buffer)), `${testPath}: pixels`).to.equal(sha256(Buffer.from(ref.data.buffer)));
}

const summaryKeys = /^(max_I = |mean= |intfile_scale = |pgm_scale = |solid angle subtended)|photons on noise image/;

describe('simulate reproduces every stored C frame byte for byte (float, int, noise, PGM)', function () {
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
        // byte for byte: every file C wrote for the case (sha256 of ours against C's file, or
        // against the sha256 meta.json records where the file itself is not stored)
        const sums = meta(name) as CaseMeta & Partial<Record<'float_sha256' | 'int_sha256' | 'pgm_sha256', string>>;
        const refSum = (file: string, stored?: string): string | undefined => {
          const path = caseFile(name, file);
          return existsSync(path) ? sha256(readMaybeGz(path)) : stored;
        };
        const expected: Array<[string, string | undefined]> = [
          ['float.bin', sha256(readMaybeGz(refFloat))],
          ['int.img', refSum('int.img', sums.int_sha256)],
          ['image.pgm', refSum('image.pgm', sums.pgm_sha256)],
          ['noise.img', refSum('noise.img')],
        ];
        if (sums.float_sha256) expect(expected[0][1], 'float.bin.gz against meta.json').to.equal(sums.float_sha256);
        let compared = 0;
        for (const [file, want] of expected) {
          if (want === undefined) continue;
          compared++;
          // a _specref frame was made with -phi 1e-30, which its SMV headers record
          if (base !== name && file.endsWith('.img')) sameSmvButPhi(caseFile(name, file), join(dir, file));
          else expect(sha256(readFileSync(join(dir, file))), `${name}/${file}: sha256`).to.equal(want);
        }
        expect(compared, 'float, int and PGM at least').to.be.at.least(3);
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

describe('simulate: every sine path gives the same frame (NBPARITY_NATIVE: WebAssembly alone, native 4 and 8 lanes)', function () {
  this.timeout(600000);
  // the suite above renders with the path in use; these re-render in a child process with each
  // other path this machine has: whole frames against C's stored image, and the supervisor's
  // rows about the beam centre (where the small arguments that go to Math.sin are) against the
  // same ROI rendered with the path in use (an ROI starts C-PARITY-001's phi carry-over afresh)
  const paths = ['0', ...NATIVE_LANES_AVAILABLE.map(String)].filter((p) => Number(p) !== NATIVE_SINE_LANES);
  const render = (name: string, extra: string[], env: NodeJS.ProcessEnv): Buffer => {
    const dir = inputsFolder();
    try {
      const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), 'simulate', '--phi-mode', 'c-parity', '--', ...meta(name).args, ...extra, '-floatfile', 'f.bin'], {cwd: dir, env, encoding: 'utf8'});
      expect(r.status, r.stderr).to.equal(0);
      return readFileSync(join(dir, 'f.bin'));
    } finally {
      removeFolder(dir);
    }
  };
  const roi = ['-roi', '0', '2462', '1200', '1299'];
  let supervisorRoi: Buffer | undefined;
  for (const lanes of paths) {
    for (const name of ['mosaic', 'phi_osc_from_zero']) {
      it(`${name} with NBPARITY_NATIVE=${lanes}: C's image`, () => {
        const refFloat = ['float.bin', 'float.bin.gz'].map((f) => caseFile(name, f)).find(existsSync)!;
        expect(render(name, [], {...process.env, NBPARITY_NATIVE: lanes}).equals(readMaybeGz(refFloat))).to.equal(true);
      });
    }
    it(`supervisor rows 1200-1299 with NBPARITY_NATIVE=${lanes}: the path in use's`, () => {
      supervisorRoi ??= render('supervisor', roi, process.env);
      expect(render('supervisor', roi, {...process.env, NBPARITY_NATIVE: lanes}).equals(supervisorRoi)).to.equal(true);
    });
  }
});

describe('simulate: rendering threads sized from the work', function () {
  this.timeout(60000);
  const threadsUsed = async (name: string, workers: number, extra: string[] = []): Promise<number> => {
    const dir = inputsFolder();
    try {
      const lines: string[] = [];
      await runSimulate({argv: [...meta(name).args, '-floatfile', 'f.bin', ...extra], phiMode: 'c-parity', workers, json: true, cwd: dir, print: (l) => lines.push(l)});
      return (JSON.parse(lines.join('\n')) as {workers: number}).workers;
    } finally {
      removeFolder(dir);
    }
  };
  it('--workers N is at most N: a one-pixel ROI renders on this thread alone', async () => {
    expect(await threadsUsed('simple_cubic', 3, ['-roi', '0', '0', '0', '0'])).to.equal(1);
  });
  it('the smallest stored frames (64x64) still render on every thread asked for', async () => {
    expect(await threadsUsed('test_pattern', 3)).to.equal(3);
    expect(await threadsUsed('sparse_nointerp', 2)).to.equal(2);
  });
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
