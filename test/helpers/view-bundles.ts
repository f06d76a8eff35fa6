/**
 * Bundles of every kind the view draws, made the way the commands make them: a harness trace
 * comparison (the supervisor M1 pixel, through the CLI), a compare-images report, and a
 * matrix-shaped bundle (top metrics of kind "matrix" with one trace-comparison part per case)
 * written through the one bundle writer.
 */
import {spawnSync} from 'node:child_process';
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';

import {runCompareImages} from '../../src/images/compare.js';
import {openBundle} from '../../src/report/bundle.js';
import {traceComparisonRecord} from '../../src/report/trace-evidence.js';
import {compareTraceInputs, readTraceInput} from '../../src/trace/compare.js';
import {indexRenderer} from '../../src/view/index.js';
import {caseFile, ROOT} from './paths.js';

export const CLI = join(ROOT, 'dist', 'src', 'cli.js');
export const MATRIX_SCHEMA = '../test/fixtures/matrix-view.schema.json';

/** harness --config supervisor --pixel 685 1039 --phi-mode MODE --ref <C trace> --bundle ROOT; the bundle folder. */
export function harnessBundle(root: string, mode: 'spec' | 'c-parity'): string {
  const r = spawnSync(process.execPath, [CLI, 'harness', '--config', 'supervisor', '--pixel', '685', '1039', '--phi-mode', mode, '--ref', caseFile('supervisor', 'trace_s685_f1039.log'), '--bundle', root], {encoding: 'utf8', cwd: ROOT});
  if (r.status !== (mode === 'spec' ? 1 : 0)) throw new Error(`harness ${mode}: exit ${r.status}: ${r.stderr}`);
  const dirs = readdirSync(root).filter((d) => !d.startsWith('.'));
  return join(root, dirs.sort()[dirs.length - 1]);
}

/** compare-images of phi_osc_from_zero: C with 3 OpenMP threads against one thread (two pixels differ). */
export async function imageBundle(dir: string, roi?: number[]): Promise<string> {
  const r = await runCompareImages({
    ref: caseFile('phi_osc_from_zero', 'openmp/float_omp3.bin'),
    test: caseFile('phi_osc_from_zero', 'float.bin'),
    fpixels: 200,
    spixels: 200,
    roi,
    thresholds: {corr_min: 0.999, sum_ratio_min: 0.99, sum_ratio_max: 1.01, max_abs_max: null, rmse_max: null},
    percentile: 99.5,
    peakPercentile: 99.9,
    peakTop: 20,
    phiMode: 'c-parity',
    argv: [],
    commands: ['nbparity compare-images (test)'],
    target: {dir},
  });
  return r.bundleDir;
}

/** A matrix-shaped bundle: two cases, each a trace-comparison part with its own page; one passes, one diverges. */
export async function matrixBundle(dir: string): Promise<string> {
  const ref = caseFile('supervisor', 'trace_s685_f1039.log');
  const b = await openBundle({dir});
  const rows = [];
  for (const [name, test, mode] of [
    ['supervisor-c-parity', ref, 'c-parity'],
    ['supervisor-spec', caseFile('supervisor_specref', 'trace_s685_f1039.log'), 'spec'],
  ] as const) {
    const part = await b.part(`cases/${name}`);
    await part.copy('reference.log', ref);
    await part.copy('trace.log', test);
    const c = compareTraceInputs({...readTraceInput(ref), path: 'reference.log'}, {...readTraceInput(test), path: 'trace.log'}, {rtol: 1e-6, atol: null});
    await part.finish(traceComparisonRecord(c, {commands: ['nbparity matrix (test)'], env: {trace_file: 'trace.log', reference_file: 'reference.log', reference_source: ref, tolerance: 1e-6, atol: null}, warnings: []}));
    rows.push({
      case: 'supervisor',
      run: name,
      mode,
      status: c.verdict === 'pass' ? 'pass' : 'fail',
      ...(c.verdict === 'pass' ? {} : {reason: `first divergence ${c.first_divergence?.key}`}),
      image: {status: 'pass', corr: 0.9999, sum_ratio: 1.0001, max_abs: 0.5, rmse: 0.001},
      pixels: [{slow: 685, fast: 1039, mode, verdict: c.verdict, first_divergence: c.first_divergence?.key ?? null, attribution: c.attributions[0]?.id ?? null}],
      bundle: `cases/${name}`,
    });
  }
  const metrics = {kind: 'matrix', generator: {name: 'nbparity', version: 'test'}, generated_utc: '2026-01-01T00:00:00Z', rows, totals: {rows: 2, passed: 1, failed: 1}};
  const result = await b.finish({
    commands: ['nbparity matrix (test)'],
    env: {},
    metrics: {schema: MATRIX_SCHEMA, data: metrics},
    summary: {head: '# Matrix', body: ''},
    warnings: [],
    renderIndex: indexRenderer,
  });
  return result.dir;
}

export const readText = (dir: string, rel: string): string => readFileSync(join(dir, rel), 'utf8');
