/**
 * `npm run bench`: wall time, pixels per second and peak memory of full-frame renders, and of
 * one harness trace. With NB_C_BIN naming a C nanoBragg, runs it on the same arguments and
 * thread count (OMP_NUM_THREADS), in back-to-back pairs with ours, and prints the ratio of the
 * best times and the median ratio of the pairs. A script, not a test.
 *
 * Options (environment): BENCH_WORKERS (default 2), BENCH_REPEAT (default 2), BENCH_CASES
 * (comma list, default supervisor,simple_cubic,mosaic), BENCH_MATRIX=0 to skip the campaign.
 *
 * Last, `nbparity matrix` over every stored case (both phi modes, --jobs BENCH_WORKERS): one
 * process instead of a start-up per call; wall and CPU time (user + system, GNU time) beside it,
 * since a busy host stretches the wall time.
 */
import {spawnSync} from 'node:child_process';
import {cpSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {projectRoot} from '../trace/project.js';

const root = projectRoot();
const cli = join(root, 'dist', 'src', 'cli.js');
const workers = Number(process.env.BENCH_WORKERS ?? 2);
const repeat = Number(process.env.BENCH_REPEAT ?? 2);
const cases = (process.env.BENCH_CASES ?? 'supervisor,simple_cubic,mosaic').split(',');
const cBin = process.env.NB_C_BIN;

interface Timing {
  seconds: number;
  /** user + system CPU seconds of the process and its children */
  cpuSeconds: number;
  maxRssMb: number;
}

/** Run a command in a fresh copy of the inputs; wall time and peak RSS from GNU time if present. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Timing {
  const dir = mkdtempSync(join(tmpdir(), 'nbparity-bench-'));
  cpSync(join(root, 'traces', 'inputs'), dir, {recursive: true});
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

const fmt = (x: number, d = 2) => x.toFixed(d);
console.log(`nbparity bench: ${workers} workers, best of ${repeat}${cBin ? `, C: ${cBin} with OMP_NUM_THREADS=${workers}` : ''}`);
for (const name of cases) {
  const meta = JSON.parse(readFileSync(join(root, 'traces', name, 'meta.json'), 'utf8')) as {args: string[]; fpixels: number; spixels: number};
  const args = [...meta.args, '-floatfile', 'float.bin', '-nopgm', '-noprogress'];
  const ours: Timing[] = [];
  const theirs: Timing[] = [];
  const runOurs = () => ours.push(timed('node', [cli, 'simulate', '--phi-mode', 'c-parity', '--workers', String(workers), '--', ...args]));
  const runC = () => theirs.push(timed(cBin!, args, {...process.env, OMP_NUM_THREADS: String(workers)}));
  for (let i = 0; i < repeat; i++) {
    // pairs run back to back, in alternating order, so that the host's drift cancels
    if (!cBin) runOurs();
    else if (i % 2 === 0) (runOurs(), runC());
    else (runC(), runOurs());
  }
  const best = (t: Timing[]) => t.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const o = best(ours);
  const pixels = meta.fpixels * meta.spixels;
  let line = `${name.padEnd(14)} ${meta.fpixels}x${meta.spixels}  ours ${fmt(o.seconds)} s  ${fmt(pixels / o.seconds / 1e6)} Mpx/s  peak ${fmt(o.maxRssMb, 0)} MB`;
  if (cBin) {
    const c = best(theirs);
    const pairs = ours.map((t, i) => t.seconds / theirs[i].seconds).sort((a, b) => a - b);
    const median = pairs.length % 2 ? pairs[(pairs.length - 1) / 2] : (pairs[pairs.length / 2 - 1] + pairs[pairs.length / 2]) / 2;
    line += `  C ${fmt(c.seconds)} s  ratio ours/C ${fmt(o.seconds / c.seconds)} (best/best; median of the ${pairs.length} back-to-back pairs ${fmt(median)})`;
  }
  console.log(line);
}
const sup = JSON.parse(readFileSync(join(root, 'traces', 'supervisor', 'meta.json'), 'utf8')) as {args: string[]};
const h = [0, 1, 2].map(() => timed('node', [cli, 'harness', '--pixel', '685', '1039', '--phi-mode', 'c-parity', '--', ...sup.args]));
console.log(`harness supervisor pixel (685, 1039): best ${fmt(Math.min(...h.map((t) => t.seconds)))} s wall (Node start-up and scaled.hkl included)`);
if (process.env.BENCH_MATRIX !== '0') {
  const m = timed('node', [cli, 'matrix', '--jobs', String(workers), '--bundle', 'matrix']);
  console.log(`matrix, every stored case in both modes (--jobs ${workers}): ${fmt(m.seconds)} s wall, ${fmt(m.cpuSeconds)} s CPU, peak ${fmt(m.maxRssMb, 0)} MB (target: 30 s wall on 2 cores)`);
}
