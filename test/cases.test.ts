/**
 * The case loader (src/cases/) and the private folders --config runs in, including issue 12's
 * acceptance: an earlier `simulate` in the inputs folder (leaving Fdump.bin there) changes no
 * verdict of any preset.
 */
import {expect} from 'chai';
import {execFile} from 'node:child_process';
import {cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {loadCaseFolder, loadCases, loadStoredCase, resolveCase, storedCaseNames} from '../src/cases/load.js';
import {metaProblems} from '../src/cases/meta.js';
import {openPrivateFolder} from '../src/cases/private-folder.js';
import {openConfig} from '../src/cli/config.js';
import {runSimulate} from '../src/cli/simulate.js';
import {UserError} from '../src/engine/errors.js';
import {tracePixel} from '../src/engine/harness.js';
import {compareTraceInputs} from '../src/trace/compare.js';
import {ROOT, TRACES} from './helpers/paths.js';

function exitCodeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) return e.exitCode;
    throw e;
  }
  return undefined;
}

describe('cases: one loader', () => {
  it('every stored meta.json validates against schemas/case-meta.schema.json and loads', () => {
    const names = storedCaseNames();
    expect(names.length).to.be.at.least(31);
    for (const name of names) {
      const c = loadStoredCase(name);
      expect(c.name, name).to.equal(name);
      expect(c.inputsDir).to.equal(join(TRACES, 'inputs'));
      expect(c.references.stdout, name).to.equal(join(TRACES, name, 'stdout.log'));
      // an image, or at least its sha256 (the _specref cases keep only that)
      if (c.exitCode === 0) expect(c.references.float ?? c.floatSha256, name).to.be.a('string');
      for (const p of c.pixels) expect(existsSync(p.trace!), p.trace).to.equal(true);
    }
    expect(loadStoredCase('fdump_reuse').preArgs).to.include('-hkl');
    expect(loadStoredCase('supervisor').references.float).to.equal(join(TRACES, 'supervisor', 'float.bin.gz'));
    expect(loadStoredCase('water_noise').references.noise).to.equal(join(TRACES, 'water_noise', 'noise.img'));
  });

  it('finds a case by name, by folder, by meta.json, and every case of a folder of cases', () => {
    const byName = resolveCase('mosaic');
    expect(resolveCase('traces/mosaic', ROOT)).to.deep.equal(byName);
    expect(resolveCase(join(TRACES, 'mosaic', 'meta.json'))).to.deep.equal(byName);
    expect(loadCases('traces', ROOT).map((c) => c.name)).to.deep.equal(storedCaseNames());
  });

  it('names what is wrong, with the documented exit code', () => {
    expect(exitCodeOf(() => resolveCase('no_such_case'))).to.equal(2);
    expect(exitCodeOf(() => resolveCase('/nonexistent/folder'))).to.equal(3);
    expect(exitCodeOf(() => resolveCase(join(TRACES, 'inputs')))).to.equal(3);
    expect(exitCodeOf(() => resolveCase('traces', ROOT))).to.equal(2);
    const dir = mkdtempSync(join(tmpdir(), 'nbparity-case-'));
    try {
      const meta = JSON.parse(readFileSync(join(TRACES, 'simple_cubic', 'meta.json'), 'utf8'));
      const write = (m: unknown) => writeFileSync(join(dir, 'meta.json'), typeof m === 'string' ? m : JSON.stringify(m));
      const problem = (m: unknown) => {
        write(m);
        try {
          loadCaseFolder(dir);
        } catch (e) {
          expect(e).to.be.instanceOf(UserError);
          expect((e as UserError).exitCode).to.equal(3);
          expect((e as UserError).message).to.contain(join(dir, 'meta.json'));
          return (e as UserError).message;
        }
        throw new Error('loaded a bad case');
      };
      expect(problem('{not json')).to.contain('not JSON');
      expect(problem({...meta, inputs: undefined})).to.contain("must have required property 'inputs'");
      expect(problem({...meta, colour: 'red'})).to.contain('must NOT have additional properties');
      expect(problem({...meta, traces: ['trace_s1_f2.log', 'trace_s100_f150.log']})).to.contain("traces[0] is trace_s1_f2.log, but its pixel (slow 199, fast 250) names trace_s199_f250.log");
      expect(problem(meta)).to.contain('the trace trace_s199_f250.log it lists is not in the folder');
      expect(metaProblems({...meta, thresholds: {corr_min: 0.99}})).to.equal(undefined);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe('private folders', () => {
  let inputs: string;
  beforeEach(() => {
    inputs = mkdtempSync(join(tmpdir(), 'nbparity-inputs-'));
    for (const f of ['A.mat', 'x.hkl', 'Fdump.bin', 'other.txt']) writeFileSync(join(inputs, f), f);
    mkdirSync(join(inputs, 'sub'));
    writeFileSync(join(inputs, 'sub', 'm.img'), 'mask');
  });
  afterEach(() => rmSync(inputs, {recursive: true, force: true}));

  it('hold links to exactly the inputs the arguments name, and go when disposed', () => {
    const f = openPrivateFolder(inputs, [['-mat', 'A.mat', '-hkl', 'x.hkl', '-mask', 'sub/m.img', '-sourcefile', 'absent.txt', '-N', '5'], ['-matrix_is_not_a_file_flag_here']]);
    expect(readdirSync(f.dir).sort()).to.deep.equal(['A.mat', 'sub', 'x.hkl']);
    expect(lstatSync(join(f.dir, 'A.mat')).isSymbolicLink()).to.equal(true);
    expect(readFileSync(join(f.dir, 'sub', 'm.img'), 'utf8')).to.equal('mask');
    f.dispose();
    expect(existsSync(f.dir)).to.equal(false);
  });

  it('copy an input the run may also write, so that no write reaches the inputs folder', () => {
    const f = openPrivateFolder(inputs, [['-hkl', 'Fdump.bin', '-mat', 'A.mat', '-floatfile', 'A.mat']]);
    try {
      expect(lstatSync(join(f.dir, 'Fdump.bin')).isSymbolicLink()).to.equal(false);
      expect(lstatSync(join(f.dir, 'A.mat')).isSymbolicLink()).to.equal(false);
      writeFileSync(join(f.dir, 'Fdump.bin'), 'written by the run');
      expect(readFileSync(join(inputs, 'Fdump.bin'), 'utf8')).to.equal('Fdump.bin');
    } finally {
      f.dispose();
    }
  });

  it('refuse an input named outside the inputs folder (exit 3)', () => {
    expect(exitCodeOf(() => openPrivateFolder(inputs, [['-hkl', '../x.hkl']]))).to.equal(3);
  });
});

describe('presets never share mutable state (issue 12)', function () {
  this.timeout(600000);
  let checkout: string;
  before(async () => {
    // a checkout whose traces/inputs had the README's simulate run inside it (scaled.hkl read,
    // Fdump.bin and C's default output files left behind)
    checkout = mkdtempSync(join(tmpdir(), 'nbparity-poisoned-'));
    mkdirSync(join(checkout, 'traces'));
    cpSync(join(TRACES, 'inputs'), join(checkout, 'traces', 'inputs'), {recursive: true});
    for (const name of storedCaseNames()) symlinkSync(join(TRACES, name), join(checkout, 'traces', name));
    const code = await runSimulate({argv: ['-mat', 'A.mat', '-hkl', 'scaled.hkl', '-N', '5', '-detpixels', '16', '-nonoise'], phiMode: 'c-parity', workers: 1, cwd: join(checkout, 'traces', 'inputs'), print: () => undefined, warn: () => undefined});
    expect(code).to.equal(0);
    expect(existsSync(join(checkout, 'traces', 'inputs', 'Fdump.bin'))).to.equal(true);
  });
  after(() => rmSync(checkout, {recursive: true, force: true}));

  const verdict = async (spec: string, slow: number, fast: number, ref: string): Promise<string> => {
    const run = await openConfig(spec, 'c-parity');
    try {
      const {trace} = tracePixel({argv: run.argv, spixel: slow, fpixel: fast, phiMode: 'c-parity', cwd: run.cwd});
      const refText = readFileSync(ref, 'utf8');
      return compareTraceInputs({path: ref, text: refText, sha256: '', bytes: refText.length}, {path: 'harness', text: trace, sha256: '', bytes: trace.length}, {rtol: 1e-6}).verdict;
    } finally {
      run.dispose();
    }
  };

  it('the stale Fdump.bin would change a verdict if a run read the inputs folder itself', () => {
    const c = loadStoredCase('simple_cubic');
    const {trace} = tracePixel({argv: c.args, spixel: c.pixels[0].slow, fpixel: c.pixels[0].fast, phiMode: 'c-parity', cwd: join(checkout, 'traces', 'inputs')});
    expect(trace).to.not.contain('TRACE_TS: F_cell 100\n');
  });

  it('every preset through --config gives the verdict of a fresh checkout', async () => {
    const before = readdirSync(join(checkout, 'traces', 'inputs')).sort();
    for (const name of storedCaseNames()) {
      const c = loadStoredCase(name);
      if (c.pixels.length === 0) continue;
      const {slow, fast, trace} = c.pixels[0];
      const fresh = await verdict(name, slow, fast, trace!);
      expect(await verdict(join(checkout, 'traces', name), slow, fast, trace!), name).to.equal(fresh);
    }
    // and the runs left the poisoned folder as they found it
    expect(readdirSync(join(checkout, 'traces', 'inputs')).sort()).to.deep.equal(before);
  });

  it('through the CLI: harness --config <poisoned case> --ref --bundle passes (simple_cubic, fdump_reuse)', async () => {
    const bundles = join(checkout, 'bundles');
    for (const name of ['simple_cubic', 'fdump_reuse']) {
      const {slow, fast, trace} = loadStoredCase(name).pixels[0];
      const args = [join(ROOT, 'dist', 'src', 'cli.js'), 'harness', '--config', join(checkout, 'traces', name), '--pixel', String(slow), String(fast), '--phi-mode', 'c-parity', '--ref', trace!, '--bundle', bundles];
      const code = await new Promise<number | null>((done) => execFile(process.execPath, args, {cwd: checkout}, (e) => done(e ? ((e as {code?: number}).code ?? null) : 0)));
      expect(code, name).to.equal(0);
    }
  });
});
