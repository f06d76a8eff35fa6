/**
 * `npm run bench`: wall time, CPU time (user + system, all threads), ns of CPU per pixel-step
 * and peak memory of full-frame renders, of the fixed cost (the same arguments with an empty
 * ROI), and of one harness trace. With NB_C_BIN naming a C nanoBragg, runs it on the same
 * arguments and thread count (OMP_NUM_THREADS), in back-to-back pairs with ours, and prints the
 * median of the pairs' ratios, CPU and wall (the host's speed drifts, both sides together; C's
 * CPU time holds far steadier than its wall time on a loaded host). A script, not a test.
 *
 * Options (environment): BENCH_WORKERS (default 2), BENCH_REPEAT (default 2), BENCH_CASES
 * (comma list, default supervisor,simple_cubic,mosaic), BENCH_MATRIX=0 to skip the campaign;
 * NBPARITY_NATIVE=0 (WebAssembly sines), 4 or 8 (native lanes) to measure one sine path.
 *
 * Last, `nbparity matrix` over every stored case (both phi modes, --jobs BENCH_WORKERS): one
 * process instead of a start-up per call; wall and CPU time (user + system, GNU time) beside it,
 * since a busy host stretches the wall time.
 */
import {spawnSync} from 'node:child_process';
import {cpSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {NATIVE_SINE_LANES} from '../engine/lattice.js';
import {setupSimulation} from '../engine/setup.js';
import {projectRoot} from '../trace/project.js';

const root = projectRoot();
const cli = join(root, 'dist', 'src', 'cli.js');
const workers = Number(process.env.BENCH_WORKERS ?? 2);
const repeat = Number(process.env.BENCH_REPEAT ?? 2);
const cases = (process.env.BENCH_CASES ?? 'supervisor,simple_cubic,mosaic').split(',');
const cBin = process.env.NB_C_BIN;
const inputs = join(root, 'traces', 'inputs');

interface Timing {
  seconds: number;
  /** user + system CPU seconds of the process and its children */
  cpuSeconds: number;
  maxRssMb: number;
}

/** Run a command in a fresh copy of the inputs; wall time here, CPU time and peak RSS from GNU time. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Timing {
  const dir = mkdtempSync(join(tmpdir(), 'nbparity-bench-'));
  cpSync(inputs, dir, {recursive: true});
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', cmd, ...args], {cwd: dir, env, encoding: 'utf8', maxBuffer: 64 << 20});
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.error || r.status !== 0) throw new Error(`${cmd} failed: ${r.error?.message ?? r.stderr.slice(-300)}`);
    const [user, sys, kb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    return {seconds, cpuSeconds: user + sys, maxRssMb: kb / 1024};
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x: number, d = 2) => x.toFixed(d);

/** Pixel-steps of a run (rendered pixels x sub-pixels x sources x phi steps x mosaic domains x layers). */
function pixelSteps(args: string[]): number {
  const sim = setupSimulation(args, {phiMode: 'c-parity', cwd: inputs, nowSeconds: 0});
  const {roi, fpixels, spixels} = sim.detector;
  const cols = Math.max(0, Math.min(roi.xmax, fpixels - 1) - Math.max(roi.xmin, 0) + 1);
  const rows = Math.max(0, Math.min(roi.ymax, spixels - 1) - Math.max(roi.ymin, 0) + 1);
  return cols * rows * sim.steps * sim.thicksteps;
}

/** `repeat` runs of ours (and of C, in back-to-back pairs of alternating order); one line. */
function compare(label: string, args: string[]): void {
  const ours: Timing[] = [];
  const theirs: Timing[] = [];
  const runOurs = () => ours.push(timed('node', [cli, 'simulate', '--phi-mode', 'c-parity', '--workers', String(workers), '--', ...args]));
  const runC = () => theirs.push(timed(cBin!, args, {...process.env, OMP_NUM_THREADS: String(workers)}));
  for (let i = 0; i < repeat; i++) {
    if (!cBin) runOurs();
    else if (i % 2 === 0) (runOurs(), runC());
    else (runC(), runOurs());
  }
  const steps = pixelSteps(args);
  const best = (t: Timing[], k: 'seconds' | 'cpuSeconds') => Math.min(...t.map((x) => x[k]));
  // a per-step figure only where the render is most of the run
  const perStep = (t: Timing[]) => (steps >= 1e6 ? `  ${fmt((best(t, 'cpuSeconds') * 1e9) / steps, 1)} ns CPU/pixel-step` : '');
  let line = `${label.padEnd(22)} ours ${fmt(best(ours, 'seconds'))} s wall, ${fmt(best(ours, 'cpuSeconds'))} s CPU${perStep(ours)}, peak ${fmt(Math.max(...ours.map((t) => t.maxRssMb)), 0)} MB`;
  if (cBin) {
    const cpu = median(ours.map((t, i) => t.cpuSeconds / theirs[i].cpuSeconds));
    const wall = median(ours.map((t, i) => t.seconds / theirs[i].seconds));
    line += ` | C ${fmt(best(theirs, 'seconds'))} s wall, ${fmt(best(theirs, 'cpuSeconds'))} s CPU${perStep(theirs)} | ours/C (median of ${ours.length} pairs): CPU ${fmt(cpu)}, wall ${fmt(wall)}`;
  }
  console.log(line);
}

console.log(`nbparity bench: ${workers} workers, ${repeat} runs${cBin ? `, C: ${cBin} with OMP_NUM_THREADS=${workers}` : ''}; best times, ratios the median of back-to-back pairs`);
// the children inherit NBPARITY_NATIVE, so this is the path they take
console.log(`sines: ${NATIVE_SINE_LANES ? `native, ${NATIVE_SINE_LANES} lanes` : 'WebAssembly, 2 lanes'} (NBPARITY_NATIVE=0, 4 or 8 chooses)`);
for (const name of cases) {
  const meta = JSON.parse(readFileSync(join(root, 'traces', name, 'meta.json'), 'utf8')) as {args: string[]; fpixels: number; spixels: number};
  const args = [...meta.args, '-floatfile', 'float.bin', '-nopgm', '-noprogress'];
  compare(`${name} ${meta.fpixels}x${meta.spixels}`, args);
  // the fixed cost: the same run with nothing to render (-roi 0 0 0 0 is one pixel)
  if (name === 'supervisor') compare('supervisor, -roi 0 0 0 0', [...args, '-roi', '0', '0', '0', '0']);
}
const sup = JSON.parse(readFileSync(join(root, 'traces', 'supervisor', 'meta.json'), 'utf8')) as {args: string[]};
const h = [0, 1, 2].map(() => timed('node', [cli, 'harness', '--pixel', '685', '1039', '--phi-mode', 'c-parity', '--', ...sup.args]));
console.log(`harness supervisor pixel (685, 1039): best ${fmt(Math.min(...h.map((t) => t.seconds)))} s wall, ${fmt(Math.min(...h.map((t) => t.cpuSeconds)))} s CPU (Node start-up and scaled.hkl included)`);
if (process.env.BENCH_MATRIX !== '0') {
  const m = timed('node', [cli, 'matrix', '--jobs', String(workers), '--bundle', 'matrix']);
  console.log(`matrix, every stored case in both modes (--jobs ${workers}): ${fmt(m.seconds)} s wall, ${fmt(m.cpuSeconds)} s CPU, peak ${fmt(m.maxRssMb, 0)} MB (target: 30 s wall on 2 cores)`);
}
