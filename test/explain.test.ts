import {expect} from 'chai';
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';

import {loadStoredCase} from '../src/cases/load.js';
import {openConfig} from '../src/cli/config.js';
import {explainTraces, type ExplainResult} from '../src/explain/explain.js';
import {float32PrintShare} from '../src/explain/float32.js';
import {explainMetrics} from '../src/explain/report.js';
import {validateMetrics} from '../src/report/metrics.js';
import {parseTrace} from '../src/trace/parse.js';
import {caseFile} from './helpers/paths.js';
import {engineTrace, float32Trace, withoutPhiLines} from './helpers/port-traces.js';

interface Run {
  case: string;
  /** the reference: a stored C trace file, or the engine's own one-thread c-parity trace (TRACE_C) */
  ref: string | {pixel: [number, number]};
  test: string;
  pixel?: [number, number];
  rtol?: number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function explain(r: Run): Promise<ExplainResult> {
  const run = await openConfig(r.case, 'c-parity');
  try {
    const refText = typeof r.ref === 'string' ? readFileSync(caseFile(r.case, r.ref), 'utf8') : engineTrace({argv: run.argv, pixel: r.ref.pixel, cwd: run.cwd, prefix: 'C'});
    const result = explainTraces({
      ref: {path: 'ref.log', text: refText, sha256: sha256(refText), bytes: refText.length},
      test: {path: 'test.log', text: r.test, sha256: sha256(r.test), bytes: r.test.length},
      argv: run.argv,
      cwd: run.cwd,
      pixel: r.pixel ? {slow: r.pixel[0], fast: r.pixel[1]} : undefined,
      rtol: r.rtol ?? 1e-6,
      atol: null,
      phiMode: 'c-parity',
      cThreads: 1,
      maxEvaluations: 120,
      commandFor: (v) => `harness --pixel ${v.spixel} ${v.fpixel} --phi-mode ${v.phiMode} -- ${v.argv.join(' ')}`,
    });
    validateMetrics(explainMetrics(result, new Date(), []));
    return result;
  } finally {
    run.dispose();
  }
}

/** A port's trace of a stored case: the engine with the case's arguments changed by `edit`. */
async function portTrace(name: string, pixel: [number, number], o: {edit?: (argv: string[]) => string[]; phiMode?: 'spec' | 'c-parity'; cThreads?: number} = {}): Promise<string> {
  const run = await openConfig(name, 'c-parity');
  try {
    return engineTrace({argv: (o.edit ?? ((a) => a))(run.argv), pixel, phiMode: o.phiMode, cThreads: o.cThreads, cwd: run.cwd});
  } finally {
    run.dispose();
  }
}

const closeForDistance = (a: string[]) => a.map((t) => (t === '-distance' ? '-close_distance' : t));
const Ns = (name: string): [number, number, number] => {
  const a = loadStoredCase(name).args;
  const n = Number(a[a.indexOf('-N') + 1]);
  return [n, n, n];
};

function top(r: ExplainResult): string[] {
  expect(r.explanations, 'an explanation').to.not.be.empty;
  return r.explanations[0].hypotheses;
}

function removes(r: ExplainResult): void {
  expect(r.explanations[0].first_divergence_after, 'the top hypothesis removes the divergence').to.equal(null);
}

describe('explain names the deliberate change as the top hypothesis', function () {
  this.timeout(120000);

  it('a trace equal to C gets no hypothesis', async () => {
    const test = await portTrace('simple_cubic', [100, 150]);
    const r = await explain({case: 'simple_cubic', ref: 'trace_s100_f150.log', test});
    expect(r.before.first).to.equal(null);
    expect(r.explanations).to.deep.equal([]);
    expect(r.evaluations, 'no engine run when there is nothing to explain').to.equal(0);
  });

  it('a transposed pixel', async () => {
    const test = await portTrace('simple_cubic', [150, 100]);
    const r = await explain({case: 'simple_cubic', ref: 'trace_s100_f150.log', test});
    expect(r.before.first?.key).to.equal('pixel_pos_meters');
    expect(top(r)).to.deep.equal(['PIXEL-TRANSPOSED']);
    removes(r);
    expect(r.diagnostics.map((d) => d.code)).to.include('NO-PIXEL-IDENTITY');
  });

  it('a neighbour pixel (fast + 1)', async () => {
    const test = await portTrace('simple_cubic', [100, 151]);
    const r = await explain({case: 'simple_cubic', ref: 'trace_s100_f150.log', test});
    expect(top(r)).to.deep.equal(['PIXEL-FAST-PLUS-1']);
    removes(r);
  });

  it('-close_distance for -distance on a tilted detector', async () => {
    const test = await portTrace('tilted_mosflm', [128, 128], {edit: closeForDistance});
    const r = await explain({case: 'tilted_mosflm', ref: 'trace_s128_f128.log', test});
    expect(top(r)).to.deep.equal(['DISTANCE-AS-CLOSE']);
    removes(r);
  });

  it('spec instead of c-parity, with and without per-phi lines (rot_* and hkl_frac alone)', async () => {
    const spec = await portTrace('phi_osc_from_zero', [101, 101], {phiMode: 'spec'});
    for (const test of [spec, withoutPhiLines(spec)]) {
      const r = await explain({case: 'phi_osc_from_zero', ref: 'trace_s101_f101.log', test});
      expect(top(r)).to.deep.equal(['PHI-MODE-SPEC']);
      removes(r);
    }
    const r = await explain({case: 'phi_osc_from_zero', ref: 'trace_s101_f101.log', test: withoutPhiLines(spec)});
    expect(r.diagnostics.find((d) => d.code === 'TEST-COVERAGE')?.message).to.match(/no per-phi lines/);
  });

  it('a beam centre half a pixel off (MOSFLM default centre 12.85 mm read as 12.9 mm)', async () => {
    const test = await portTrace('simple_cubic', [100, 150], {edit: (a) => [...a, '-Xbeam', '12.9', '-Ybeam', '12.9']});
    const r = await explain({case: 'simple_cubic', ref: 'trace_s100_f150.log', test});
    expect(top(r)).to.deep.equal(['BEAM-CENTRE-HALF-PIXEL-PLUS']);
    removes(r);
  });

  it('the other pivot (SAMPLE instead of BEAM, where the beam spot and the closest point differ)', async () => {
    const test = await portTrace('pix0_custom_small', [48, 48], {edit: (a) => [...a, '-pivot', 'sample']});
    const r = await explain({case: 'pix0_custom_small', ref: 'trace_s48_f48.log', test});
    expect(top(r)).to.deep.equal(['PIVOT-SWAPPED']);
    removes(r);
  });

  it('-Xbeam and -Ybeam swapped (supervisor)', async () => {
    const swap = (a: string[]) => {
      const out = [...a];
      const x = a.indexOf('-Xbeam');
      const y = a.indexOf('-Ybeam');
      [out[x + 1], out[y + 1]] = [a[y + 1], a[x + 1]];
      return out;
    };
    const test = await portTrace('supervisor', [685, 1039], {edit: swap});
    const r = await explain({case: 'supervisor', ref: 'trace_s685_f1039.log', test});
    expect(top(r)).to.deep.equal(['BEAM-CENTRE-XY-SWAPPED']);
    removes(r);
  });

  it('a unit slip: -distance in metres read as millimetres (scale factor 1000 between the distance keys)', async () => {
    const test = await portTrace('simple_cubic', [100, 150], {edit: (a) => a.map((t, i) => (a[i - 1] === '-distance' ? String(Number(t) * 1000) : t))});
    const r = await explain({case: 'simple_cubic', ref: 'trace_s100_f150.log', test});
    expect(top(r)).to.deep.equal(['UNIT-SLIP']);
    expect(r.explanations[0].title).to.match(/-distance ×1000/);
    removes(r);
  });

  it('float32: recognised from its 9-digit prints, judged at the tolerance float32 reaches after sincg', async () => {
    const test = float32Trace(await portTrace('simple_cubic', [100, 150]), Ns('simple_cubic'));
    expect(float32PrintShare(parseTrace(test)).share).to.equal(1);
    const r = await explain({case: 'simple_cubic', ref: 'trace_s100_f150.log', test});
    expect(r.before.first?.stage, 'the exact comparison fails after the amplifying step').to.equal('lattice');
    expect(top(r)).to.deep.equal(['FLOAT32']);
    removes(r);
    expect(r.explanations[0].tolerance).to.be.greaterThan(1e-6);
  });

  it('float32 widened to double and printed with 15 digits is recognised too', async () => {
    const test = float32Trace(await portTrace('simple_cubic', [100, 150]), Ns('simple_cubic'), 15);
    expect(float32PrintShare(parseTrace(test)).share).to.equal(1);
    expect(float32PrintShare(parseTrace(await portTrace('simple_cubic', [100, 150]))).share, 'a float64 trace').to.be.lessThan(0.1);
    const r = await explain({case: 'simple_cubic', ref: 'trace_s100_f150.log', test});
    expect(top(r)).to.deep.equal(['FLOAT32']);
    removes(r);
  });

  it('a float64 trace printed with all digits is not taken for float32', async () => {
    const test = await portTrace('simple_cubic', [150, 100]);
    const r = await explain({case: 'simple_cubic', ref: 'trace_s100_f150.log', test});
    expect(r.explanations.flatMap((e) => e.hypotheses)).to.not.include('FLOAT32');
  });

  it('the C OpenMP thread-start state (first pixel of the second of 2 blocks)', async () => {
    const test = await portTrace('phi_osc_from_zero', [100, 0], {cThreads: 2});
    const r = await explain({case: 'phi_osc_from_zero', ref: {pixel: [100, 0]}, test, pixel: [100, 0]});
    expect(top(r)).to.deep.equal(['C-OPENMP-THREAD-START']);
    expect(r.explanations[0].command).to.match(/--pixel 100 0/);
    removes(r);
  });
});

describe('explain combines two hypotheses when no single one explains everything', function () {
  this.timeout(120000);

  it('transposed pixel + -close_distance', async () => {
    const test = await portTrace('tilted_mosflm', [128, 129], {edit: closeForDistance});
    const r = await explain({case: 'tilted_mosflm', ref: 'trace_s129_f128.log', test});
    expect([...top(r)].sort()).to.deep.equal(['DISTANCE-AS-CLOSE', 'PIXEL-TRANSPOSED']);
    removes(r);
  });

  it('-close_distance + float32', async () => {
    // lambda 6.2 A keeps the Miller indices small: float32 stays near its round-off (~1e-8..1e-7)
    // everywhere, so it shows only at a tolerance below that
    const test = float32Trace(await portTrace('tilted_mosflm', [128, 128], {edit: closeForDistance}), Ns('tilted_mosflm'));
    const r = await explain({case: 'tilted_mosflm', ref: 'trace_s128_f128.log', test, rtol: 1e-8});
    expect([...top(r)].sort()).to.deep.equal(['DISTANCE-AS-CLOSE', 'FLOAT32']);
    removes(r);
  });

  it('transposed + float32', async () => {
    const test = float32Trace(await portTrace('simple_cubic', [150, 100]), Ns('simple_cubic'));
    const r = await explain({case: 'simple_cubic', ref: 'trace_s100_f150.log', test});
    expect([...top(r)].sort()).to.deep.equal(['FLOAT32', 'PIXEL-TRANSPOSED']);
    removes(r);
  });

  it('the supervisor: spec mode at the transposed pixel (stored spec trace of slow 1039, fast 685) against C at slow 685, fast 1039', async () => {
    const test = readFileSync(caseFile('supervisor_specref', 'trace_s1039_f685.log'), 'utf8');
    const r = await explain({case: 'supervisor', ref: 'trace_s685_f1039.log', test});
    expect(r.diagnostics[0].code, 'the pixel mismatch is said first').to.equal('PIXEL-MISMATCH');
    expect([...top(r)].sort()).to.deep.equal(['PHI-MODE-SPEC', 'PIXEL-TRANSPOSED']);
    removes(r);
  });
});
