/**
 * Issue #7 acceptance, through the built CLI (node dist/src/cli.js) as a user runs it:
 *  - every bad input: the documented non-zero exit code, exactly one stderr line
 *    `nbparity: ...` naming the file, flag or line, and no stack trace;
 *  - nothing lost: a failing run leaves an earlier output file byte for byte, a failing bundle
 *    leaves no folder (and no temporary file);
 *  - reproducible: same seed -> identical noise images whatever the worker count; same
 *    arguments -> identical bundles apart from timestamps and env.json;
 *  - the Fdump.bin reuse C does silently is announced on stderr.
 *
 * The table of bad inputs runs in this process through oclif's `run` (the same command classes,
 * flag parsing and error paths as the binary; a thrown error fails the case) because ~60 Node start-ups would cost ~15 s on 2 cores. One case per
 * command and exit code is then also run through the real binary, which must agree exactly.
 * Exit codes are the one scheme of src/util/exit-codes.ts.
 */
import {expect} from 'chai';
import {execFile} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';

import {run as oclifRun} from '@oclif/core';

import {caseFile, ROOT, TRACES} from './helpers/paths.js';

const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const C_REF = caseFile('supervisor', 'trace_s685_f1039.log');
/** A small, fast frame: 32x32 pixels, cubic cell, default F. */
const BASE = ['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100', '-N', '2', '-detpixels', '32', '-distance', '100'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(cwd: string, args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], {cwd, encoding: 'utf8', maxBuffer: 64 << 20}, (error, stdout, stderr) => {
      const code = error ? ((error as {code?: unknown}).code as number | null) : 0;
      done({code: typeof code === 'number' ? code : null, stdout, stderr});
    });
  });
}

/**
 * One command in this process, cwd `cwd`, stdout/stderr captured. The exit code is the one the
 * command asked for (oclif's ExitError); any other thrown error is reported as code null with its
 * stack in stderr, which is what the binary would print.
 */
async function inProcess(cwd: string, args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write;
  const writeErr = process.stderr.write;
  const home = process.cwd();
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  process.chdir(cwd);
  process.stdout.write = ((c: string | Uint8Array) => out.push(String(c)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => err.push(String(c)) > 0) as typeof process.stderr.write;
  let code: number | null = 0;
  try {
    await oclifRun(args, pathToFileURL(CLI).href);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    // every command sets its exit code and returns: anything thrown is a bug the binary would show
    code = null;
    err.push(`${(e as Error).stack}\n`);
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.chdir(home);
    process.exitCode = exitCode;
  }
  return {code, stdout: out.join(''), stderr: err.join('')};
}

/** Runs `jobs` with at most `width` child processes at a time (2 cores: more only adds contention). */
async function pool<T>(jobs: Array<() => Promise<T>>, width = 3): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({length: Math.min(width, jobs.length)}, worker));
  return out;
}

/** The error contract: one `nbparity:` line naming the culprit, no stack frame, no usage dump. */
function expectOneLineError(r: Run, culprit: string | RegExp, what: string): void {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, `${what}: stderr was ${JSON.stringify(r.stderr)}`).to.have.length(1);
  expect(lines[0], what).to.match(/^nbparity: /);
  if (typeof culprit === 'string') expect(lines[0], `${what}: names the culprit`).to.contain(culprit);
  else expect(lines[0], `${what}: names the culprit`).to.match(culprit);
  expect(r.stderr, `${what}: no stack trace`).to.not.match(/^\s+at /m);
  expect(r.stdout + r.stderr, `${what}: no usage dump`).to.not.match(/^USAGE/m);
}

interface Case {
  name: string;
  args: string[];
  code: number;
  /** the file, flag or line the one-line error must name; null: a verdict on stdout, not an error */
  culprit: string | RegExp | null;
  stdout?: RegExp;
  /** folders the failing run must not have left */
  absent?: string[];
}

describe('reliability (issue #7): bad inputs, nothing lost, reproducible runs', function () {
  this.timeout(120000);
  let dir: string;
  const results = new Map<string, Run>();
  const cases: Case[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nbparity-rel-'));
    cpSync(join(TRACES, 'inputs'), dir, {recursive: true});
    const w = (name: string, data: string | Buffer) => writeFileSync(join(dir, name), data);
    const ref = readFileSync(C_REF, 'utf8');
    w('afile', 'a regular file, so nothing can be created under it (works as root too, unlike chmod)\n');
    w('bad.hkl', '1 2 3 4\n1 2 x 5\n');
    w('bad.mat', '1 2 3\n4 5 6\n');
    w('bad.src', '-10 0 0 1 1e-10\n-10 foo 0 1 1e-10\n');
    w('notsmv.img', 'not an SMV frame at all');
    const mask = readFileSync(join(dir, 'mask.img'));
    w('badsize.img', Buffer.from(mask.toString('latin1').replace('SIZE1=64;', 'SIZE1=xx;').replace('SIZE2=64;', 'SIZE2=-1;'), 'latin1'));
    w('truncated.img', mask.subarray(0, 600));
    // binary garbage with a NUL: deterministic bytes, no Math.random in tests
    w('garbage.bin', Buffer.from(Array.from({length: 3000}, (_, i) => (i * 7919 + 13) % 256)));
    w('empty.log', '');
    const cut = ref.indexOf('TRACE_C: I_before_scaling') + 'TRACE_C: I_before_sc'.length;
    w('midline.log', ref.slice(0, cut));
    // cut at a line boundary inside the per-pixel block: a reference that simply stops
    w('short-ref.log', ref.slice(0, ref.indexOf('TRACE_C: I_before_scaling')));
    w('nopixel.log', ref.split('\n').filter((l) => !l.startsWith('TRACE_C: ')).join('\n') + '\n');
    w('nan.log', ref.replace(/^(TRACE_C: I_before_scaling) .*$/m, '$1 nan'));
    w('inf.log', ref.replace(/^(TRACE_C: I_before_scaling) .*$/m, '$1 inf'));
    w('phinan.log', ref.replace(/k_frac=\S+/, 'k_frac=nan'));
    w('other-pixel.log', ref.replace(/spixel=685/, 'spixel=684'));
    w('keep-ref.log', ref);
    // raw float images: 4x4 good, one with a NaN, one of the wrong length
    const img = new Float32Array(16).map((_, i) => i + 1);
    w('a.bin', Buffer.from(img.buffer));
    const withNan = img.slice();
    withNan[5] = NaN;
    w('nan.bin', Buffer.from(withNan.buffer));
    w('short.bin', Buffer.from(img.buffer).subarray(0, 60));
    // two SMV frames of different sizes, from the mask (64x64) and a 32x32 simulate
    const sim = await cli(dir, ['simulate', '--workers', '1', '--', ...BASE, '-intfile', 'small.img', '-floatfile', 'small.bin']);
    expect(sim.code, sim.stderr).to.equal(0);

    const B = BASE;
    const px = ['--pixel', '3', '4'];
    cases.push(
      // harness
      {name: 'harness: unknown flag', args: ['harness', '--bogus'], code: 2, culprit: '--bogus'},
      {name: 'harness: malformed flag value', args: ['harness', '--pixel', '3', 'x', '--', ...B], code: 2, culprit: '--pixel'},
      {name: 'harness: bad --phi-mode', args: ['harness', ...px, '--phi-mode', 'sideways', '--', ...B], code: 2, culprit: '--phi-mode'},
      {name: 'harness: bad --tolerance', args: ['harness', ...px, '--tolerance', 'abc', '--', ...B], code: 2, culprit: '--tolerance'},
      {name: 'harness: unknown nanoBragg flag', args: ['harness', ...px, '--', ...B, '-bogus_flag'], code: 2, culprit: '-bogus_flag'},
      {name: 'harness: malformed nanoBragg value', args: ['harness', ...px, '--', ...B, '-lambda', 'abc'], code: 2, culprit: '-lambda'},
      {name: 'harness: missing HKL file', args: ['harness', ...px, '--', ...B, '-hkl', 'missing.hkl'], code: 3, culprit: 'missing.hkl'},
      {name: 'harness: malformed HKL (line named)', args: ['harness', ...px, '--', ...B, '-hkl', 'bad.hkl'], code: 3, culprit: 'bad.hkl:2'},
      {name: 'harness: malformed A matrix', args: ['harness', ...px, '--', ...B, '-mat', 'bad.mat'], code: 3, culprit: 'bad.mat'},
      {name: 'harness: malformed source file (line named)', args: ['harness', ...px, '--', ...B, '-sourcefile', 'bad.src'], code: 3, culprit: 'bad.src:2'},
      {name: 'harness: -mask not an SMV file', args: ['harness', ...px, '--', ...B, '-mask', 'notsmv.img'], code: 3, culprit: /-mask .*notsmv\.img/},
      {name: 'harness: -img with a malformed SMV header', args: ['harness', ...px, '--', ...B, '-img', 'badsize.img'], code: 3, culprit: /-img .*badsize\.img/},
      {name: 'harness: -img truncated', args: ['harness', ...px, '--', ...B, '-img', 'truncated.img'], code: 3, culprit: /-img .*truncated\.img/},
      {name: 'harness: pixel outside the detector', args: ['harness', '--pixel', '32', '0', '--', ...B], code: 4, culprit: 'slow 32'},
      {name: 'harness: unwritable --out', args: ['harness', ...px, '--out', 'afile/t.log', '--', ...B], code: 6, culprit: 'afile'},
      {name: 'harness: --bundle that cannot be created', args: ['harness', ...px, '--bundle', 'afile/b', '--', ...B], code: 6, culprit: 'afile'},
      {name: 'harness: --ref binary garbage', args: ['harness', ...px, '--ref', 'garbage.bin', '--bundle', 'b-garbage/deep', '--', ...B], code: 3, culprit: 'garbage.bin', absent: ['b-garbage']},
      {name: 'harness: --ref of a pixel C did not render', args: ['harness', ...px, '--ref', 'nopixel.log', '--bundle', 'b-nopixel', '--', ...B], code: 5, culprit: /--ref: .*nopixel\.log/, absent: ['b-nopixel']},
      {name: 'harness: --out that is the --ref (row 16)', args: ['harness', ...px, '--ref', 'keep-ref.log', '--out', 'keep-ref.log', '--', ...B], code: 2, culprit: /--out keep-ref\.log is the input of --ref/},
      {name: 'harness: --out that is a nanoBragg input', args: ['harness', ...px, '--out', 'sparse.hkl', '--', ...B, '-hkl', 'sparse.hkl'], code: 2, culprit: /--out sparse\.hkl is the input of -hkl/},
      {name: 'harness: a stray word', args: ['harness', 'stray', ...px, '--', ...B], code: 2, culprit: "unexpected argument 'stray'"},
      // simulate
      {name: 'simulate: unknown flag', args: ['simulate', '--bogus'], code: 2, culprit: '--bogus'},
      {name: 'simulate: malformed --workers', args: ['simulate', '--workers', '0', '--', ...B], code: 2, culprit: '--workers'},
      {name: 'simulate: unknown nanoBragg flag', args: ['simulate', '--', ...B, '-floatfil'], code: 2, culprit: '-floatfil'},
      {name: 'simulate: missing value', args: ['simulate', '--', ...B, '-distance'], code: 2, culprit: '-distance'},
      {name: 'simulate: missing A matrix', args: ['simulate', '--', ...B, '-mat', 'missing.mat'], code: 3, culprit: 'missing.mat'},
      {name: 'simulate: malformed HKL', args: ['simulate', '--', ...B, '-hkl', 'bad.hkl'], code: 3, culprit: 'bad.hkl:2'},
      {name: 'simulate: malformed A matrix', args: ['simulate', '--', ...B, '-mat', 'bad.mat'], code: 3, culprit: 'bad.mat'},
      {name: 'simulate: malformed source file', args: ['simulate', '--', ...B, '-sourcefile', 'bad.src'], code: 3, culprit: 'bad.src:2'},
      {name: 'simulate: malformed SMV header (-img)', args: ['simulate', '--', ...B, '-img', 'badsize.img'], code: 3, culprit: /-img .*badsize\.img/},
      {name: 'simulate: unwritable -floatfile', args: ['simulate', '--', ...B, '-floatfile', 'afile/f.bin'], code: 6, culprit: /-floatfile .*afile/},
      {name: 'simulate: an output that is an input', args: ['simulate', '--', ...B, '-hkl', 'sparse.hkl', '-intfile', 'sparse.hkl'], code: 2, culprit: /-intfile sparse\.hkl is the input of -hkl/},
      {name: 'simulate: a stray word', args: ['simulate', 'stray', '--', ...B], code: 2, culprit: "unexpected argument 'stray'"},
      {name: 'simulate: no cell (C usage error)', args: ['simulate', '--', '-default_F', '1'], code: 9, culprit: 'no unit cell'},
      // compare-traces
      {name: 'compare-traces: unknown flag', args: ['compare-traces', '--c', C_REF, '--py', C_REF, '--bogus'], code: 2, culprit: '--bogus'},
      {name: 'compare-traces: missing flag', args: ['compare-traces', '--c', C_REF], code: 2, culprit: 'py'},
      {name: 'compare-traces: bad --tolerance', args: ['compare-traces', '--c', C_REF, '--py', C_REF, '--tolerance', '-1'], code: 2, culprit: '--tolerance'},
      {name: 'compare-traces: missing file', args: ['compare-traces', '--c', C_REF, '--py', 'missing.log'], code: 3, culprit: /missing\.log: cannot read \(ENOENT: no such file or folder\)/},
      {name: 'compare-traces: binary garbage', args: ['compare-traces', '--c', C_REF, '--py', 'garbage.bin'], code: 3, culprit: 'garbage.bin'},
      {name: 'compare-traces: empty trace', args: ['compare-traces', '--c', 'empty.log', '--py', C_REF], code: 3, culprit: 'empty.log'},
      {name: 'compare-traces: trace truncated mid-line (line named)', args: ['compare-traces', '--c', C_REF, '--py', 'midline.log'], code: 3, culprit: /midline\.log:\d+/},
      {name: 'compare-traces: a pixel C did not render (set-up lines only)', args: ['compare-traces', '--c', C_REF, '--py', 'nopixel.log'], code: 5, culprit: 'nopixel.log'},
      {name: 'compare-traces: no trace lines at all', args: ['compare-traces', '--c', C_REF, '--py', 'bad.hkl'], code: 3, culprit: /bad\.hkl has no trace lines/},
      {name: 'compare-traces: traces of different pixels', args: ['compare-traces', '--c', C_REF, '--py', 'other-pixel.log'], code: 4, culprit: /different pixels/},
      {name: 'compare-traces: --out and --bundle together', args: ['compare-traces', '--c', C_REF, '--py', C_REF, '--out', 'x', '--bundle', 'y'], code: 2, culprit: /--bundle|--out/},
      {name: 'compare-traces: unwritable --out', args: ['compare-traces', '--c', C_REF, '--py', C_REF, '--out', 'afile/sub'], code: 6, culprit: 'afile'},
      {name: 'compare-traces: --out that is an existing file', args: ['compare-traces', '--c', C_REF, '--py', C_REF, '--out', 'afile'], code: 6, culprit: /afile: cannot put the bundle here/},
      {name: 'compare-traces: NaN is a divergence', args: ['compare-traces', '--c', C_REF, '--py', 'nan.log'], code: 1, culprit: null, stdout: /DIVERGENCE: first at I_before_scaling/},
      {name: 'compare-traces: infinity is a divergence', args: ['compare-traces', '--c', C_REF, '--py', 'inf.log'], code: 1, culprit: null, stdout: /DIVERGENCE: first at I_before_scaling/},
      {name: 'compare-traces: NaN on both sides is a divergence', args: ['compare-traces', '--c', 'nan.log', '--py', 'nan.log'], code: 1, culprit: null, stdout: /DIVERGENCE/},
      {name: 'compare-traces: infinity on both sides is a divergence', args: ['compare-traces', '--c', 'inf.log', '--py', 'inf.log'], code: 1, culprit: null, stdout: /DIVERGENCE/},
      {name: 'compare-traces: a reference cut at a line boundary never passes', args: ['compare-traces', '--c', 'short-ref.log', '--py', C_REF], code: 1, culprit: null, stdout: /DIVERGENCE: first at I_before_scaling/},
      // per-phi
      {name: 'per-phi: unknown flag', args: ['per-phi', '--c', C_REF, '--py', C_REF, '--bogus'], code: 2, culprit: '--bogus'},
      {name: 'per-phi: binary garbage', args: ['per-phi', '--c', C_REF, '--py', 'garbage.bin'], code: 3, culprit: 'garbage.bin'},
      {name: 'per-phi: empty', args: ['per-phi', '--c', C_REF, '--py', 'empty.log'], code: 3, culprit: 'empty.log'},
      {name: 'per-phi: missing file', args: ['per-phi', '--c', 'missing.log', '--py', C_REF], code: 3, culprit: /missing\.log: cannot read \(ENOENT: no such file or folder\)/},
      {name: 'per-phi: no per-phi lines', args: ['per-phi', '--c', C_REF, '--py', 'bad.hkl'], code: 3, culprit: 'bad.hkl'},
      {name: 'per-phi: a stray word', args: ['per-phi', '--c', C_REF, '--py', C_REF, 'stray'], code: 2, culprit: "unexpected argument 'stray'"},
      {name: 'per-phi: NaN is a divergence', args: ['per-phi', '--c', C_REF, '--py', 'phinan.log'], code: 1, culprit: null, stdout: /first_divergent_step: 0/},
      // metrics
      {name: 'metrics: unknown flag', args: ['metrics', 'x', '--bogus'], code: 2, culprit: '--bogus'},
      {name: 'metrics: missing argument', args: ['metrics', '--verify'], code: 2, culprit: 'bundle'},
      {name: 'metrics --verify: no such bundle', args: ['metrics', 'no-such-bundle', '--verify'], code: 3, culprit: 'no-such-bundle'},
      {name: 'metrics: a file, not a bundle', args: ['metrics', 'afile', '--verify'], code: 3, culprit: 'afile'},
      {name: 'metrics: a stray word', args: ['metrics', 'afile', 'stray', '--verify'], code: 2, culprit: "unexpected argument 'stray'"},
      // compare-images
      {name: 'compare-images: unknown flag', args: ['compare-images', '--bogus'], code: 2, culprit: '--bogus'},
      {name: 'compare-images: a stray word', args: ['compare-images', 'stray', '--ref', 'a.bin', '--test', 'a.bin', '--fpixels', '4', '--spixels', '4', '--outdir', 'ci-stray'], code: 2, culprit: "unexpected argument 'stray'", absent: ['ci-stray']},
      {name: 'compare-images: an impossible threshold', args: ['compare-images', '--ref', 'a.bin', '--test', 'a.bin', '--fpixels', '4', '--spixels', '4', '--threshold', '2', '--outdir', 'ci-thr'], code: 2, culprit: /--corr-min: expected a correlation in \[-1, 1\], got 2/, absent: ['ci-thr']},
      {name: 'compare-images: malformed flag value', args: ['compare-images', '--ref', 'a.bin', '--test', 'a.bin', '--fpixels', 'abc', '--spixels', '4'], code: 2, culprit: '--fpixels'},
      {name: 'compare-images: missing image', args: ['compare-images', '--ref', 'a.bin', '--test', 'missing.bin', '--fpixels', '4', '--spixels', '4', '--outdir', 'ci-missing'], code: 3, culprit: /missing\.bin: cannot read \(ENOENT: no such file or folder\)/, absent: ['ci-missing']},
      {name: 'compare-images: raw image of the wrong length', args: ['compare-images', '--ref', 'a.bin', '--test', 'short.bin', '--fpixels', '4', '--spixels', '4', '--outdir', 'ci-short'], code: 3, culprit: 'short.bin', absent: ['ci-short']},
      {name: 'compare-images: SMV images of different sizes', args: ['compare-images', '--ref', 'mask.img', '--test', 'small.img', '--outdir', 'ci-sizes'], code: 4, culprit: /64x64.*32x32/},
      {name: 'compare-images: malformed SMV header', args: ['compare-images', '--ref', 'badsize.img', '--test', 'mask.img', '--outdir', 'ci-hdr'], code: 3, culprit: 'badsize.img', absent: ['ci-hdr']},
      {name: 'compare-images: truncated SMV', args: ['compare-images', '--ref', 'mask.img', '--test', 'truncated.img', '--outdir', 'ci-trunc'], code: 3, culprit: 'truncated.img', absent: ['ci-trunc']},
      {name: 'compare-images: report folder that cannot be created', args: ['compare-images', '--ref', 'a.bin', '--test', 'a.bin', '--fpixels', '4', '--spixels', '4', '--outdir', 'afile/r'], code: 6, culprit: 'afile'},
      {name: 'compare-images: a NaN pixel never passes', args: ['compare-images', '--ref', 'a.bin', '--test', 'nan.bin', '--fpixels', '4', '--spixels', '4', '--outdir', 'ci-nan'], code: 1, culprit: null, stdout: /^status: non finite: the test image has 1 NaN .*x=1, y=1/},
    );
    for (const c of cases) results.set(c.name, await inProcess(dir, c.args));
  });

  after(() => rmSync(dir, {recursive: true, force: true}));

  describe('each bad input: documented exit code, one line naming the culprit, no stack trace', () => {
    // the table is filled in before(); mocha needs the names now, so they are listed again here
    it('every case', () => {
      expect(cases.length).to.be.greaterThan(50);
      const failures: string[] = [];
      for (const c of cases) {
        const r = results.get(c.name)!;
        try {
          expect(r.code, `${c.name}: exit code (stderr ${JSON.stringify(r.stderr)})`).to.equal(c.code);
          if (c.culprit === null) {
            expect(r.stderr, `${c.name}: a verdict, not an error`).to.equal('');
            expect(r.stdout, c.name).to.match(c.stdout!);
          } else {
            expectOneLineError(r, c.culprit, c.name);
          }
          for (const a of c.absent ?? []) expect(existsSync(join(dir, a)), `${c.name}: left ${a}`).to.equal(false);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
      expect(failures, failures.join('\n')).to.deep.equal([]);
    });

    it('the binary agrees with the in-process run (one case per command and exit code)', async () => {
      const seen = new Set<string>();
      const chosen = cases.filter((c) => {
        const k = `${c.args[0]} ${c.code}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      // a report folder the in-process run created would now be refused: give the binary its own
      const own = (args: string[]) => args.map((a, i) => (args[i - 1] === '--outdir' && !a.startsWith('afile') ? `${a}-bin` : a));
      const runs = await pool(chosen.map((c) => () => cli(dir, own(c.args))));
      chosen.forEach((c, i) => {
        const inner = results.get(c.name)!;
        expect(runs[i].code, c.name).to.equal(inner.code);
        expect(runs[i].stderr, c.name).to.equal(inner.stderr);
        if (c.culprit !== null) expectOneLineError(runs[i], c.culprit, `${c.name} (binary)`);
      });
      expect([...new Set(chosen.map((c) => c.args[0]))].sort()).to.deep.equal(['compare-images', 'compare-traces', 'harness', 'metrics', 'per-phi', 'simulate']);
    });

    it('no temporary file is left anywhere in the working folder', () => {
      const stray = readdirSync(dir).filter((n) => n.endsWith('.tmp') || n.startsWith('.tmp-'));
      expect(stray).to.deep.equal([]);
    });
  });

  describe('nothing lost', () => {
    it('a failing simulate does not change an existing -floatfile, -intfile or Fdump.bin', async () => {
      // its own folder: the Fdump.bin it leaves must not reach the other tests
      const lost = join(dir, 'lost');
      mkdirSync(lost);
      for (const f of ['sparse.hkl', 'grid.hkl', 'bad.mat', 'afile']) cpSync(join(dir, f), join(lost, f));
      const run = (...extra: string[]) => cli(lost, ['simulate', '--workers', '1', '--', ...BASE, '-hkl', 'sparse.hkl', '-floatfile', 'keep.bin', '-intfile', 'keep.img', ...extra]);
      expect((await run()).code).to.equal(0);
      const before = ['keep.bin', 'keep.img', 'Fdump.bin'].map((f) => readFileSync(join(lost, f)));
      // the same run with other physics writes other bytes: so "unchanged" below means something
      const other = await cli(lost, ['simulate', '--workers', '1', '--', ...BASE, '-N', '3', '-floatfile', 'other.bin', '-intfile', 'other.img']);
      expect(other.code).to.equal(0);
      expect(readFileSync(join(lost, 'other.bin')).equals(before[0])).to.equal(false);

      const badInput = await run('-mat', 'bad.mat');
      expect(badInput.code).to.equal(3);
      // the last output cannot be written: the float image, int image and Fdump.bin come first
      const badOutput = await cli(lost, ['simulate', '--workers', '1', '--', ...BASE, '-N', '3', '-hkl', 'grid.hkl', '-floatfile', 'keep.bin', '-intfile', 'keep.img', '-pgmfile', 'afile/p.pgm']);
      expect(badOutput.code).to.equal(6);
      expectOneLineError(badOutput, /-pgmfile .*afile/, 'unwritable -pgmfile');
      ['keep.bin', 'keep.img', 'Fdump.bin'].forEach((f, i) => expect(readFileSync(join(lost, f)).equals(before[i]), `${f} changed`).to.equal(true));
      expect(readdirSync(lost).filter((n) => n.endsWith('.tmp'))).to.deep.equal([]);
    });

    it('a failing harness bundle leaves an earlier --out file and no folder', async () => {
      const out = join(dir, 'keep.log');
      writeFileSync(out, 'an earlier good trace\n');
      const r = await cli(dir, ['harness', '--pixel', '3', '4', '--out', 'keep.log', '--ref', 'midline.log', '--bundle', 'nb/deeper', '--', ...BASE]);
      expect(r.code).to.equal(3);
      expectOneLineError(r, 'midline.log', 'truncated --ref');
      expect(readFileSync(out, 'utf8')).to.equal('an earlier good trace\n');
      expect(existsSync(join(dir, 'nb'))).to.equal(false);
    });
  });

  describe('reproducible', () => {
    it('same seed: identical noise, int and float images with 1 and 2 workers; another seed differs', async () => {
      const outs: Buffer[][] = [];
      for (const [workers, seed, sub] of [['1', '7', 'w1'], ['2', '7', 'w2'], ['2', '8', 'w3']]) {
        mkdirSync(join(dir, sub));
        const r = await cli(join(dir, sub), ['simulate', '--workers', workers, '--', ...BASE, '-mosaic', '0.5', '-mosaic_domains', '3', '-seed', seed, '-floatfile', 'f.bin', '-intfile', 'i.img', '-noisefile', 'n.img']);
        expect(r.code, r.stderr).to.equal(0);
        outs.push(['n.img', 'i.img', 'f.bin'].map((f) => readFileSync(join(dir, sub, f))));
      }
      outs[0].forEach((b, i) => expect(b.equals(outs[1][i]), `file ${i} differs between 1 and 2 workers`).to.equal(true));
      expect(outs[2][0].equals(outs[0][0]), 'another seed must give another noise image').to.equal(false);
    });

    it('same arguments: identical bundles apart from timestamps and env.json', async () => {
      const trace = await cli(dir, ['harness', '--pixel', '3', '4', '--out', 'rep-ref.log', '--', ...BASE]);
      expect(trace.code, trace.stderr).to.equal(0);
      const dirs: string[] = [];
      for (let i = 0; i < 2; i++) {
        const r = await cli(dir, ['harness', '--pixel', '3', '4', '--ref', 'rep-ref.log', '--bundle', 'rep', '--', ...BASE]);
        expect(r.code, r.stderr).to.equal(0);
        dirs.push(resolve(dir, /^bundle: (.+)$/m.exec(r.stdout)![1]));
      }
      expect(dirs[0]).to.not.equal(dirs[1]);
      const list = (d: string) => readdirSync(d, {recursive: true, withFileTypes: false}).map(String).sort();
      expect(list(dirs[1])).to.deep.equal(list(dirs[0]));
      // what may differ: env.json (clock, environment), metrics.json's generated_utc, and the
      // checksums of those two; everything else byte for byte
      const timeless = (d: string) => {
        const m = JSON.parse(readFileSync(join(d, 'metrics.json'), 'utf8')) as Record<string, unknown>;
        delete m.generated_utc;
        return m;
      };
      expect(timeless(dirs[1])).to.deep.equal(timeless(dirs[0]));
      const sums = (d: string) => readFileSync(join(d, 'sha256.txt'), 'utf8').split('\n').filter((l) => !/ (env|metrics)\.json$/.test(l));
      expect(sums(dirs[1])).to.deep.equal(sums(dirs[0]));
      for (const f of list(dirs[0])) {
        if (['env.json', 'metrics.json', 'sha256.txt', 'reference'].includes(f)) continue;
        expect(readFileSync(join(dirs[1], f)).equals(readFileSync(join(dirs[0], f))), f).to.equal(true);
      }
    });
  });

  describe('C misbehaviour followed on purpose is announced', () => {
    it('a Fdump.bin left by an earlier run: a warning naming it, in both modes and in harness; none with -hkl', async () => {
      const sub = join(dir, 'fdump');
      mkdirSync(sub);
      cpSync(join(dir, 'sparse.hkl'), join(sub, 'sparse.hkl'));
      const first = await cli(sub, ['simulate', '--workers', '1', '--', ...BASE, '-hkl', 'sparse.hkl']);
      expect(first.code).to.equal(0);
      expect(first.stderr, 'no warning when -hkl is given').to.equal('');
      const noHkl = BASE.filter((a, i) => a !== '-default_F' && BASE[i - 1] !== '-default_F');
      for (const mode of ['spec', 'c-parity']) {
        for (const args of [['simulate', '--workers', '1', '--phi-mode', mode, '--', ...noHkl], ['harness', '--pixel', '3', '4', '--phi-mode', mode, '--', ...noHkl]]) {
          const r = await cli(sub, args);
          expect(r.code, r.stderr).to.equal(0);
          const lines = r.stderr.split('\n').filter((l) => l !== '');
          expect(lines, args.join(' ')).to.have.length(1);
          expect(lines[0]).to.match(/^nbparity: warning: .*Fdump\.bin/);
        }
      }
    });
  });
});
