import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {bundleName, bundleTimestamp, BundleError, regenerateBundle, verifyBundle, writeBundle, type WriteBundleOptions} from '../src/report/bundle.js';
import {validateMetrics} from '../src/report/metrics.js';
import {TraceInputError} from '../src/trace/errors.js';
import {rewritePrefix} from '../src/trace/parse.js';
import {caseFile, ROOT} from './helpers/paths.js';

const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const C_REF = caseFile('supervisor', 'trace_s685_f1039.log');
const SPEC_TS = rewritePrefix(readFileSync(caseFile('supervisor_specref', 'trace_s685_f1039.log'), 'utf8'), 'C', 'TS');
const CPAR_TS = rewritePrefix(readFileSync(C_REF, 'utf8'), 'C', 'TS');
const NOW = new Date('2025-11-28T04:05:06.789Z');
const HARNESS = 'nbparity harness --config supervisor --pixel 685 1039 --phi-mode spec --ref traces/supervisor/trace_s685_f1039.log --bundle ROOT';

function options(root: string, trace: string, extra: Partial<WriteBundleOptions> = {}): WriteBundleOptions {
  return {
    root,
    files: {'trace.log': trace},
    commands: [HARNESS],
    env: {mode: 'spec', tolerance: 1e-6, config: 'supervisor'},
    reference: C_REF,
    now: NOW,
    ...extra,
  };
}

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {encoding: 'utf8', cwd: ROOT});
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

const hasSha256sum = () => {
  const r = spawnSync('sha256sum', ['--version'], {encoding: 'utf8'});
  return !r.error && r.status === 0;
};

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

  it('spec mode with a reference: one folder with the trace, the reference, the comparison, commands, env and sha256', async () => {
    const root = join(tmp, 'reports');
    const r = await writeBundle(options(root, SPEC_TS));
    expect(readdirSync(root)).to.deep.equal(['20251128T040506Z']);
    expect(r.dir).to.equal(join(root, '20251128T040506Z'));
    expect(r.files).to.deep.equal([
      'commands.txt',
      'env.json',
      'metrics.json',
      'reference/trace_s685_f1039.log',
      'sha256.txt',
      'summary.md',
      'trace.log',
    ]);
    expect(r.exitCode).to.equal(1);
    expect(readFileSync(join(r.dir, 'reference/trace_s685_f1039.log'))).to.deep.equal(readFileSync(C_REF));
    expect(readFileSync(join(r.dir, 'trace.log'), 'utf8')).to.equal(SPEC_TS);
    expect(readFileSync(join(r.dir, 'commands.txt'), 'utf8')).to.equal(HARNESS + '\n');

    const m = JSON.parse(readFileSync(join(r.dir, 'metrics.json'), 'utf8'));
    validateMetrics(m);
    expect(m.first_divergence).to.equal('rot_a_angstroms');
    expect(m.inputs.ref.path).to.equal('reference/trace_s685_f1039.log');
    expect(m.inputs.test.path).to.equal('trace.log');
    const summary = readFileSync(join(r.dir, 'summary.md'), 'utf8');
    expect(summary).to.contain('C-PARITY-001');
    expect(summary).to.contain('nbparity harness --config supervisor --pixel 685 1039 --ref traces/supervisor/trace_s685_f1039.log --phi-mode c-parity');

    const env = JSON.parse(readFileSync(join(r.dir, 'env.json'), 'utf8'));
    expect(env).to.include({mode: 'spec', tolerance: 1e-6, config: 'supervisor', node_version: process.version, platform: process.platform});
    expect(env.package_version).to.equal(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(env.git_commit === null || /^[0-9a-f]{40}$/.test(env.git_commit)).to.equal(true);
    expect(env).to.include({trace_file: 'trace.log', reference_file: 'reference/trace_s685_f1039.log', verdict: 'divergence'});

    const manifest = readFileSync(join(r.dir, 'sha256.txt'), 'utf8').trim().split('\n');
    expect(manifest.map((l) => l.slice(66))).to.deep.equal(r.files.filter((f) => f !== 'sha256.txt'));
    for (const l of manifest) expect(l).to.match(/^[0-9a-f]{64} {2}\S/);
    expect((await verifyBundle(r.dir)).ok).to.equal(true);
  });

  it('sha256sum -c passes inside the folder', async function () {
    if (!hasSha256sum()) this.skip();
    const r = await writeBundle(options(join(tmp, 'reports'), SPEC_TS));
    const check = spawnSync('sha256sum', ['-c', 'sha256.txt'], {cwd: r.dir, encoding: 'utf8'});
    expect(check.status, check.stdout + check.stderr).to.equal(0);
  });

  it('c-parity mode: exit code 0 and first_divergence null', async () => {
    const r = await writeBundle(options(join(tmp, 'reports'), CPAR_TS, {env: {mode: 'c-parity', tolerance: 1e-6}}));
    expect(r.exitCode).to.equal(0);
    expect(JSON.parse(readFileSync(join(r.dir, 'metrics.json'), 'utf8')).first_divergence).to.equal(null);
  });

  it('without a reference: no comparison files', async () => {
    const r = await writeBundle(options(join(tmp, 'reports'), CPAR_TS, {reference: undefined}));
    expect(r.files).to.deep.equal(['commands.txt', 'env.json', 'sha256.txt', 'trace.log']);
    expect(r.comparison).to.equal(null);
    expect(r.exitCode).to.equal(0);
  });

  it('bundles in the same second get distinct, deterministic names', async () => {
    const root = join(tmp, 'reports');
    const names: string[] = [];
    for (let i = 0; i < 3; i++) names.push((await writeBundle(options(root, SPEC_TS))).name);
    expect(names).to.deep.equal(['20251128T040506Z', '20251128T040506Z-2', '20251128T040506Z-3']);
    expect(readdirSync(root).sort()).to.deep.equal(names);
    // concurrent writers too: each gets its own folder
    const many = await Promise.all([0, 1, 2].map(() => writeBundle(options(root, SPEC_TS))));
    expect(new Set(many.map((b) => b.name)).size).to.equal(3);
    expect(readdirSync(root)).to.have.length(6);
  });

  it('a failed step leaves nothing behind', async () => {
    const root = join(tmp, 'reports');
    const noBlock = join(tmp, 'noblock.log');
    writeFileSync(noBlock, readFileSync(C_REF, 'utf8').split('\n').filter((l) => !l.startsWith('TRACE_C: ')).join('\n'));
    let err: unknown;
    try {
      await writeBundle(options(root, SPEC_TS, {reference: noBlock}));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(TraceInputError);
    expect(existsSync(root)).to.equal(false);

    mkdirSync(root);
    for (const bad of [
      options(root, SPEC_TS, {files: {'../escape.log': SPEC_TS}}),
      options(root, SPEC_TS, {files: {'sha256.txt': 'x'}}),
      options(root, SPEC_TS, {commands: []}),
      options(root, SPEC_TS, {env: {mode: '', tolerance: 1e-6}}),
      options(root, SPEC_TS, {reference: join(tmp, 'missing.log')}),
      options(root, SPEC_TS, {files: {'a.log': 'x', 'b.log': 'y'}}),
    ]) {
      let e: unknown;
      try {
        await writeBundle(bad);
      } catch (error) {
        e = error;
      }
      expect(e, JSON.stringify(Object.keys(bad.files))).to.be.instanceOf(Error);
      expect((e as BundleError).exitCode).to.equal(2);
      expect(readdirSync(root)).to.deep.equal([]);
    }

    // a failure after the temporary folder exists (a file where a folder must go) is cleaned up too
    let late: unknown;
    try {
      await writeBundle(options(root, SPEC_TS, {files: {'trace.log': SPEC_TS, 'trace.log/x': 'y'}, trace: 'trace.log'}));
    } catch (error) {
      late = error;
    }
    expect(late).to.be.instanceOf(Error);
    expect(readdirSync(root)).to.deep.equal([]);
  });

  it('verify finds a changed byte, a missing file and an extra file', async () => {
    const r = await writeBundle(options(join(tmp, 'reports'), SPEC_TS));
    appendFileSync(join(r.dir, 'trace.log'), ' ');
    let v = await verifyBundle(r.dir);
    expect(v).to.include({ok: false});
    expect(v.changed).to.deep.equal(['trace.log']);

    const r2 = await writeBundle(options(join(tmp, 'reports'), SPEC_TS));
    unlinkSync(join(r2.dir, 'summary.md'));
    writeFileSync(join(r2.dir, 'notes.txt'), 'hi');
    v = await verifyBundle(r2.dir);
    expect(v.missing).to.deep.equal(['summary.md']);
    expect(v.extra).to.deep.equal(['notes.txt']);
    expect(v.ok).to.equal(false);
  });

  it('nbparity metrics BUNDLE --verify passes, fails after one changed byte, passes again after metrics BUNDLE', async () => {
    const r = await writeBundle(options(join(tmp, 'reports'), SPEC_TS));
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

  it('metrics BUNDLE recomputes the comparison with another tolerance', async () => {
    const r = await writeBundle(options(join(tmp, 'reports'), SPEC_TS));
    const res = await regenerateBundle(r.dir, {tolerance: 0.5, command: 'nbparity metrics X --tolerance 0.5'});
    expect(res.written).to.deep.equal(['metrics.json', 'summary.md', 'commands.txt', 'env.json', 'sha256.txt']);
    const m = JSON.parse(readFileSync(join(r.dir, 'metrics.json'), 'utf8'));
    expect(m.tolerance).to.equal(0.5);
    expect(JSON.parse(readFileSync(join(r.dir, 'env.json'), 'utf8')).tolerance).to.equal(0.5);
    expect((await verifyBundle(r.dir)).ok).to.equal(true);
  });

  it('metrics on something that is not a bundle exits 2', async () => {
    expect(cli('metrics', join(tmp, 'nothing'), '--verify').code).to.equal(2);
    mkdirSync(join(tmp, 'empty'));
    const out = cli('metrics', join(tmp, 'empty'), '--verify');
    expect(out.code).to.equal(2);
    expect(out.stderr.trim()).to.match(/^nbparity: .*no sha256\.txt$/);
    writeFileSync(join(tmp, 'empty', 'sha256.txt'), 'not a manifest\n');
    expect(cli('metrics', join(tmp, 'empty'), '--verify').code).to.equal(2);
  });
});
