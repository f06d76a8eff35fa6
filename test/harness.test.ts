import {expect} from 'chai';
import {readFileSync} from 'node:fs';
import {tracePixel} from '../src/engine/harness.js';
import {UserError} from '../src/engine/errors.js';
import {compareTraceInputs, type TraceComparison} from '../src/trace/compare.js';
import {caseFile, traceCases} from './helpers/paths.js';
import {loadStoredCase} from '../src/cases/load.js';
import {openConfig} from '../src/cli/config.js';
import {inputsFolder, meta, removeFolder} from './helpers/workdir.js';

function compare(refPath: string, testText: string): TraceComparison {
  const refText = readFileSync(refPath, 'utf8');
  return compareTraceInputs(
    {path: refPath, text: refText, sha256: '', bytes: refText.length},
    {path: 'harness', text: testText, sha256: '', bytes: testText.length},
    {rtol: 1e-6},
  );
}

function describeFailure(c: TraceComparison): string {
  const f = c.first_divergence;
  return f ? `${f.key}#${f.occurrence}: ref ${JSON.stringify(f.ref?.numbers ?? f.ref)} test ${JSON.stringify(f.test?.numbers ?? f.test)} (${f.status})` : '';
}

/** Cases whose phi sweep has a step of angle exactly 0 among several steps (C-PARITY-001 applies). */
function hasZeroPhiStepAmongMany(args: string[]): boolean {
  const at = (flag: string) => {
    const i = args.lastIndexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const steps = at('-phisteps') ?? 1;
  const phi0 = at('-phi') ?? 0;
  return steps > 1 && phi0 === 0;
}

describe('harness reproduces every reference C trace (through --config: private folder, pre_args)', function () {
  this.timeout(600000);
  for (const name of traceCases()) {
    const c = loadStoredCase(name);
    const base = name.replace(/_specref$/, '');
    const isSpecref = base !== name;
    for (const {slow, fast, trace} of c.pixels) {
      const modes: Array<'spec' | 'c-parity'> = isSpecref ? ['spec'] : hasZeroPhiStepAmongMany(c.args) ? ['c-parity'] : ['c-parity', 'spec'];
      for (const mode of modes) {
        it(`${name} pixel (slow ${slow}, fast ${fast}) in ${mode} mode`, async () => {
          // the spec oracle's trace is the spec mode of the original arguments (phi start 0)
          const run = await openConfig(base, mode);
          try {
            const result = tracePixel({argv: run.argv, spixel: slow, fpixel: fast, phiMode: mode, cwd: run.cwd});
            const cmp = compare(trace!, result.trace);
            expect(cmp.counts.compared, 'per-pixel keys compared').to.be.greaterThan(20);
            expect(cmp.verdict, describeFailure(cmp)).to.equal('pass');
            expect(cmp.missing, 'missing keys').to.have.length(0);
          } finally {
            run.dispose();
          }
        });
      }
    }
  }
});

describe('harness and C-PARITY-001', () => {
  it('spec mode on the supervisor pixel diverges from C by about -14.46 % in I_before_scaling', () => {
    const {trace} = tracePixel({argv: meta('supervisor').args, spixel: 685, fpixel: 1039, phiMode: 'spec', cwd: inputsFolderOnce()});
    const c = compare(caseFile('supervisor', 'trace_s685_f1039.log'), trace);
    expect(c.verdict).to.equal('divergence');
    const I = c.keys.find((k) => k.key === 'I_before_scaling')!;
    expect(I.rel_delta).to.be.closeTo(-0.1446, 0.0005);
  });
});

let shared: string | undefined;
function inputsFolderOnce(): string {
  shared ??= inputsFolder();
  return shared;
}
after(() => shared && removeFolder(shared));

describe('harness refuses what C would not trace', () => {
  const base = ['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100', '-N', '5', '-detpixels', '64'];
  const code = (fn: () => unknown): number => {
    try {
      fn();
    } catch (e) {
      if (e instanceof UserError) return e.exitCode;
      throw e;
    }
    return 0;
  };
  it('a pixel outside the ROI has no per-pixel block (exit 5)', () => {
    expect(code(() => tracePixel({argv: [...base, '-roi', '10', '20', '10', '20'], spixel: 5, fpixel: 5, phiMode: 'spec'}))).to.equal(5);
  });
  it('a pixel outside the detector is an error (exit 4)', () => {
    expect(code(() => tracePixel({argv: base, spixel: 64, fpixel: 0, phiMode: 'spec'}))).to.equal(4);
  });
  it('an unknown flag names the flag (exit 2)', () => {
    expect(() => tracePixel({argv: [...base, '-bogus'], spixel: 1, fpixel: 1, phiMode: 'spec'})).to.throw(UserError, "unknown flag '-bogus'");
  });
  it('a malformed value names the flag (exit 2)', () => {
    expect(() => tracePixel({argv: [...base, '-distance', 'far'], spixel: 1, fpixel: 1, phiMode: 'spec'})).to.throw(UserError, "-distance: expected a number, got 'far'");
  });
  it('no structure factors is C usage error 9', () => {
    expect(code(() => tracePixel({argv: meta('usage_error').args, spixel: 1, fpixel: 1, phiMode: 'spec', cwd: inputsFolderOnce()}))).to.equal(9);
  });
});

describe('harness --config supervisor --ref --bundle (the Phase M1 evidence)', function () {
  this.timeout(120000);
  it('c-parity passes, spec diverges and names C-PARITY-001; each bundle verifies', async () => {
    const {execFileSync, spawnSync} = await import('node:child_process');
    const {mkdtempSync, readdirSync, writeFileSync} = await import('node:fs');
    const {tmpdir} = await import('node:os');
    const {join} = await import('node:path');
    const {ROOT} = await import('./helpers/paths.js');
    const cli = join(ROOT, 'dist', 'src', 'cli.js');
    const ref = join(ROOT, 'traces', 'supervisor', 'trace_s685_f1039.log');
    const root = mkdtempSync(join(tmpdir(), 'nbparity-bundle-'));
    const run = (mode: string) => spawnSync('node', [cli, 'harness', '--config', 'supervisor', '--pixel', '685', '1039', '--phi-mode', mode, '--ref', ref, '--bundle', root], {encoding: 'utf8'});
    const parity = run('c-parity');
    expect(parity.status, parity.stderr).to.equal(0);
    const spec = run('spec');
    expect(spec.status, spec.stderr).to.equal(1);
    // the verdict on stdout, then the bundle's folder
    expect(parity.stdout).to.match(/^PASS: /);
    expect(spec.stdout).to.match(/^DIVERGENCE: first at rot_a_angstroms/);
    const dirs = [parity, spec].map((r) => /^bundle: (.+)$/m.exec(r.stdout)![1]);
    expect(readdirSync(root)).to.have.length(2);
    const specMetrics = JSON.parse(readFileSync(join(dirs[1], 'metrics.json'), 'utf8'));
    expect(specMetrics.first_divergence).to.be.a('string');
    const I = specMetrics.keys.find((k: {key: string}) => k.key === 'I_before_scaling');
    expect(I.rel_delta).to.be.closeTo(-0.1446, 0.0005);
    expect(readFileSync(join(dirs[1], 'summary.md'), 'utf8')).to.contain('C-PARITY-001');
    expect(JSON.parse(readFileSync(join(dirs[0], 'metrics.json'), 'utf8')).first_divergence).to.equal(null);
    for (const d of dirs) execFileSync('node', [cli, 'metrics', d, '--verify']);
    // one changed byte in the trace makes verification fail
    const trace = join(dirs[0], 'trace.log');
    const text = readFileSync(trace, 'utf8');
    writeFileSync(trace, text.replace('TRACE_TS', 'TRACE_TX'));
    expect(spawnSync('node', [cli, 'metrics', dirs[0], '--verify']).status).to.not.equal(0);
    removeFolder(root);
  });
});
