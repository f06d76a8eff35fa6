/**
 * `capture` through the built CLI, with a C binary of our own (test/fixtures/fake-nanoBragg.mjs)
 * that replays the recorded C output of traces/ and fails on request. The real binary is checked
 * by scripts/check-capture.sh, never here.
 */
import {expect} from 'chai';
import {execFile, spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {loadCaseFolder} from '../src/cases/load.js';
import {readMeta} from '../src/cases/meta.js';
import {brightestPixels} from '../src/capture/peaks.js';
import {captureOutputArgs} from '../src/capture/capture.js';
import {runC} from '../src/impl/c-binary.js';
import {caseFile, FIXTURES, ROOT, TRACES} from './helpers/paths.js';

const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const FAKE = join(FIXTURES, 'fake-nanoBragg.mjs');
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI with its own TMPDIR (so that leftovers show) and extra environment. */
function cli(args: string[], o: {cwd?: string; env?: Record<string, string>; tmp: string}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], {cwd: o.cwd ?? ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env: {...process.env, NB_C_BIN: '', TMPDIR: o.tmp, ...o.env}}, (error, stdout, stderr) => {
      const code = error ? ((error as {code?: unknown}).code as number | null) : 0;
      done({code: typeof code === 'number' ? code : null, stdout, stderr});
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` is gone within a few seconds (a killed process is reaped a moment later). */
async function ends(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

describe('capture (with a fake C binary replaying traces/)', function () {
  this.timeout(120000);
  let work: string;
  let tmp: string;
  let out: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'nbparity-capture-test-'));
    tmp = join(work, 'tmp');
    out = join(work, 'out');
    mkdirSync(tmp);
  });
  afterEach(() => rmSync(work, {recursive: true, force: true}));
  /** no private folder, staging folder or half case left anywhere */
  const expectNoLeftovers = (cases: string[] = []) => {
    expect(readdirSync(tmp), 'temporary folders left').to.deep.equal([]);
    expect(existsSync(out) ? readdirSync(out).sort() : [], 'the --out folder').to.deep.equal(cases);
  };

  it('--config water_noise writes the case exactly as traces/water_noise holds it (noise image included)', async () => {
    const r = await cli(['capture', '--c-bin', FAKE, '--config', 'water_noise', '--out', out], {tmp});
    expect(r.code, r.stderr).to.equal(0);
    const dir = join(out, 'water_noise');
    expect(r.stdout).to.contain(`case folder: ${dir}`);
    const stored = readMeta(caseFile('water_noise', 'meta.json'));
    const files = ['stdout.log', 'float.bin', 'int.img', 'image.pgm', 'noise.img', ...stored.traces!];
    expect(readdirSync(dir).sort()).to.deep.equal([...files, 'meta.json'].sort());
    for (const f of files) expect(sha(join(dir, f)), f).to.equal(sha(caseFile('water_noise', f)));
    const m = readMeta(join(dir, 'meta.json'));
    expect(m.args).to.deep.equal(stored.args);
    expect(m.output_args).to.deep.equal(stored.output_args);
    expect(m.traced_pixels_slow_fast).to.deep.equal(stored.traced_pixels_slow_fast);
    expect([m.fpixels, m.spixels, m.exit_code, m.omp_threads]).to.deep.equal([128, 128, 0, 1]);
    expect(m.float_sha256).to.equal(stored.float_sha256);
    expect(m.c_bin_sha256).to.equal(sha(FAKE));
    expect(Object.keys(m.files_sha256!).sort()).to.deep.equal(files.sort());
    for (const [f, h] of Object.entries(m.files_sha256!)) expect(sha(join(dir, f)), f).to.equal(h);
    expect(m.trace_runs!.map((t) => t.exit_code)).to.deep.equal([0, 0]);
    expect(m.failed_pixels).to.equal(undefined);
    // the case reads its inputs where they were: traces/inputs, stated relative to the case
    expect(loadCaseFolder(dir).inputsDir).to.equal(join(TRACES, 'inputs'));
    expectNoLeftovers(['water_noise']);
  });

  it('a captured case runs through harness --config <path> and compare-traces (c-parity, exit 0)', async () => {
    expect((await cli(['capture', '--c-bin', FAKE, '--config', 'sparse_nointerp', '--out', out], {tmp})).code).to.equal(0);
    const dir = join(out, 'sparse_nointerp');
    for (const p of loadCaseFolder(dir).pixels.slice(0, 1)) {
      const trace = join(work, `ts_${p.slow}_${p.fast}.log`);
      const h = await cli(['harness', '--config', dir, '--pixel', String(p.slow), String(p.fast), '--phi-mode', 'c-parity', '--out', trace], {tmp});
      expect(h.code, h.stderr).to.equal(0);
      const c = await cli(['compare-traces', '--c', p.trace!, '--py', trace], {tmp});
      expect(c.code, c.stdout + c.stderr).to.equal(0);
    }
    expectNoLeftovers(['sparse_nointerp']);
  });

  it('-- args: inputs from the current folder (which stays as it was), --peak before --pixel, the stored output names', async () => {
    const user = join(work, 'user');
    mkdirSync(user);
    cpSync(join(TRACES, 'inputs', 'sparse.hkl'), join(user, 'sparse.hkl'));
    const args = readMeta(caseFile('sparse_nointerp', 'meta.json')).args;
    const r = await cli(['capture', '--c-bin', FAKE, '--name', 'mine', '--peak', '1', '--pixel', '10', '50', '--out', out, '--', ...args], {cwd: user, tmp});
    expect(r.code, r.stderr).to.equal(0);
    // the fake writes Fdump.bin after reading -hkl, as C does: into its private folder only
    expect(readdirSync(user)).to.deep.equal(['sparse.hkl']);
    const m = readMeta(join(out, 'mine', 'meta.json'));
    const stored = readMeta(caseFile('sparse_nointerp', 'meta.json'));
    expect(m.traced_pixels_slow_fast).to.deep.equal(stored.traced_pixels_slow_fast);
    // -nonoise: no noise file
    expect(m.output_args).to.deep.equal(stored.output_args);
    expect(m.input_files_sha256).to.deep.equal({'sparse.hkl': sha(join(user, 'sparse.hkl'))});
    expect(loadCaseFolder(join(out, 'mine')).inputsDir).to.equal(user);
    expectNoLeftovers(['mine']);
  });

  it('captureOutputArgs names noise and PGM files exactly when C writes them', () => {
    expect(captureOutputArgs(['-N', '5'])).to.deep.equal(['-floatfile', 'float.bin', '-intfile', 'int.img', '-pgmfile', 'image.pgm', '-noisefile', 'noise.img', '-noprogress']);
    expect(captureOutputArgs(['-nonoise', '-nopgm'])).to.deep.equal(['-floatfile', 'float.bin', '-intfile', 'int.img', '-noprogress']);
    expect(captureOutputArgs(['-nonoise', '-nopgm', '-pgmscale', '2'])).to.include('-pgmfile');
  });

  it("pre_args (fdump_reuse) run first in the run's private folder", async () => {
    const r = await cli(['capture', '--c-bin', FAKE, '--config', 'fdump_reuse', '--out', out], {tmp});
    expect(r.code, r.stderr).to.equal(0);
    const m = readMeta(join(out, 'fdump_reuse', 'meta.json'));
    expect(m.pre_args).to.deep.equal(readMeta(caseFile('fdump_reuse', 'meta.json')).pre_args);
    expect(m.traces).to.deep.equal(['trace_s32_f32.log']);
    expect(sha(join(out, 'fdump_reuse', 'trace_s32_f32.log'))).to.equal(sha(caseFile('fdump_reuse', 'trace_s32_f32.log')));
  });

  it('usage_error: a case that records C refusing to run is captured with its exit code', async () => {
    const r = await cli(['capture', '--c-bin', FAKE, '--config', 'usage_error', '--out', out], {tmp});
    expect(r.code, r.stderr).to.equal(0);
    const m = readMeta(join(out, 'usage_error', 'meta.json'));
    expect([m.exit_code, m.expect_fail]).to.deep.equal([9, true]);
    expect(sha(join(out, 'usage_error', 'stdout.log'))).to.equal(sha(caseFile('usage_error', 'stdout.log')));
  });

  it("--json, --c-threads (recorded), C's progress lines dropped from stdout.log and traces", async () => {
    const r = await cli(['capture', '--c-bin', FAKE, '--config', 'simple_cubic', '--pixel', '100', '150', '--c-threads', '3', '--json', '--out', out], {tmp, env: {FAKE_NB_PROGRESS: '1'}});
    expect(r.code, r.stderr).to.equal(0);
    const j = JSON.parse(r.stdout);
    expect(j.case_dir).to.equal(join(out, 'simple_cubic'));
    expect(j.meta.omp_threads).to.equal(3);
    expect(j.meta.traces).to.deep.equal(['trace_s100_f150.log']);
    for (const f of ['stdout.log', 'trace_s100_f150.log']) expect(sha(join(out, 'simple_cubic', f)), f).to.equal(sha(caseFile('simple_cubic', f)));
  });

  describe('failures', () => {
    it('a C binary that fails on the plain run: exit 7, its exit code named, nothing left', async () => {
      const r = await cli(['capture', '--c-bin', FAKE, '--config', 'simple_cubic', '--out', out], {tmp, env: {FAKE_NB_EXIT: '3'}});
      expect(r.code).to.equal(7);
      expect(r.stderr).to.match(/^nbparity: the C plain run failed: .*exited with code 3/);
      expectNoLeftovers();
    });

    it('a plain run that hangs past --timeout is killed: exit 7, nothing left, no process left', async () => {
      const started = join(work, 'started');
      const r = await cli(['capture', '--c-bin', FAKE, '--config', 'simple_cubic', '--timeout', '1', '--out', out], {tmp, env: {FAKE_NB_HANG: '1', FAKE_NB_STARTED: started}});
      expect(r.code).to.equal(7);
      expect(r.stderr).to.contain('timed out after 1 s');
      expect(await ends(Number(readFileSync(started, 'utf8').trim()))).to.equal(true);
      expectNoLeftovers();
    });

    it('a traced pixel whose run fails, hangs, or prints no per-pixel block: reported, the rest written, exit 8', async () => {
      const modes = [
        [{FAKE_NB_EXIT_TRACE: '4'}, /exited with code 4/],
        [{FAKE_NB_HANG_TRACE: '1'}, /timed out after 1 s/],
        [{FAKE_NB_NO_PIXEL: '1'}, /no per-pixel block/],
      ] as const;
      // independent runs: side by side, each into its own folder
      const runs = await Promise.all(modes.map(([env], i) => cli(['capture', '--c-bin', FAKE, '--config', 'simple_cubic', '--pixel', '100', '150', '--timeout', '1', '--out', join(out, String(i))], {tmp, env})));
      for (const [i, [, reason]] of modes.entries()) {
        const r = runs[i];
        const dir = join(out, String(i), 'simple_cubic');
        expect(r.code, r.stderr).to.equal(8);
        expect(r.stdout).to.match(/NOT TRACED: pixel \(slow 100, fast 150\): /);
        expect(r.stdout).to.match(reason);
        expect(r.stderr).to.contain('1 of 1 traced pixels failed');
        const m = readMeta(join(dir, 'meta.json'));
        expect(m.traces).to.deep.equal([]);
        expect(m.failed_pixels![0].reason).to.match(reason);
        expect(sha(join(dir, 'float.bin'))).to.equal(m.float_sha256);
        expect(readdirSync(join(out, String(i)))).to.deep.equal(['simple_cubic']);
      }
      expect(readdirSync(tmp)).to.deep.equal([]);
    });

    it('a pixel outside the detector is not run; the others are traced (exit 8)', async () => {
      const r = await cli(['capture', '--c-bin', FAKE, '--config', 'simple_cubic', '--pixel', '300', '1', '--pixel', '100', '150', '--out', out], {tmp});
      expect(r.code).to.equal(8);
      const m = readMeta(join(out, 'simple_cubic', 'meta.json'));
      expect(m.traces).to.deep.equal(['trace_s100_f150.log']);
      expect(m.failed_pixels).to.deep.equal([{pixel_slow_fast: [300, 1], reason: 'not run: outside the 256x256 (slow x fast) detector', exit_code: null}]);
    });

    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      it(`${signal} during a C run kills it and leaves nothing (exit ${code})`, async () => {
        const started = join(work, 'started');
        const child = spawn(process.execPath, [CLI, 'capture', '--c-bin', FAKE, '--config', 'simple_cubic', '--out', out], {
          cwd: ROOT,
          env: {...process.env, TMPDIR: tmp, FAKE_NB_SLOW: '60', FAKE_NB_STARTED: started},
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (b) => (stderr += String(b)));
        const exited = new Promise<number | null>((done) => child.on('close', (c) => done(c)));
        while (!existsSync(started)) await new Promise((r) => setTimeout(r, 50));
        expect(readdirSync(out).length, 'the staging folder exists while C runs').to.equal(1);
        child.kill(signal);
        expect(await exited, stderr).to.equal(code);
        expect(await ends(Number(readFileSync(started, 'utf8').trim())), 'the C process').to.equal(true);
        expect(readdirSync(tmp)).to.deep.equal([]);
        expect(existsSync(out) ? readdirSync(out) : []).to.deep.equal([]);
      });
    }

    it('usage and bad input: one line, the documented code', async () => {
      const table: Array<[string[], number, RegExp, Record<string, string>?]> = [
        [['--config', 'simple_cubic'], 2, /--c-bin PATH or set NB_C_BIN/],
        [['--c-bin', FAKE], 2, /give --config CASE, or nanoBragg arguments after --/],
        [['--c-bin', FAKE, '--config', 'simple_cubic', '--', '-N', '5'], 2, /either --config or nanoBragg arguments/],
        [['--c-bin', FAKE, '--config', 'simple_cubic', '--pixel', '1'], 2, /--pixel takes two integers/],
        [['--c-bin', FAKE, '--verify', 'simple_cubic', '--pixel', '1', '2'], 2, /--verify re-runs a stored case as it is: drop --pixel/],
        [['--c-bin', FAKE, '--', '-N', '5', '-floatfile', 'x.bin'], 2, /names the output files itself; drop -floatfile x.bin/],
        [['--c-bin', FAKE, '--config', 'simple_cubic', '--timeout', '0'], 2, /--timeout: expected a number of seconds > 0/],
        [['--c-bin', FAKE, '--config', 'simple_cubic', '--name', '../x'], 2, /--name: '..\/x' is not a folder name/],
        [['--c-bin', FAKE, '--config', 'nosuchcase'], 2, /--config: no stored case named 'nosuchcase'/],
        [['--c-bin', FAKE, '--config', '/nonexistent/case'], 3, /--config: \/nonexistent\/case: no such case folder/],
        [['--c-bin', join(ROOT, 'README.md'), '--config', 'simple_cubic'], 7, /README.md: not executable/],
        [['--c-bin', '/nonexistent/nanoBragg', '--config', 'simple_cubic'], 7, /cannot start it \(ENOENT\)/],
        [['--config', 'simple_cubic', '--out', join(ROOT, 'README.md')], 6, /README.md/, {NB_C_BIN: FAKE}],
      ];
      // independent runs: side by side
      const runs = await Promise.all(table.map(([args, , , env]) => cli(['capture', ...args], {tmp, env})));
      for (const [i, [args, code, message]] of table.entries()) {
        const r = runs[i];
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(code);
        expect(r.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
        expect(r.stderr, args.join(' ')).to.match(message);
      }
      expectNoLeftovers();
    });

    it('an existing case folder is never replaced (exit 6)', async () => {
      mkdirSync(join(out, 'simple_cubic'), {recursive: true});
      writeFileSync(join(out, 'simple_cubic', 'mine.txt'), 'mine');
      const r = await cli(['capture', '--c-bin', FAKE, '--config', 'simple_cubic', '--out', out], {tmp});
      expect(r.code).to.equal(6);
      expect(readdirSync(join(out, 'simple_cubic'))).to.deep.equal(['mine.txt']);
    });
  });

  describe('--verify', () => {
    /** copies of stored cases under work/cases, reading the stored inputs */
    const copyCases = (names: string[]) => {
      const root = join(work, 'cases');
      mkdirSync(root);
      symlinkSync(join(TRACES, 'inputs'), join(root, 'inputs'));
      for (const n of names) cpSync(join(TRACES, n), join(root, n), {recursive: true});
      return root;
    };

    it('passes on stored cases, file by file', async () => {
      const r = await cli(['capture', '--c-bin', FAKE, '--verify', 'simple_cubic'], {tmp});
      expect(r.code, r.stderr).to.equal(0);
      for (const f of ['exit code', 'stdout.log', 'float.bin', 'int.img', 'image.pgm', 'trace_s199_f250.log', 'trace_s100_f150.log']) expect(r.stdout).to.match(new RegExp(`same  ${f}`));
      const f = await cli(['capture', '--c-bin', FAKE, '--verify', 'fdump_reuse', '--json'], {tmp});
      expect(f.code, f.stderr).to.equal(0);
      expect(JSON.parse(f.stdout).ok).to.equal(true);
      expect(readdirSync(tmp)).to.deep.equal([]);
    });

    it('fails naming the file after one byte of a stored trace or image changes (exit 1)', async () => {
      const root = copyCases(['simple_cubic', 'water_noise']);
      const trace = join(root, 'simple_cubic', 'trace_s100_f150.log');
      const text = readFileSync(trace);
      text[text.length - 3] ^= 1;
      writeFileSync(trace, text);
      const noise = join(root, 'water_noise', 'noise.img');
      const bytes = readFileSync(noise);
      bytes[bytes.length - 1] ^= 1;
      writeFileSync(noise, bytes);
      const r = await cli(['capture', '--c-bin', FAKE, '--verify', root], {tmp});
      expect(r.code).to.equal(1);
      expect(r.stdout).to.match(/differs  trace_s100_f150\.log  first difference at line \d+/);
      expect(r.stdout).to.match(/same {5}trace_s199_f250\.log/);
      expect(r.stdout).to.match(/differs  noise\.img  sha256/);
      expect(r.stderr).to.match(/^nbparity: capture --verify: .*simple_cubic: trace_s100_f150\.log .*water_noise: noise\.img/);
    });
  });
});

describe('C runner', function () {
  this.timeout(30000);
  it('sets OMP_NUM_THREADS (default 1), times the run, keeps stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nbparity-runc-'));
    try {
      const one = await runC(FAKE, ['-bogus'], dir);
      expect(one.stderr).to.contain('OMP_NUM_THREADS=1');
      expect([one.ok, one.exitCode, one.threads]).to.deep.equal([false, 2, 1]);
      const three = await runC(FAKE, ['-bogus'], dir, {threads: 3});
      expect(three.stderr).to.contain('OMP_NUM_THREADS=3');
      expect(three.wallSeconds).to.be.above(0);
      const missing = await runC(join(dir, 'none'), [], dir);
      expect(missing.ok).to.equal(false);
      expect(missing.error).to.match(/cannot start .*ENOENT/);
      const script = join(dir, 'x.sh');
      writeFileSync(script, '#!/bin/sh\necho 5% done\necho kept\nexit 0\n');
      chmodSync(script, 0o755);
      expect((await runC(script, [], dir)).stdout).to.equal('kept\n');
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe('--peak', () => {
  it('the N brightest pixels, distinct, brightest first, ties in raster order', () => {
    const img = new Float32Array([1, 5, 3, NaN, 5, 0, 7, 2]);
    expect(brightestPixels(img, 4, 3)).to.deep.equal([
      [1, 2],
      [0, 1],
      [1, 0],
    ]);
    expect(brightestPixels(img, 4, 20)).to.have.length(7);
  });

  it("picks each stored case's first traced pixel as its brightest", () => {
    for (const name of ['simple_cubic', 'water_noise', 'mosaic']) {
      const c = loadCaseFolder(resolve(TRACES, name));
      const img = readFileSync(c.references.float!);
      const f = new Float32Array(img.buffer.slice(img.byteOffset, img.byteOffset + img.byteLength));
      expect(brightestPixels(f, c.frame!.fpixels, 1), name).to.deep.equal([[c.pixels[0].slow, c.pixels[0].fast]]);
    }
  });
});
