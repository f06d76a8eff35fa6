import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {coverageDiagnostics, consistencyDiagnostics, digitDiagnostics} from '../src/explain/diagnostics.js';
import {loadHypotheses} from '../src/explain/catalogue.js';
import {validateMetrics} from '../src/report/metrics.js';
import {loadPhiTable} from '../src/trace/perphi.js';
import {parseTrace} from '../src/trace/parse.js';
import {caseFile, ROOT} from './helpers/paths.js';

const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const C_REF = caseFile('supervisor', 'trace_s685_f1039.log');
const SPEC = caseFile('supervisor_specref', 'trace_s685_f1039.log');
const SPEC_TRANSPOSED = caseFile('supervisor_specref', 'trace_s1039_f685.log');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {encoding: 'utf8', cwd: ROOT});
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

describe('explain (command line)', function () {
  this.timeout(120000);
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'nbparity-explain-'))));
  afterEach(() => rmSync(tmp, {recursive: true, force: true}));

  it('C against itself: exit 0, no hypothesis', () => {
    const r = run('explain', '--c', C_REF, '--py', C_REF, '--config', 'supervisor');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^PASS: /m);
    expect(r.stdout).to.not.match(/hypotheses/);
  });

  it('the spec oracle against C: exit 1, PHI-MODE-SPEC first, with a confirm command that confirms it', () => {
    const r = run('explain', '--c', C_REF, '--py', SPEC, '--config', 'supervisor');
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.match(/1\. PHI-MODE-SPEC: .*\n\s+removes the divergence/);
    const confirm = /confirm: nbparity (harness .*)/.exec(r.stdout)![1].split(' ');
    expect(run(...confirm).code).to.equal(0);
  });

  it('a pixel mismatch is said first, before any verdict, and exits 4; the analysis still finds the transposed pixel in spec mode', () => {
    const r = run('explain', '--c', C_REF, '--py', SPEC_TRANSPOSED, '--config', 'supervisor');
    expect(r.code, r.stderr).to.equal(4);
    expect(r.stdout.split('\n')[0]).to.match(/^ERROR PIXEL-MISMATCH: the test states pixel slow 1039, fast 685/);
    expect(r.stdout).to.match(/1\. PIXEL-TRANSPOSED \+ PHI-MODE-SPEC/);
  });

  it('--out keeps a bundle: summary.md has the Explanation section, metrics.json diagnostics and explanations (schema-valid), metrics --verify passes; metrics will not recompute it', () => {
    const out = join(tmp, 'b');
    const r = run('explain', '--c', C_REF, '--py', SPEC, '--config', 'supervisor', '--out', out);
    expect(r.code, r.stderr).to.equal(1);
    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(summary).to.match(/^## Explanation$/m);
    expect(summary).to.contain('`nbparity harness --config supervisor --pixel 685 1039 --phi-mode spec');
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    validateMetrics(metrics);
    expect(metrics.explanations[0]).to.include({rank: 1, first_divergence_before: 'rot_a_angstroms', first_divergence_after: null});
    expect(metrics.explanations[0].hypotheses).to.deep.equal(['PHI-MODE-SPEC']);
    expect(metrics.diagnostics).to.be.an('array');
    expect(run('metrics', out, '--verify').code).to.equal(0);
    // recomputing the comparison alone would drop the explanations: refused, nothing changed
    const again = run('metrics', out, '--tolerance', '0.5');
    expect(again.code).to.equal(2);
    expect(again.stderr).to.match(/^nbparity: .*an explain bundle: .*run the explain command in its commands\.txt again/);
    expect(readFileSync(join(out, 'metrics.json'), 'utf8')).to.equal(`${JSON.stringify(metrics, null, 2)}\n`);
    expect(run('metrics', out, '--verify').code).to.equal(0);
  });

  it('--json prints metrics.json with explanations', () => {
    const r = run('explain', '--c', C_REF, '--py', SPEC, '--config', 'supervisor', '--json');
    const m = JSON.parse(r.stdout);
    validateMetrics(m);
    expect(m.explanations.map((e: {hypotheses: string[]}) => e.hypotheses.join('+'))).to.include('PHI-MODE-SPEC');
  });

  it('compare-traces given the arguments explains too, keeping its verdict', () => {
    const r = run('compare-traces', '--c', C_REF, '--py', SPEC, '--config', 'supervisor');
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(/^DIVERGENCE: first at rot_a_angstroms/m);
    expect(r.stdout).to.match(/1\. PHI-MODE-SPEC/);
  });

  it('--py-phi: the per-phi JSON the port writes apart stands for the trace\'s missing per-phi lines; its pixel is checked', () => {
    const text = readFileSync(SPEC, 'utf8');
    const trace = join(tmp, 'trace_py.log');
    writeFileSync(trace, text.split('\n').filter((l) => !/_PHI /.test(l) && !l.startsWith('TRACE_CONFIG')).join('\n'));
    const rows = parseTrace(text).phi.map((r) => ({phi_tic: r.phi_tic, phi_deg: r.phi_deg, k_frac: r.k_frac, F_latt_b: r.F_latt_b, F_latt: r.F_latt}));
    const json = (pixel: {slow: number; fast: number}) => {
      const file = join(tmp, `phi_${pixel.slow}.json`);
      writeFileSync(file, JSON.stringify({pixel, dtype: 'float64', per_phi_entries: rows}));
      return file;
    };
    const ok = run('explain', '--c', C_REF, '--py', trace, '--py-phi', json({slow: 685, fast: 1039}), '--config', 'supervisor', '--json');
    const m = JSON.parse(ok.stdout);
    expect(m.per_phi.rows.length).to.equal(rows.length);
    expect(m.diagnostics.map((d: {code: string}) => d.code)).to.not.include('NO-PIXEL-IDENTITY');
    expect(m.explanations[0].hypotheses).to.deep.equal(['PHI-MODE-SPEC']);
    const bad = run('explain', '--c', C_REF, '--py', trace, '--py-phi', json({slow: 1039, fast: 685}), '--config', 'supervisor');
    expect(bad.code).to.equal(4);
    expect(bad.stdout.split('\n')[0]).to.match(/^ERROR PIXEL-MISMATCH: the test states pixel slow 1039, fast 685/);
  });

  it("a hypothesis that changes a case's arguments is confirmed in the case's private folder, after its pre_args (fdump_reuse reads the Fdump.bin they make)", () => {
    const meta = JSON.parse(readFileSync(caseFile('fdump_reuse', 'meta.json'), 'utf8')) as {args: string[]};
    // a port that reads the detector as XDS: its trace, from harness with the case's arguments and -xds
    const test = join(tmp, 'xds.log');
    const made = run('harness', '--config', 'fdump_reuse', '--pixel', '32', '32', '--phi-mode', 'c-parity', '--out', test, '--', ...meta.args, '-xds');
    expect(made.code, made.stderr).to.equal(0);
    const r = run('explain', '--c', caseFile('fdump_reuse', 'trace_s32_f32.log'), '--py', test, '--config', 'fdump_reuse');
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.match(/1\. CONVENTION-XDS: .*\n\s+removes the divergence/);
    const confirm = /confirm: nbparity (harness .*)/.exec(r.stdout)![1];
    expect(confirm).to.match(/^harness --config fdump_reuse .* -- .* -xds$/);
    expect(run(...confirm.split(' ')).code).to.equal(0);
  });

  it('usage: no arguments for the engine, both --config and --, a stray --pixel (exit 2)', () => {
    expect(run('explain', '--c', C_REF, '--py', SPEC).code).to.equal(2);
    expect(run('explain', '--c', C_REF, '--py', SPEC, '--config', 'supervisor', '--', '-N', '5').code).to.equal(2);
    expect(run('compare-traces', '--c', C_REF, '--py', SPEC, '--pixel', '1', '2').code).to.equal(2);
    const r = run('explain', '--c', join(tmp, 'none.log'), '--py', SPEC, '--config', 'supervisor');
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/^nbparity: --c: /);
  });
});

describe('explain: trace-quality diagnostics', () => {
  const C = ['TRACE_CONFIG: tracing pixel (spixel=1, fpixel=2)', 'TRACE_C:distance_m=0.1', 'TRACE_C: I_before_scaling 713431.234567', 'TRACE_C_PHI phi_tic=0 phi_deg=0 k_frac=1 F_latt_b=2 F_latt=3', 'TRACE_C: F_cell 100'].join('\n');
  const PY = ['TRACE_PY: I_before_scaling 713431', 'TRACE_PY: F_cell 100'].join('\n');

  it('values printed with too few digits for the tolerance (713431), but not exact ones (100)', () => {
    const d = digitDiagnostics(parseTrace(C), parseTrace(PY), 1e-6);
    expect(d).to.have.length(1);
    expect(d[0].message).to.contain('I_before_scaling 713431');
    expect(d[0].message).to.not.contain('F_cell');
    expect(digitDiagnostics(parseTrace(C), parseTrace(PY), 1e-5)).to.deep.equal([]);
  });

  it('a test without per-phi lines or set-up keys is one sentence', () => {
    const d = coverageDiagnostics(parseTrace(C), parseTrace(PY));
    expect(d).to.have.length(1);
    expect(d[0].message).to.match(/no per-phi lines \(the reference has 1\); no set-up \(key=\) lines/);
  });

  it('I_pixel_final against the product of its own scaling keys', () => {
    const trace = (final: number) =>
      parseTrace(
        [
          ['I_before_scaling', 7137541.31102382],
          ['r_e_sqr', 7.94079248018965e-30],
          ['fluence_photons_per_m2', 1e20],
          ['steps', 4],
          ['oversample_thick', 0],
          ['oversample_polar', 0],
          ['oversample_omega', 0],
          ['capture_fraction', 1],
          ['polar', 0.999361753259116],
          ['omega_pixel', 9.9808587094576e-7],
          ['I_pixel_final', final],
        ]
          .map(([k, v]) => `TRACE_C: ${k} ${v}`)
          .join('\n'),
      );
    expect(consistencyDiagnostics(trace(1.41332851836809e-9), 'the reference', 1e-6)).to.deep.equal([]);
    expect(consistencyDiagnostics(trace(1.42e-9), 'the test', 1e-6)[0].code).to.equal('INCONSISTENT-SCALING');
  });

  it('per-phi reads the port\'s JSON (per_phi_entries, pixel) and states a pixel mismatch first (exit 4)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'nbparity-perphi-'));
    try {
      const rows = parseTrace(readFileSync(SPEC, 'utf8')).phi.map((r) => ({phi_tic: r.phi_tic, phi_deg: r.phi_deg, k_frac: r.k_frac, F_latt_b: r.F_latt_b, F_latt: r.F_latt}));
      const file = join(tmp, 'trace_py_per_phi.json');
      writeFileSync(file, JSON.stringify({timestamp: 'x', pixel: {slow: 1039, fast: 685}, dtype: 'float64', per_phi_entries: rows}));
      const t = loadPhiTable(file);
      expect(t.pixel).to.deep.equal({slow: 1039, fast: 685});
      expect(t.rows).to.have.length(rows.length);
      const r = run('per-phi', '--c', C_REF, '--py', file);
      expect(r.code).to.equal(4);
      expect(r.stdout.split('\n')[0]).to.match(/^PIXEL MISMATCH/);
    } finally {
      rmSync(tmp, {recursive: true, force: true});
    }
  });

  it('the hypothesis catalogue validates and its ids are unique', () => {
    const ids = loadHypotheses().map((h) => h.id);
    expect(new Set(ids).size).to.equal(ids.length);
  });
});
