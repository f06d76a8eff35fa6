import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {loadBehaviours, loadCatalogue} from '../src/trace/catalogue.js';
import {buildMetrics, validateMetrics} from '../src/report/metrics.js';
import {SchemaValidationError} from '../src/report/validate.js';
import {compareTraceInputs} from '../src/trace/compare.js';
import {rewritePrefix} from '../src/trace/parse.js';
import {caseFile, ROOT} from './helpers/paths.js';

const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const C_REF = caseFile('supervisor', 'trace_s685_f1039.log');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {encoding: 'utf8', cwd: ROOT});
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

/** Validates with Python's jsonschema (an implementation independent of ajv); null when unavailable. */
function pythonValidate(schemaPath: string, dataPath: string): {ok: boolean; out: string} | null {
  const probe = spawnSync('python3', ['-c', 'import jsonschema'], {encoding: 'utf8'});
  if (probe.error || probe.status !== 0) return null;
  const r = spawnSync(
    'python3',
    [
      '-c',
      'import json,sys,jsonschema\n' +
        's=json.load(open(sys.argv[1]));d=json.load(open(sys.argv[2]))\n' +
        'jsonschema.validators.validator_for(s).check_schema(s)\n' +
        'jsonschema.validate(d,s)\nprint("valid")',
      schemaPath,
      dataPath,
    ],
    {encoding: 'utf8'},
  );
  return {ok: r.status === 0, out: r.stdout + r.stderr};
}

describe('compare-traces / per-phi commands', function () {
  this.timeout(60000);
  let dir: string;
  let spec: string;
  let cpar: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nbparity-cli-'));
    spec = join(dir, 'spec_ts.log');
    cpar = join(dir, 'cparity_ts.log');
    writeFileSync(spec, rewritePrefix(readFileSync(caseFile('supervisor_specref', 'trace_s685_f1039.log'), 'utf8'), 'C', 'TS'));
    writeFileSync(cpar, rewritePrefix(readFileSync(C_REF, 'utf8'), 'C', 'TS'));
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('c-parity situation: exit 0; --out DIR is a bundle holding both traces; metrics.json first_divergence null', () => {
    const out = join(dir, 'cpar');
    const r = run('compare-traces', '--c', C_REF, '--py', cpar, '--out', out);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^PASS/);
    expect(r.stdout).to.contain(`bundle: ${out}\n`);
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(m.first_divergence).to.equal(null);
    expect(m.verdict).to.equal('pass');
    expect(m.inputs.ref.path).to.equal('reference/trace_s685_f1039.log');
    expect(m.inputs.test.path).to.equal('test/cparity_ts.log');
    expect(readFileSync(join(out, 'test', 'cparity_ts.log'), 'utf8')).to.equal(readFileSync(cpar, 'utf8'));
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).to.match(/^# Trace comparison: PASS/);
    expect(run('metrics', out, '--verify').code).to.equal(0);
    // the folder is taken now: a second run does not write into it
    const again = run('compare-traces', '--c', C_REF, '--py', cpar, '--out', out);
    expect(again.code).to.equal(6);
    expect(again.stderr).to.match(/cannot put the bundle here \(ENOTEMPTY/);
  });

  it('--bundle ROOT: a new timestamped bundle per run', () => {
    const root = join(dir, 'many');
    const dirs = [0, 1].map(() => /^bundle: (.+)$/m.exec(run('compare-traces', '--c', C_REF, '--py', cpar, '--bundle', root).stdout)![1]);
    expect(dirs[0]).to.not.equal(dirs[1]);
    expect(readdirSync(root)).to.have.length(2);
  });

  it('spec situation: exit 1; summary names C-PARITY-001 and the confirm command; metrics validate', () => {
    const outDir = join(dir, 'spec');
    const r = run('compare-traces', '--ref', C_REF, '--test', spec, '--out', outDir, '--tolerance', '1e-6');
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.contain('DIVERGENCE: first at rot_a_angstroms');
    expect(r.stdout).to.contain('C-PARITY-001');
    const summary = readFileSync(join(outDir, 'summary.md'), 'utf8');
    expect(summary).to.contain('C-PARITY-001');
    expect(summary).to.contain('harness');
    expect(summary).to.contain('--phi-mode c-parity');
    expect(summary).to.contain('first_divergent_step: **0**');
    const metricsPath = join(outDir, 'metrics.json');
    const m = JSON.parse(readFileSync(metricsPath, 'utf8'));
    expect(m.first_divergence).to.equal('rot_a_angstroms');
    expect(m.tolerance).to.equal(1e-6);
    const I = m.keys.find((k: {key: string}) => k.key === 'I_before_scaling');
    expect(I.rel_delta).to.be.closeTo(-0.1446, 5e-4);
    expect(I).to.include({occurrence: 1, status: 'fail', decisive: true});
    expect(I.ref).to.equal(943654.80923755);
    expect(I.test).to.equal(807189.768677586);
    expect(m.inputs.ref.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(m.inputs.test.path).to.equal('test/spec_ts.log');
    expect(m.attributions[0].id).to.equal('C-PARITY-001');
    expect(m.per_phi.first_divergent_step).to.equal(0);
    validateMetrics(m);
  });

  it('metrics.json validates with an independent validator (Python jsonschema)', function () {
    const res = pythonValidate(join(ROOT, 'schemas', 'metrics.schema.json'), join(dir, 'spec', 'metrics.json'));
    if (res === null) this.skip();
    expect(res!.ok, res!.out).to.equal(true);
    const res2 = pythonValidate(join(ROOT, 'schemas', 'metrics.schema.json'), join(dir, 'cpar', 'metrics.json'));
    expect(res2!.ok, res2!.out).to.equal(true);
    for (const n of ['trace-keys', 'c-behaviours']) {
      const r = pythonValidate(join(ROOT, 'schemas', `${n}.schema.json`), join(ROOT, 'schemas', `${n}.json`));
      expect(r!.ok, r!.out).to.equal(true);
    }
  });

  it('--json prints the metrics document', () => {
    const r = run('compare-traces', '--c', C_REF, '--py', spec, '--json');
    expect(r.code).to.equal(1);
    const m = JSON.parse(r.stdout);
    expect(m.first_divergence).to.equal('rot_a_angstroms');
    validateMetrics(m);
    const p = run('compare-traces', '--c', C_REF, '--py', cpar, '--json');
    expect(p.code).to.equal(0);
    expect(JSON.parse(p.stdout).first_divergence).to.equal(null);
  });

  it('bad input exits 3 (a pixel C did not render: 5; a bad flag value: 2) with a one-line error and no stack trace', () => {
    const noBlock = join(dir, 'noblock.log');
    writeFileSync(noBlock, readFileSync(C_REF, 'utf8').split('\n').filter((l) => !l.startsWith('TRACE_C: ')).join('\n'));
    const cases: Array<[number, string[]]> = [
      [5, ['compare-traces', '--c', noBlock, '--py', cpar]],
      [3, ['compare-traces', '--c', join(dir, 'nope.log'), '--py', cpar]],
      [2, ['compare-traces', '--c', C_REF, '--py', cpar, '--tolerance', 'abc']],
      [3, ['per-phi', '--c', C_REF, '--py', join(ROOT, 'package.json')]],
    ];
    for (const [code, args] of cases) {
      const r = run(...args);
      expect(r.code, args.join(' ')).to.equal(code);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(/^nbparity: /);
      expect(r.stderr).to.not.match(/\n\s+at /);
    }
    expect(run('compare-traces', '--c', noBlock, '--py', cpar).stderr).to.contain('no per-pixel block');
    expect(existsSync(join(dir, 'nope'))).to.equal(false);
    // missing required flag: oclif's parse error, also exit 2
    expect(run('compare-traces', '--c', C_REF).code).to.equal(2);
  });

  it('NaN in the test exits 1', () => {
    const nan = join(dir, 'nan.log');
    writeFileSync(nan, readFileSync(cpar, 'utf8').replace(/^TRACE_TS: I_pixel_final .*$/m, 'TRACE_TS: I_pixel_final -nan'));
    const r = run('compare-traces', '--c', C_REF, '--py', nan, '--json');
    expect(r.code).to.equal(1);
    const m = JSON.parse(r.stdout);
    expect(m.first_divergence).to.equal('I_pixel_final');
    expect(m.keys.find((k: {key: string}) => k.key === 'I_pixel_final').test).to.equal('NaN');
  });

  it('per-phi --json: first_divergent_step 0 in spec mode, null in c-parity', () => {
    const s = run('per-phi', '--c', C_REF, '--py', spec, '--json');
    expect(s.code).to.equal(1);
    expect(JSON.parse(s.stdout).first_divergent_step).to.equal(0);
    const c = run('per-phi', '--ref', C_REF, '--test', cpar, '--json');
    expect(c.code).to.equal(0);
    expect(JSON.parse(c.stdout).first_divergent_step).to.equal(null);
    const text = run('per-phi', '--c', C_REF, '--py', spec);
    expect(text.stdout).to.contain('first_divergent_step: 0');
  });

  it('the help documents the exit codes', () => {
    for (const cmd of ['compare-traces', 'per-phi', 'metrics']) {
      const r = run(cmd, '--help');
      expect(r.code).to.equal(0);
      expect(r.stdout, cmd).to.contain('EXIT CODES');
      expect(r.stdout, cmd).to.match(/\*\s+3\s+bad input/);
    }
  });
});

describe('schemas', () => {
  it('the key catalogue and the C-behaviour registry validate and agree', () => {
    const cat = loadCatalogue();
    const reg = loadBehaviours();
    const stages = new Set(cat.data.stages.map((s) => s.id));
    for (const k of cat.data.keys) expect(stages.has(k.stage), k.key).to.equal(true);
    expect(new Set(cat.data.keys.map((k) => k.key)).size).to.equal(cat.data.keys.length);
    const p = reg.behaviours.find((b) => b.id === 'C-PARITY-001')!;
    const det = p.detector;
    expect(det?.type).to.equal('phi-zero-repeat');
    if (det?.type === 'phi-zero-repeat') {
      for (const k of det.affected_keys) expect(cat.get(k), k).to.not.equal(undefined);
    }
  });

  it('ajv rejects a metrics document that breaks the schema', () => {
    const t = readFileSync(C_REF, 'utf8');
    const c = compareTraceInputs(
      {path: 'r', text: t, sha256: 'a'.repeat(64), bytes: 1},
      {path: 't', text: rewritePrefix(t, 'C', 'TS'), sha256: 'b'.repeat(64), bytes: 1},
    );
    const m = buildMetrics(c);
    validateMetrics(m);
    const broken = {...m, first_divergence: 3} as unknown;
    expect(() => validateMetrics(broken)).to.throw(SchemaValidationError, /first_divergence/);
    const {keys: _keys, ...noKeys} = m;
    expect(() => validateMetrics(noKeys)).to.throw(SchemaValidationError);
  });
});
