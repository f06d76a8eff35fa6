import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {
  bundleName,
  bundleTimestamp,
  BundleError,
  openBundle,
  safeName,
  verifyBundle,
  writeBundle,
  type BundleRecord,
  type WriteBundleOptions,
} from '../src/report/bundle.js';
import {validateMetrics} from '../src/report/metrics.js';
import {regenerateBundle, traceComparisonRecord} from '../src/report/trace-evidence.js';
import {compareTraceInputs, readTraceInput} from '../src/trace/compare.js';
import {rewritePrefix} from '../src/trace/parse.js';
import {caseFile, ROOT} from './helpers/paths.js';

const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const C_REF = caseFile('supervisor', 'trace_s685_f1039.log');
const SPEC_TS = rewritePrefix(readFileSync(caseFile('supervisor_specref', 'trace_s685_f1039.log'), 'utf8'), 'C', 'TS');
const CPAR_TS = rewritePrefix(readFileSync(C_REF, 'utf8'), 'C', 'TS');
const NOW = new Date('2025-11-28T04:05:06.789Z');
const HARNESS = 'nbparity harness --config supervisor --pixel 685 1039 --phi-mode spec --ref traces/supervisor/trace_s685_f1039.log --bundle ROOT';
const REF_NAME = 'reference/trace_s685_f1039.log';

/** The bundle harness --ref writes: the trace, the reference copy, the comparison. */
function traceBundle(root: string, trace: string, warnings: string[] = []): WriteBundleOptions {
  const b = Buffer.from(trace);
  const c = compareTraceInputs({...readTraceInput(C_REF), path: REF_NAME}, {path: 'trace.log', text: trace, sha256: '0'.repeat(64), bytes: b.length}, {rtol: 1e-6, atol: null, harnessCommand: HARNESS});
  const record = traceComparisonRecord(c, {
    commands: [HARNESS],
    env: {mode: 'spec', config: 'supervisor', trace_file: 'trace.log', reference_file: REF_NAME, reference_source: C_REF, tolerance: 1e-6, atol: null},
    warnings,
    now: NOW,
  });
  return {target: {root}, files: {'trace.log': trace}, copies: {[REF_NAME]: C_REF}, now: NOW, ...record};
}

/** A small record of another kind (the image schema is exercised by compare-images' tests). */
function traceOnly(): BundleRecord {
  const c = compareTraceInputs({...readTraceInput(C_REF), path: REF_NAME}, {path: 't', text: CPAR_TS, sha256: '0'.repeat(64), bytes: 1}, {});
  return traceComparisonRecord(c, {commands: ['x'], env: {trace_file: 't', reference_file: REF_NAME, reference_source: null, tolerance: 1e-6, atol: null}, warnings: []});
}

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {encoding: 'utf8', cwd: ROOT});
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

const hasSha256sum = () => {
  const r = spawnSync('sha256sum', ['--version'], {encoding: 'utf8'});
  return !r.error && r.status === 0;
};

async function rejects(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return expect.fail('expected a rejection');
}

describe('bundles', function () {
  this.timeout(60000);
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'nbparity-bundle-'));
  });
  afterEach(() => rmSync(tmp, {recursive: true, force: true}));

  it('names folders yyyymmddTHHMMSSZ in UTC, -2, -3… within one second', () => {
    expect(bundleTimestamp(NOW)).to.equal('20251128T040506Z');
    expect(bundleName('20251128T040506Z', 1)).to.equal('20251128T040506Z');
    expect(bundleName('20251128T040506Z', 2)).to.equal('20251128T040506Z-2');
  });

  it('a trace comparison: the trace, the reference, metrics, summary, warnings, commands, env and sha256', async () => {
    const root = join(tmp, 'reports');
    const r = await writeBundle(traceBundle(root, SPEC_TS, ['a warning the run printed']));
    expect(readdirSync(root)).to.deep.equal(['20251128T040506Z']);
    expect(r.dir).to.equal(join(root, '20251128T040506Z'));
    expect(r.files).to.deep.equal(['commands.txt', 'env.json', 'index.html', 'metrics.json', REF_NAME, 'sha256.txt', 'summary.md', 'trace.log', 'warnings.txt']);
    expect(readFileSync(join(r.dir, REF_NAME))).to.deep.equal(readFileSync(C_REF));
    expect(readFileSync(join(r.dir, 'trace.log'), 'utf8')).to.equal(SPEC_TS);
    expect(readFileSync(join(r.dir, 'commands.txt'), 'utf8')).to.equal(HARNESS + '\n');
    expect(readFileSync(join(r.dir, 'warnings.txt'), 'utf8')).to.equal('a warning the run printed\n');

    const m = JSON.parse(readFileSync(join(r.dir, 'metrics.json'), 'utf8'));
    validateMetrics(m);
    expect(m.kind).to.equal('trace-comparison');
    expect(m.warnings).to.deep.equal(['a warning the run printed']);
    expect(m.first_divergence).to.equal('rot_a_angstroms');
    expect(m.inputs.ref.path).to.equal(REF_NAME);
    expect(m.inputs.test.path).to.equal('trace.log');
    const summary = readFileSync(join(r.dir, 'summary.md'), 'utf8');
    expect(summary).to.contain('C-PARITY-001');
    expect(summary).to.contain('nbparity harness --config supervisor --pixel 685 1039 --ref traces/supervisor/trace_s685_f1039.log --phi-mode c-parity');
    // the warning sits next to the verdict, before the rules and tables
    expect(summary.indexOf('a warning the run printed')).to.be.above(summary.indexOf('| verdict |'));
    expect(summary.indexOf('a warning the run printed')).to.be.below(summary.indexOf('Rules:'));

    const env = JSON.parse(readFileSync(join(r.dir, 'env.json'), 'utf8'));
    expect(env).to.include({bundle_format: 2, mode: 'spec', tolerance: 1e-6, config: 'supervisor', node_version: process.version, platform: process.platform});
    expect(env.package_version).to.equal(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(env.git_commit === null || /^[0-9a-f]{40}$/.test(env.git_commit)).to.equal(true);
    expect(env).to.include({trace_file: 'trace.log', reference_file: REF_NAME, verdict: 'divergence'});

    const manifest = readFileSync(join(r.dir, 'sha256.txt'), 'utf8').trim().split('\n');
    expect(manifest.map((l) => l.slice(66))).to.deep.equal(r.files.filter((f) => f !== 'sha256.txt'));
    for (const l of manifest) expect(l).to.match(/^[0-9a-f]{64} {2}\S/);
    expect((await verifyBundle(r.dir)).ok).to.equal(true);
  });

  it('sha256sum -c passes inside the folder, sub-bundles included', async function () {
    if (!hasSha256sum()) this.skip();
    const b = await openBundle({root: join(tmp, 'reports')}, NOW);
    await b.add('a.txt', 'a');
    const part = await b.part('case-1');
    await part.add('trace.log', CPAR_TS);
    await part.finish(traceOnly());
    const r = await b.finish(traceOnly());
    for (const dir of [r.dir, join(r.dir, 'case-1')]) {
      const check = spawnSync('sha256sum', ['-c', '--strict', 'sha256.txt'], {cwd: dir, encoding: 'utf8'});
      expect(check.status, check.stdout + check.stderr).to.equal(0);
    }
  });

  it('a bundle of sub-bundles: every part in the same format, the top sha256.txt over everything, verify checks all', async () => {
    const b = await openBundle({dir: join(tmp, 'campaign')}, NOW);
    for (const name of ['case-a', 'case-b']) {
      const part = await b.part(name);
      await part.add('trace.log', CPAR_TS);
      expect(readdirSync(part.path)).to.deep.equal(['trace.log']);
      await part.finish(traceOnly());
    }
    const r = await b.finish({...traceOnly(), renderIndex: (view) => `<html>${view.files.length} files; ${view.read('case-a/trace.log').length} bytes</html>`});
    expect(r.dir).to.equal(join(tmp, 'campaign'));
    const part = ['commands.txt', 'env.json', 'metrics.json', 'sha256.txt', 'summary.md', 'trace.log', 'warnings.txt'];
    expect(r.files).to.include.members([...part.map((f) => `case-a/${f}`), ...part.map((f) => `case-b/${f}`), 'index.html', 'sha256.txt']);
    // the index renderer saw the finished parts, and its page is covered by the manifest
    expect(readFileSync(join(r.dir, 'index.html'), 'utf8')).to.equal(`<html>${r.files.length - 2} files; ${Buffer.byteLength(CPAR_TS)} bytes</html>`);
    const top = readFileSync(join(r.dir, 'sha256.txt'), 'utf8');
    expect(top).to.contain('  case-a/sha256.txt\n');
    expect(top).to.contain('  index.html\n');
    let v = await verifyBundle(r.dir);
    expect(v).to.include({ok: true});
    expect(v.manifests).to.deep.equal(['case-a/sha256.txt', 'case-b/sha256.txt', 'sha256.txt']);
    appendFileSync(join(r.dir, 'case-b', 'trace.log'), 'x');
    v = await verifyBundle(r.dir);
    expect(v.ok).to.equal(false);
    expect(v.changed).to.deep.equal(['case-b/trace.log']);
    const out = cli('metrics', r.dir, '--verify');
    expect(out.code, out.stderr).to.equal(1);
    expect(out.stdout).to.contain('changed: case-b/trace.log');
  });

  it('bundles in the same second get distinct, deterministic names', async () => {
    const root = join(tmp, 'reports');
    const names: string[] = [];
    for (let i = 0; i < 3; i++) names.push((await writeBundle(traceBundle(root, SPEC_TS))).name);
    expect(names).to.deep.equal(['20251128T040506Z', '20251128T040506Z-2', '20251128T040506Z-3']);
    expect(readdirSync(root).sort()).to.deep.equal(names);
    // concurrent writers too: each gets its own folder
    const many = await Promise.all([0, 1, 2].map(() => writeBundle(traceBundle(root, SPEC_TS))));
    expect(new Set(many.map((b) => b.name)).size).to.equal(3);
    expect(readdirSync(root)).to.have.length(6);
  });

  it('an exact folder must not hold anything: an existing file or non-empty folder is refused (exit 6), an empty one is used', async () => {
    mkdirSync(join(tmp, 'full'));
    writeFileSync(join(tmp, 'full', 'mine.txt'), 'not ours');
    writeFileSync(join(tmp, 'afile'), 'x');
    for (const dir of ['full', 'afile']) {
      const e = await rejects(writeBundle({...traceBundle(tmp, SPEC_TS), target: {dir: join(tmp, dir)}}));
      expect((e as BundleError).exitCode, String(e)).to.equal(6);
    }
    expect(readdirSync(join(tmp, 'full'))).to.deep.equal(['mine.txt']);
    mkdirSync(join(tmp, 'empty'));
    const r = await writeBundle({...traceBundle(tmp, SPEC_TS), target: {dir: join(tmp, 'empty')}});
    expect(r.dir).to.equal(join(tmp, 'empty'));
    expect(readdirSync(tmp).filter((f) => f.startsWith('.tmp-'))).to.deep.equal([]);
  });

  it('a failed step leaves nothing behind, not even the root it created', async () => {
    const root = join(tmp, 'a', 'b');
    const bads: WriteBundleOptions[] = [
      {...traceBundle(root, SPEC_TS), files: {'../escape.log': SPEC_TS}},
      {...traceBundle(root, SPEC_TS), files: {'sha256.txt': 'x'}},
      {...traceBundle(root, SPEC_TS), files: {'we\nird.log': 'x'}},
      {...traceBundle(root, SPEC_TS), copies: {x: join(tmp, 'missing.log')}},
      // a file where a folder must go: fails inside the temporary folder
      {...traceBundle(root, SPEC_TS), files: {'trace.log': SPEC_TS, 'trace.log/x': 'y'}},
      // metrics that do not validate: a bug, caught before the rename
      {...traceBundle(root, SPEC_TS), metrics: {schema: 'metrics.schema.json', data: {kind: 'nonsense'}}},
    ];
    for (const bad of bads) {
      await rejects(writeBundle(bad));
      expect(readdirSync(tmp), JSON.stringify(Object.keys(bad.files))).to.deep.equal([]);
    }
  });

  it('names from user input are made safe (row 15: a reference name with a newline)', () => {
    expect(safeName('we\nird.log')).to.equal('we_ird.log');
    expect(safeName('..')).to.equal('__');
    expect(safeName('.hidden')).to.equal('_hidden');
    expect(safeName('a b\\c/d')).to.equal('a_b_c_d');
    expect(safeName('')).to.equal('_');
  });

  it('verify finds a changed byte, a missing file and an extra file', async () => {
    const r = await writeBundle(traceBundle(join(tmp, 'reports'), SPEC_TS));
    appendFileSync(join(r.dir, 'trace.log'), ' ');
    let v = await verifyBundle(r.dir);
    expect(v).to.include({ok: false});
    expect(v.changed).to.deep.equal(['trace.log']);

    const r2 = await writeBundle(traceBundle(join(tmp, 'reports'), SPEC_TS));
    unlinkSync(join(r2.dir, 'summary.md'));
    writeFileSync(join(r2.dir, 'notes.txt'), 'hi');
    v = await verifyBundle(r2.dir);
    expect(v.missing).to.deep.equal(['summary.md']);
    expect(v.extra).to.deep.equal(['notes.txt']);
    expect(v.ok).to.equal(false);
  });

  it('nbparity metrics BUNDLE --verify passes, fails after one changed byte, passes again after metrics BUNDLE', async () => {
    const r = await writeBundle(traceBundle(join(tmp, 'reports'), SPEC_TS));
    let out = cli('metrics', r.dir, '--verify');
    expect(out.code, out.stdout + out.stderr).to.equal(0);

    const trace = join(r.dir, 'trace.log');
    const bytes = readFileSync(trace);
    const at = bytes.indexOf('943654');
    bytes[at >= 0 ? at : 100] ^= 1;
    writeFileSync(trace, bytes);
    out = cli('metrics', r.dir, '--verify');
    expect(out.code).to.equal(1);
    expect(out.stdout).to.contain('changed: trace.log');
    out = cli('metrics', r.dir, '--verify', '--json');
    expect(JSON.parse(out.stdout).changed).to.deep.equal(['trace.log']);

    out = cli('metrics', r.dir);
    expect(out.code, out.stderr).to.equal(0);
    expect(cli('metrics', r.dir, '--verify').code).to.equal(0);
    const commands = readFileSync(join(r.dir, 'commands.txt'), 'utf8').trim().split('\n');
    expect(commands).to.deep.equal([HARNESS, `nbparity metrics ${r.dir}`]);
    const env = JSON.parse(readFileSync(join(r.dir, 'env.json'), 'utf8'));
    expect(env.created_utc).to.equal(NOW.toISOString());
    expect(env.updated_utc).to.be.a('string');
    expect(env.mode).to.equal('spec');
  });

  it('metrics BUNDLE recomputes the comparison with another tolerance, keeping the warnings', async () => {
    const r = await writeBundle(traceBundle(join(tmp, 'reports'), SPEC_TS, ['kept']));
    const res = await regenerateBundle(r.dir, {tolerance: 0.5, command: 'nbparity metrics X --tolerance 0.5'});
    expect(res.written).to.deep.equal(['metrics.json', 'summary.md', 'warnings.txt', 'commands.txt', 'env.json', 'index.html', 'sha256.txt']);
    const m = JSON.parse(readFileSync(join(r.dir, 'metrics.json'), 'utf8'));
    expect(m.tolerance).to.equal(0.5);
    expect(m.warnings).to.deep.equal(['kept']);
    expect(readFileSync(join(r.dir, 'summary.md'), 'utf8')).to.contain('- kept');
    expect(JSON.parse(readFileSync(join(r.dir, 'env.json'), 'utf8')).tolerance).to.equal(0.5);
    expect((await verifyBundle(r.dir)).ok).to.equal(true);
  });

  it('metrics on something that is not a bundle, or with an empty or malformed manifest, exits 3 (row 19)', async () => {
    expect(cli('metrics', join(tmp, 'nothing'), '--verify').code).to.equal(3);
    mkdirSync(join(tmp, 'empty'));
    let out = cli('metrics', join(tmp, 'empty'), '--verify');
    expect(out.code).to.equal(3);
    expect(out.stderr.trim()).to.match(/^nbparity: .*no sha256\.txt, so not a bundle$/);
    writeFileSync(join(tmp, 'empty', 'sha256.txt'), 'not a manifest\n');
    out = cli('metrics', join(tmp, 'empty'), '--verify');
    expect(out.code).to.equal(3);
    expect(out.stderr).to.match(/sha256\.txt:1: expected '<64 hex digits>  <file>'/);
    // an empty manifest vouches for nothing: bad input, not "6 extra files"
    const r = await writeBundle(traceBundle(join(tmp, 'reports'), SPEC_TS));
    writeFileSync(join(r.dir, 'sha256.txt'), '');
    out = cli('metrics', r.dir, '--verify');
    expect(out.code).to.equal(3);
    expect(out.stderr).to.match(/lists no file/);
  });

  it('metrics BUNDLE (recompute) refuses a bundle that is not a trace comparison (exit 2)', async () => {
    const r = await writeBundle({...traceBundle(join(tmp, 'reports'), SPEC_TS), env: {}});
    const out = cli('metrics', r.dir);
    expect(out.code, out.stderr).to.equal(2);
    expect(out.stderr).to.match(/nothing to recompute/);
    expect(existsSync(join(r.dir, 'sha256.txt'))).to.equal(true);
  });
});
