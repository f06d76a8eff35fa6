/**
 * A seeded fuzz of the nanoBragg command line itself (issue #18), beside the reader fuzz of
 * test/fuzz-readers.test.ts: a small valid frame with random flags appended (later flags win, as
 * in C), values drawn from the extremes that broke the engine before (zero, negative, huge, NaN,
 * infinity, `1e2`, `2.5`, words), run through the real binary under a time and memory watchdog.
 * Every run must end by itself, with a documented exit code and stderr made only of `nbparity:`
 * lines (no stack trace, no internal error). The seed and the command line of a failure are in its
 * message; FUZZ_SEED and FUZZ_RUNS change them.
 */
import {expect} from 'chai';
import {prng} from './helpers/prng.js';
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {EXIT_CODE_TABLE} from '../src/util/exit-codes.js';
import {ROOT} from './helpers/paths.js';

const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const SEED = Number(process.env.FUZZ_SEED ?? 18);
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const TIME_LIMIT_MS = 30_000;
/** resident memory that no run of an 8x8 frame (or a refusal) comes near; --max-memory is 256M */
const RSS_LIMIT_KB = 1024 * 1024;

const BASE = ['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100', '-N', '5', '-lambda', '1.0', '-distance', '100', '-pixel', '0.1', '-detpixels', '8', '-nonoise', '-noprogress', '-floatfile', 'f.bin', '-intfile', 'i.img'];

const ONE_VALUE = ['-N', '-Na', '-distance', '-close_distance', '-pixel', '-lambda', '-energy', '-detpixels', '-detpixels_f', '-detpixels_s', '-detsize', '-oversample', '-phisteps', '-osc', '-phi', '-phistep', '-mosaic', '-mosaic_dom', '-dispersion', '-dispsteps', '-hdivrange', '-hdivsteps', '-vdivrange', '-vdivsteps', '-divergence', '-Xbeam', '-Ybeam', '-twotheta', '-detector_rotx', '-fluence', '-flux', '-exposure', '-beamsize', '-default_F', '-dmin', '-polar', '-fudge', '-scale', '-adc', '-seed', '-mosaic_seed', '-water', '-detector_thick', '-detector_thicksteps', '-xtal_size', '-sample_thick'];
const NO_VALUE = ['-round_xtal', '-gauss_xtal', '-tophat_spots', '-point_pixel', '-curved_det', '-nopolar', '-interpolate', '-nointerpolate', '-oversample_omega', '-round_div', '-xds', '-dials', '-adxv', '-denzo', '-mosflm', '-coherent', '-nopgm'];
const VALUES = ['0', '-1', '1', '3', '0.5', '-0', '1e-308', '1e308', '-1e308', '1e9', '2147483648', '-2147483649', 'nan', 'inf', '-inf', '1e2', '2.5', 'abc', '', '0x10'];

function commandLine(r: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const extra: string[] = [];
  for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
    if (r() < 0.2) extra.push(pick(NO_VALUE));
    else if (r() < 0.1) extra.push('-roi', pick(VALUES), pick(VALUES), pick(VALUES), pick(VALUES));
    else extra.push(pick(ONE_VALUE), pick(VALUES));
  }
  const command = r() < 0.7 ? ['simulate', '--max-memory', '256M', '--workers', '1'] : ['harness', '--pixel', '1', '1', '--max-memory', '256M'];
  return [...command, '--', ...BASE, ...extra];
}

interface Outcome {
  code: number | null;
  stderr: string;
  /** why the watchdog killed it, if it did */
  killed?: string;
}

function watched(cwd: string, args: string[]): Promise<Outcome> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], {cwd, stdio: ['ignore', 'ignore', 'pipe']});
    let stderr = '';
    let killed: string | undefined;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      killed = `over ${TIME_LIMIT_MS / 1000} s`;
      child.kill('SIGKILL');
    }, TIME_LIMIT_MS);
    const memory = setInterval(() => {
      try {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
        if (kb > RSS_LIMIT_KB) {
          killed = `resident memory ${kb} kB`;
          child.kill('SIGKILL');
        }
      } catch {
        // no /proc (not Linux) or the process has ended
      }
    }, 50);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearInterval(memory);
      done({code, stderr, killed});
    });
  });
}

describe(`nanoBragg command-line fuzz through the binary (seed ${SEED}, ${RUNS} runs)`, function () {
  this.timeout(RUNS * TIME_LIMIT_MS);
  const documented = new Set<number>(EXIT_CODE_TABLE.map((e) => e.code).filter((c) => c !== 70 && c !== 130 && c !== 143));

  it('every run ends within its limits, with a documented exit code and only nbparity: lines on stderr', async () => {
    const r = prng(SEED);
    const seen = new Map<number, number>();
    for (let i = 0; i < RUNS; i++) {
      const args = commandLine(r);
      const dir = mkdtempSync(join(tmpdir(), 'nbparity-fuzz-cli-'));
      try {
        const o = await watched(dir, args);
        const where = `seed ${SEED} run ${i}: nbparity ${args.map((a) => JSON.stringify(a)).join(' ')}\n${o.stderr}`;
        expect(o.killed, where).to.equal(undefined);
        expect(o.code, where).to.be.a('number');
        expect(documented.has(o.code!), `exit ${o.code}, ${where}`).to.equal(true);
        for (const line of o.stderr.split('\n').filter((l) => l !== '')) expect(line, where).to.match(/^nbparity: /);
        expect(o.stderr, where).to.not.match(/internal error|\n\s+at /);
        seen.set(o.code!, (seen.get(o.code!) ?? 0) + 1);
      } finally {
        rmSync(dir, {recursive: true, force: true});
      }
    }
    // the fuzz reaches both the refusals and real renders
    expect(seen.get(0) ?? 0, JSON.stringify([...seen])).to.be.greaterThan(0);
    expect([...seen.keys()].filter((c) => c !== 0).length, JSON.stringify([...seen])).to.be.greaterThan(0);
  });
});
