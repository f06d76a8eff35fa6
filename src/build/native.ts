/**
 * Build step, optional: compile the native sines (src/engine/sines.c) into
 * dist/src/engine/sines.node when a C compiler (CC, default `cc`) and Node's headers are here.
 * Without them, or with NBPARITY_NATIVE=0, nothing is built and the kernel uses its WebAssembly
 * sines: the build says so in one line and succeeds. No node-gyp: one file, one compiler call.
 */
import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {writeFileAtomic} from '../io/atomic.js';
import {projectRoot} from '../trace/project.js';

const root = projectRoot();
const target = join(root, 'dist', 'src', 'engine', 'sines.node');

function skip(why: string): void {
  rmSync(target, {force: true});
  process.stdout.write(`native sines not built (${why}): the WebAssembly sines are used\n`);
}

const headers = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'].find((d) => existsSync(join(d, 'node_api.h')));
if (process.env.NBPARITY_NATIVE === '0') skip('NBPARITY_NATIVE=0');
else if (process.arch !== 'x64') skip(`${process.arch}: the native sines are x86-64 only`);
else if (!headers) skip("Node's headers (node_api.h) not found");
else {
  const out = join(tmpdir(), `nbparity-sines-${process.pid}.node`);
  const cc = process.env.CC || 'cc';
  // -ffp-contract=off: a fused multiply-add would round differently from Math.sin
  const r = spawnSync(cc, ['-O2', '-fno-fast-math', '-ffp-contract=off', '-fPIC', '-shared', '-I', headers, '-o', out, join(root, 'src', 'engine', 'sines.c')], {encoding: 'utf8'});
  if (r.error || r.status !== 0) skip(r.error ? `${cc}: ${r.error.message}` : `${cc} failed: ${r.stderr.trim().split('\n')[0]}`);
  else {
    await writeFileAtomic(target, readFileSync(out));
    rmSync(out, {force: true});
  }
}
