/**
 * Bundles of every kind the view draws, made the way the commands make them: a harness trace
 * comparison (the supervisor M1 pixel, through the CLI), a compare-images report, and a matrix
 * campaign (through the CLI).
 */
import {spawnSync} from 'node:child_process';
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';

import {runCompareImages} from '../../src/images/compare.js';
import {caseFile, ROOT} from './paths.js';

export const CLI = join(ROOT, 'dist', 'src', 'cli.js');

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

/**
 * A real matrix bundle: `nbparity matrix` over simple_cubic and mosaic in c-parity mode, with an
 * external implementation (test/fixtures/impl-nbparity.mjs) that perturbs the mosaic case, so the
 * page has a passing and a failing row, each linking to its case run's page.
 */
export function matrixBundle(root: string): string {
  const impl = 'node test/fixtures/impl-nbparity.mjs --perturb -mosaic_dom {mode} {float} {trace} -- {args}';
  const r = spawnSync(process.execPath, [CLI, 'matrix', '--only', 'simple_cubic,mosaic', '--phi-mode', 'c-parity', '--impl', impl, '--bundle', root], {encoding: 'utf8', cwd: ROOT});
  if (r.status !== 1) throw new Error(`matrix: exit ${r.status}: ${r.stderr}`);
  const dirs = readdirSync(root).filter((d) => !d.startsWith('.'));
  return join(root, dirs.sort()[dirs.length - 1]);
}

export const readText = (dir: string, rel: string): string => readFileSync(join(dir, rel), 'utf8');
