/**
 * `nbparity matrix`: the whole campaign through the CLI, as a team runs it. The stored cases
 * pass in both modes and the bundle verifies (also with sha256sum -c); an external
 * implementation that calls nbparity passes and one that perturbs a value fails exactly the rows
 * it perturbs, naming the first divergence; a crashing or hanging one makes error rows, never
 * the end of the campaign; the port's case-list format runs against a (stand-in) C program;
 * three shards merged equal one run apart from the timing fields.
 */
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseTemplate, expandTemplate} from '../src/impl/template.js';
import {readCaseList} from '../src/cases/yaml-list.js';
import {UserError} from '../src/engine/errors.js';
import {assertValid} from '../src/report/validate.js';
import {parseShard, shardOf} from '../src/matrix/shard.js';
import {onlyMatcher} from '../src/matrix/plan.js';
import type {MatrixMetrics} from '../src/matrix/types.js';
import {FIXTURES, ROOT} from './helpers/paths.js';

const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const FAKE_C = join(FIXTURES, 'fake-nanoBragg.mjs');
const IMPL = 'node test/fixtures/impl-nbparity.mjs {mode} {float} {trace} -- {args}';

function nbparity(args: string[], o: {cwd?: string; env?: NodeJS.ProcessEnv} = {}) {
  return spawnSync('node', [CLI, ...args], {cwd: o.cwd ?? ROOT, encoding: 'utf8', env: {...process.env, ...o.env}, maxBuffer: 64 << 20});
}

/** The one bundle under `root`. */
function bundleIn(root: string): string {
  const names = readdirSync(root).filter((n) => !n.startsWith('.'));
  expect(names, `bundles under ${root}`).to.have.length(1);
  return join(root, names[0]);
}

function metricsOf(dir: string): MatrixMetrics {
  return JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as MatrixMetrics;
}

/** metrics.json without its timing fields. */
function untimed(m: MatrixMetrics): unknown {
  const {generated_utc: _g, timing: _t, ...rest} = m;
  return {...rest, rows: m.rows.map(({seconds: _s, ...r}) => r)};
}

describe('matrix', function () {
  this.timeout(900000);
  let tmp: string;
  before(() => (tmp = mkdtempSync(join(tmpdir(), 'nbparity-matrix-'))));
  after(() => rmSync(tmp, {recursive: true, force: true}));

  it('passes every stored case in both modes, and its bundle verifies (metrics --verify, sha256sum -c)', () => {
    const root = join(tmp, 'all');
    const r = nbparity(['matrix', '--bundle', root]);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stderr, 'nothing on a pipe').to.equal('');
    const dir = bundleIn(root);
    const m = metricsOf(dir);
    assertValid('matrix-metrics.schema.json', m);
    const cases = readdirSync(join(ROOT, 'traces')).filter((n) => n !== 'inputs' && !n.endsWith('.md'));
    expect(new Set(m.rows.map((x) => x.case))).to.have.lengthOf(cases.length);
    expect(m.totals).to.deep.equal({rows: 2 * cases.length, passed: 2 * cases.length, failed: 0, errors: 0});
    // every image compared (identical or by the recorded sha256), every traced pixel judged
    for (const row of m.rows) {
      expect(row.image, `${row.case} ${row.mode}`).to.not.equal(undefined);
      if (row.case !== 'usage_error') expect(row.pixels.length, `${row.case} pixels`).to.be.greaterThan(0);
    }
    // spec mode of a case with a zero-angle phi step: judged against the oracle, C-PARITY-001 named against C
    const spec = m.rows.find((x) => x.case === 'supervisor' && x.mode === 'spec')!;
    expect(spec.image!.reference).to.equal('specref');
    expect(spec.pixels[0]).to.include({reference: 'specref', verdict: 'pass'});
    expect(spec.pixels[0].attribution).to.contain('C-PARITY-001');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).to.contain('| supervisor | default | spec | **pass** |');
    const v = nbparity(['metrics', dir, '--verify']);
    expect(v.status, v.stdout + v.stderr).to.equal(0);
    const sums = spawnSync('sha256sum', ['-c', '--quiet', 'sha256.txt'], {cwd: dir, encoding: 'utf8'});
    expect(sums.status, sums.stdout + sums.stderr).to.equal(0);
    // each case run's part is a bundle of its own, with the evidence of each comparison
    const part = join(dir, 'cases', 'supervisor', 'default');
    expect(readdirSync(part)).to.include.members(['image-c-parity', 'trace-c-parity-s685-f1039', 'trace-spec-s685-f1039', 'trace-spec-s685-f1039-vs-c', 'metrics.json', 'sha256.txt']);
    expect(JSON.parse(readFileSync(join(part, 'trace-spec-s685-f1039-vs-c', 'metrics.json'), 'utf8')).kind).to.equal('trace-comparison');
    expect(JSON.parse(readFileSync(join(part, 'image-c-parity', 'metrics.json'), 'utf8')).kind).to.equal('image-comparison');
  });

  it('an external implementation that calls nbparity passes; a perturbed one fails exactly the rows it perturbs, naming the first divergence', () => {
    const only = ['--only', '*_xtal,simple_cubic,mosaic'];
    const good = nbparity(['matrix', ...only, '--impl', IMPL, '--bundle', join(tmp, 'impl'), '--json']);
    expect(good.status, good.stderr).to.equal(0);
    const g = JSON.parse(good.stdout) as MatrixMetrics;
    expect(g.implementation.kind).to.equal('external');
    expect(g.totals.passed).to.equal(10);
    const bad = nbparity(['matrix', ...only, '--impl', IMPL.replace('.mjs', '.mjs --perturb -mosaic_dom'), '--bundle', join(tmp, 'perturbed'), '--json']);
    expect(bad.status, bad.stderr).to.equal(1);
    const b = JSON.parse(bad.stdout) as MatrixMetrics;
    const failed = b.rows.filter((r) => r.status !== 'pass');
    expect(failed.map((r) => `${r.case}/${r.mode}`)).to.deep.equal(['mosaic/c-parity', 'mosaic/spec']);
    for (const r of failed) {
      expect(r.status).to.equal('fail');
      expect(r.image!.status).to.equal('fail');
      expect(r.pixels.map((p) => p.first_divergence)).to.deep.equal(['I_before_scaling', 'I_before_scaling']);
      expect(r.reason).to.contain('first divergence at I_before_scaling');
    }
    const summary = readFileSync(join(bundleIn(join(tmp, 'perturbed')), 'summary.md'), 'utf8');
    expect(summary).to.contain('### mosaic / default / c-parity: fail');
  });

  it('a crashing or hanging external program makes error rows (exit 7 as a command of its own), never the end of the campaign', () => {
    const crash = nbparity(['matrix', '--only', 'simple_cubic,gauss_xtal', '--phi-mode', 'spec', '--impl', 'false {args} {float}', '--bundle', join(tmp, 'crash'), '--json']);
    expect(crash.status, crash.stderr).to.equal(1);
    const c = JSON.parse(crash.stdout) as MatrixMetrics;
    expect(c.rows).to.have.length(2);
    for (const r of c.rows) {
      expect(r).to.include({status: 'error', exit_code: 7});
      expect(r.reason).to.match(/exited with code 1/);
    }
    expect(c.totals).to.deep.equal({rows: 2, passed: 0, failed: 0, errors: 2});
    const list = join(FIXTURES, 'matrix-cases.yaml');
    const hang = nbparity(['matrix', '--cases', list, '--only', 'CUBIC-256', '--c-bin', FAKE_C, '--timeout', '1', '--bundle', join(tmp, 'hang'), '--json'], {cwd: join(ROOT, 'traces', 'inputs'), env: {FAKE_NB_HANG: '1'}});
    expect(hang.status, hang.stderr).to.equal(1);
    const h = JSON.parse(hang.stdout) as MatrixMetrics;
    expect(h.rows.map((r) => r.status)).to.deep.equal(['error', 'error']);
    expect(h.rows[0].reason).to.match(/timed out after 1 s/);
  });

  it("runs the port's case-list format against a live C program, with the list's thresholds", () => {
    const list = join(FIXTURES, 'matrix-cases.yaml');
    const inputs = join(ROOT, 'traces', 'inputs');
    const r = nbparity(['matrix', '--cases', list, '--c-bin', FAKE_C, '--bundle', join(tmp, 'yaml'), '--json'], {cwd: inputs});
    expect(r.status, r.stderr).to.equal(0);
    const m = JSON.parse(r.stdout) as MatrixMetrics;
    expect(m.rows.map((x) => `${x.case}/${x.run}/${x.mode}`)).to.deep.equal([
      'CUBIC-SHAPES/gauss/c-parity',
      'CUBIC-SHAPES/gauss/spec',
      'CUBIC-SHAPES/round/c-parity',
      'CUBIC-SHAPES/round/spec',
      'CUBIC-256/fluence/c-parity',
      'CUBIC-256/fluence/spec',
    ]);
    expect(m.rows[0].image).to.include({reference: 'live-c', identical: true});
    expect(m.rows[0].image!.thresholds).to.deep.equal({corr_min: 0.9999, sum_ratio_min: 0.99, sum_ratio_max: 1.01, max_abs_max: 500, rmse_max: null});
    // a case with no thresholds: exact equality, as for a stored case
    expect(m.rows[4].image!.thresholds).to.include({max_abs_max: 0});
    const dir = bundleIn(join(tmp, 'yaml'));
    expect(readdirSync(join(dir, 'cases', 'CUBIC-SHAPES', 'gauss'))).to.include('c.stdout.txt');
    // without a C program a case list cannot be judged: a usage error before anything runs
    const noC = nbparity(['matrix', '--cases', list, '--bundle', join(tmp, 'noc')], {cwd: inputs});
    expect(noC.status).to.equal(2);
    expect(noC.stderr).to.match(/^nbparity: CUBIC-SHAPES\/gauss .* give --c-bin/);
  });

  it('three shards merged equal one run apart from the timing fields', () => {
    // four of the quickest cases, at least one in each shard (1: sourcefile; 2: usage_error, which C
    // refuses, and phi_osc_from_zero, judged in spec mode against its oracle; 3: polar_oversample)
    const only = ['--only', 'sourcefile,usage_error,phi_osc_from_zero,polar_oversample'];
    const shards = [1, 2, 3].map((k) => {
      const root = join(tmp, 'shards', String(k));
      const r = nbparity(['matrix', ...only, '--shard', `${k}/3`, '--bundle', root]);
      expect(r.status, r.stderr).to.equal(0);
      return bundleIn(root);
    });
    expect(shards.map((d) => metricsOf(d).rows.length).every((n) => n > 0), 'every shard has rows').to.equal(true);
    const merged = nbparity(['matrix', 'merge', ...shards, '--bundle', join(tmp, 'merged')]);
    expect(merged.status, merged.stderr).to.equal(0);
    const single = nbparity(['matrix', ...only, '--bundle', join(tmp, 'single')]);
    expect(single.status, single.stderr).to.equal(0);
    const [m, s] = [bundleIn(join(tmp, 'merged')), bundleIn(join(tmp, 'single'))];
    expect(readFileSync(join(m, 'summary.md'), 'utf8')).to.equal(readFileSync(join(s, 'summary.md'), 'utf8'));
    expect(untimed(metricsOf(m))).to.deep.equal(untimed(metricsOf(s)));
    expect(nbparity(['metrics', m, '--verify']).status).to.equal(0);
    // a missing shard is partial (exit 8); the same shard twice is refused (exit 3)
    expect(nbparity(['matrix', 'merge', shards[0], shards[1], '--bundle', join(tmp, 'partial')]).status).to.equal(8);
    const twice = nbparity(['matrix', 'merge', shards[0], shards[0], '--bundle', join(tmp, 'twice')]);
    expect(twice.status).to.equal(3);
    expect(twice.stderr).to.match(/^nbparity: row .* is in both/);
  });

  describe('pieces', () => {
    it('a shard depends on the case and run alone, not on the list', () => {
      expect(parseShard('2/3')).to.deep.equal({k: 2, n: 3});
      for (const bad of ['0/3', '4/3', '3', 'a/b']) expect(() => parseShard(bad)).to.throw(UserError);
      const ids = Array.from({length: 300}, (_, i) => `case-${i}`);
      const counts = [0, 0, 0];
      for (const id of ids) counts[shardOf(id, 'run', 3) - 1]++;
      // every shard gets a share (an unlucky hash would starve one)
      for (const c of counts) expect(c).to.be.within(70, 130);
      expect(shardOf('supervisor', 'default', 3)).to.equal(shardOf('supervisor', 'default', 3));
    });
    it('--only matches the case or case/run, with * for any text', () => {
      const m = onlyMatcher('AT-*/pixel-0.1mm,simple_cubic');
      expect(m('AT-PARALLEL-002', 'pixel-0.1mm')).to.equal(true);
      expect(m('AT-PARALLEL-002', 'pixel-0.2mm')).to.equal(false);
      expect(m('simple_cubic', 'default')).to.equal(true);
      expect(m('simple_cubic_x', 'default')).to.equal(false);
    });
    it('the --impl template: placeholders expanded, mistakes refused', () => {
      const w = parseTemplate('prog --mode {mode} -o {float} {trace} {args} --px {slow},{fast}', '/');
      expect(expandTemplate(w, {args: ['-N', '5'], float: '/t/f.bin', mode: 'spec'})).to.deep.equal(['prog', '--mode', 'spec', '-o', '/t/f.bin', '-N', '5', '--px', ',']);
      expect(expandTemplate(w, {args: ['-N', '5'], float: '/t/f.bin', mode: 'spec', pixel: {slow: 3, fast: 4}})).to.deep.equal(['prog', '--mode', 'spec', '-o', '/t/f.bin', '-trace_pixel', '3', '4', '-N', '5', '--px', '3,4']);
      for (const bad of ['', 'prog {float}', 'prog {args}', 'prog {args} {float} {nope}', 'prog x{args} {float}']) expect(() => parseTemplate(bad), bad).to.throw(UserError);
    });
    it('a case list: runs in order, malformed lists named (exit 3)', () => {
      const cases = readCaseList(join(FIXTURES, 'matrix-cases.yaml'), '/inputs');
      expect(cases.map((c) => c.name)).to.deep.equal(['CUBIC-SHAPES/gauss', 'CUBIC-SHAPES/round', 'CUBIC-256/fluence']);
      expect(cases[1].args.slice(-4)).to.deep.equal(['-round_xtal', '-fudge', '1.5', '-nonoise']);
      expect(cases[0]).to.include({inputsDir: '/inputs'});
      const dir = mkdtempSync(join(tmpdir(), 'nbparity-list-'));
      try {
        const bad = (text: string, message: RegExp) => {
          const p = join(dir, 'l.yaml');
          writeFileSync(p, text);
          let err: unknown;
          try {
            readCaseList(p);
          } catch (e) {
            err = e;
          }
          expect(err, text).to.be.instanceOf(UserError);
          expect((err as UserError).exitCode).to.equal(3);
          expect((err as Error).message).to.match(message);
        };
        bad('cases: [', /not YAML/);
        bad('nothing: 1', /expected a 'cases' list/);
        bad('cases:\n  - id: A\n    base_args: -N 5\n    thresholds: {corr_min: 2}\n    runs: [{name: r}]\n', /case A: thresholds.corr_min: expected a correlation/);
        bad('cases:\n  - id: A\n    runs: [{name: r}, {name: r}]\n', /run 'r' appears twice/);
      } finally {
        rmSync(dir, {recursive: true, force: true});
      }
    });
  });
});
