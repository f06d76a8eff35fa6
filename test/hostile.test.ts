/**
 * Issue #18: hostile inputs, resource limits, output targets and signals, through the real binary
 * (node dist/src/cli.js) as a user runs it. Each row: the documented exit code, exactly one
 * `nbparity:` line on stderr, no stack trace. A run that would hang or grow without bound is
 * killed by the spawn's timeout and then fails on its exit code (no timed assertion).
 * FIFOs, sockets and device nodes are made in temporary folders, never taken from /dev.
 */
import {expect} from 'chai';
import {execFileSync, spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {appendFileSync, createReadStream, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {caseFile, ROOT} from './helpers/paths.js';

const CLI = join(ROOT, 'dist', 'src', 'cli.js');
/** the issue's B: a 5x5x5 cubic crystal, 1 A, 100 mm, 0.1 mm pixels */
const B = ['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100', '-N', '5', '-lambda', '1.0', '-distance', '100', '-pixel', '0.1', '-nonoise', '-noprogress'];
/** a run that needs more than this is a regression into a hang */
const TIMEOUT_MS = 60_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `nodeArgs`: flags for node itself (a heap cap makes memory that grows with a file fail the run) */
function cli(cwd: string, args: string[], o: {killAfterMs?: number; signal?: NodeJS.Signals; nodeArgs?: string[]} = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...(o.nodeArgs ?? []), CLI, ...args], {cwd, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    const interrupt = o.killAfterMs !== undefined ? setTimeout(() => child.kill(o.signal ?? 'SIGINT'), o.killAfterMs) : undefined;
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (interrupt) clearTimeout(interrupt);
      done({code, signal, stdout, stderr});
    });
  });
}

/** exactly one `nbparity:` line matching `pattern`, and the exit code */
function expectOneLine(r: Run, code: number, pattern: RegExp): void {
  expect(r.signal, `killed: ${r.stderr}`).to.equal(null);
  expect(r.code, r.stderr).to.equal(code);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^nbparity: /);
  expect(lines[0]).to.match(pattern);
  expect(r.stderr).to.not.match(/\n\s+at /);
}

function tempNames(dir: string): string[] {
  return readdirSync(dir).filter((f) => /\.tmp$|\.partial-/.test(f));
}

describe('hostile input and signals (issue #18, through the binary)', function () {
  this.timeout(4 * TIMEOUT_MS);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nbparity-hostile-'));
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  describe('values that would divide by zero or misread a size (exit 2)', () => {
    for (const [what, args] of [
      ['harness -lambda 0', ['harness', '--pixel', '1', '1', '--', ...B, '-detpixels', '4', '-lambda', '0']],
      ['harness -distance 0', ['harness', '--pixel', '1', '1', '--', ...B, '-detpixels', '4', '-distance', '0']],
      ['simulate -lambda 0', ['simulate', '--', ...B, '-detpixels', '4', '-lambda', '0', '-floatfile', 'f.bin']],
    ] as const) {
      it(`row 1: ${what} is refused, not an endless oversample`, async () => {
        expectOneLine(await cli(dir, [...args]), 2, /automatic -oversample would be Infinity \(from -(lambda|distance) 0/);
      });
    }
    it('row 5: -pixel 0 (simulate and harness)', async () => {
      expectOneLine(await cli(dir, ['simulate', '--', ...B, '-detpixels', '32', '-pixel', '0', '-floatfile', 'f.bin']), 2, /^nbparity: -pixel: the pixel size must be a non-zero/);
      expectOneLine(await cli(dir, ['harness', '--pixel', '1', '1', '--', ...B, '-detpixels', '32', '-pixel', '0']), 2, /^nbparity: -pixel: /);
    });
    it('row 10: -detpixels -5 is refused and earlier outputs stay', async () => {
      writeFileSync(join(dir, 'f.bin'), 'earlier float');
      writeFileSync(join(dir, 'i.img'), 'earlier int');
      expectOneLine(await cli(dir, ['simulate', '--', ...B, '-detpixels', '-5', '-floatfile', 'f.bin', '-intfile', 'i.img']), 2, /-5x-5 \(fast x slow\) pixels/);
      expect(readFileSync(join(dir, 'f.bin'), 'utf8')).to.equal('earlier float');
      expect(readFileSync(join(dir, 'i.img'), 'utf8')).to.equal('earlier int');
    });
    it("row 13: an integer C's atoi would misread (1e2 -> 1) is refused; 2.0 passes", async () => {
      expectOneLine(await cli(dir, ['simulate', '--', ...B, '-detpixels', '1e2', '-floatfile', 'f.bin']), 2, /-detpixels: expected an integer, got '1e2' \(nanoBragg's atoi would read it as 1\)/);
      const ok = await cli(dir, ['simulate', '--', ...B, '-detpixels', '4.0', '-floatfile', 'f.bin']);
      expect(ok.code, ok.stderr).to.equal(0);
      expect(readFileSync(join(dir, 'f.bin')).length).to.equal(4 * 4 * 4);
    });
    it('row 11: --workers is bounded', async () => {
      expectOneLine(await cli(dir, ['simulate', '--workers', '1000', '--', ...B, '-detpixels', '16', '-floatfile', 'f.bin']), 2, /--workers.*less than or equal to/);
    });
  });

  describe('resource limits (exit 10, naming the flag)', () => {
    for (const [row, extra, flag] of [
      ['4', ['-detpixels', '200000'], '-detpixels'],
      ['12', ['-detpixels', '16', '-phisteps', '1000000000'], '-phisteps'],
      ['12', ['-detpixels', '16', '-mosaic', '1', '-mosaic_domains', '100000000'], '-mosaic_domains'],
      ['12', ['-detpixels', '16', '-hdivrange', '1', '-vdivrange', '1', '-hdivsteps', '100000', '-vdivsteps', '100000'], '-hdivsteps/-vdivsteps'],
      ['12', ['-detpixels', '16', '-dispersion', '0.1', '-dispsteps', '100000000'], '-dispsteps'],
    ] as const) {
      it(`row ${row}: ${extra.slice(-2).join(' ')}`, async () => {
        expectOneLine(await cli(dir, ['simulate', '--max-memory', '2G', '--', ...B, ...extra, '-floatfile', 'f.bin']), 10, new RegExp(`^nbparity: ${flag}: the run would need about .* over --max-memory 2\\.0 GiB`));
        expect(existsSync(join(dir, 'f.bin'))).to.equal(false);
      });
    }
    it('an allocation the machine refuses (the estimate raised past it) is a limit too, not a bug', async () => {
      expectOneLine(await cli(dir, ['simulate', '--max-memory', '1000T', '--', ...B, '-detpixels', '2000000', '-floatfile', 'f.bin']), 10, /^nbparity: out of memory \(/);
      expect(tempNames(dir)).to.deep.equal([]);
    });
    it('--max-memory is honoured by harness and checked for form', async () => {
      expectOneLine(await cli(dir, ['harness', '--pixel', '1', '1', '--max-memory', '1M', '--', ...B, '-detpixels', '16', '-phisteps', '100000']), 10, /^nbparity: -phisteps: .*over --max-memory 1\.0 MiB/);
      expectOneLine(await cli(dir, ['simulate', '--max-memory', 'lots', '--', ...B, '-detpixels', '16']), 2, /--max-memory: expected a size such as 512M/);
    });
  });

  describe('inputs: regular files only, under a cap', () => {
    it('row 7: a FIFO as -hkl, -mat, -sourcefile, -img, -mask and as a trace is refused at once (exit 3)', async () => {
      execFileSync('mkfifo', [join(dir, 'fifo')]);
      for (const flag of ['-hkl', '-mat', '-sourcefile', '-img', '-mask']) {
        expectOneLine(await cli(dir, ['harness', '--pixel', '1', '1', '--', ...B, '-detpixels', '4', flag, 'fifo']), 3, new RegExp(`^nbparity: ${flag} \\S*fifo: is a FIFO \\(named pipe\\); nbparity reads inputs only from regular files`));
      }
      expectOneLine(await cli(dir, ['compare-traces', '--c', 'fifo', '--py', caseFile('supervisor', 'trace_s685_f1039.log')]), 3, /^nbparity: fifo: is a FIFO/);
    });
    it('row 7: a text input over its cap is refused before reading (exit 10)', async () => {
      writeFileSync(join(dir, 'big.hkl'), '');
      truncateSync(join(dir, 'big.hkl'), 300 * 1024 * 1024); // sparse: no disk used
      expectOneLine(await cli(dir, ['harness', '--pixel', '1', '1', '--', ...B, '-detpixels', '4', '-hkl', 'big.hkl']), 10, /^nbparity: -hkl \S*big\.hkl: 300 MiB is over the 256 MiB cap/);
    });
    it('row 3: a mask of another size than the detector (simulate and harness, exit 4)', async () => {
      const made = await cli(dir, ['simulate', '--', ...B, '-detpixels', '64', '-intfile', 'mask.img', '-floatfile', 'm.bin']);
      expect(made.code, made.stderr).to.equal(0);
      expectOneLine(await cli(dir, ['simulate', '--', ...B, '-mask', 'mask.img', '-detpixels', '128', '-floatfile', 'f.bin']), 4, /-mask mask\.img: holds 4096 pixels but the detector is 128x128 = 16384/);
      expectOneLine(await cli(dir, ['harness', '--pixel', '1', '1', '--', ...B, '-mask', 'mask.img', '-detpixels', '128']), 4, /holds 4096 pixels/);
    });
    it("row 14: a NaN in -mat is named, not counted as 'found 8'", async () => {
      writeFileSync(join(dir, 'nan.mat'), '1 0 0\n0 1 0\n0 0 nan\n');
      expectOneLine(await cli(dir, ['harness', '--pixel', '1', '1', '--', '-mat', 'nan.mat', '-default_F', '100', '-detpixels', '4']), 3, /value 9 of 9 is 'nan', not a finite number/);
    });
  });

  describe('compare-images of two files: the memory estimate from their frame sizes, before reading', () => {
    it('over --max-memory: exit 10 naming the flag; under it: the comparison runs', async () => {
      const img = Buffer.alloc(4 * 1024 * 1024); // 1024x1024 float32 zeros
      writeFileSync(join(dir, 'a.bin'), img);
      writeFileSync(join(dir, 'b.bin'), img);
      const args = ['compare-images', '--ref', 'a.bin', '--test', 'b.bin', '--fpixels', '1024', '--spixels', '1024', '--outdir', 'r'];
      expectOneLine(await cli(dir, [...args, '--max-memory', '32M']), 10, /^nbparity: --ref: the run would need about \d+ MiB .*over --max-memory 32 MiB/);
      expect(existsSync(join(dir, 'r'))).to.equal(false);
      const r = await cli(dir, [...args, '--max-memory', '1G']);
      expect(r.code, r.stderr).to.equal(0);
    });
    it('an SMV header that claims a 100000x100000 frame is refused from its header (exit 10), the file never read', async () => {
      const header = '{\nHEADER_BYTES=512;\nDIM=2;\nBYTE_ORDER=little_endian;\nTYPE=unsigned_short;\nSIZE1=100000;\nSIZE2=100000;\n}\f';
      writeFileSync(join(dir, 'huge.img'), Buffer.concat([Buffer.from(header.padEnd(512, ' '), 'latin1'), Buffer.alloc(8)]));
      expectOneLine(await cli(dir, ['compare-images', '--ref', 'huge.img', '--test', 'huge.img', '--outdir', 'r', '--max-memory', '4G']), 10, /^nbparity: --(ref|test): the run would need about \d+ GiB .*100000x100000.*over --max-memory 4\.0 GiB/);
    });
  });

  describe('the newer commands (matrix, explain, view, matrix merge)', () => {
    const ref = caseFile('supervisor', 'trace_s685_f1039.log');
    it('matrix --cases: a device, a FIFO named .yaml, an alias bomb, a deep nesting, a list over its cap', async () => {
      execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
      writeFileSync(join(dir, 'bomb.yaml'), ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`)].join('\n'));
      writeFileSync(join(dir, 'deep.yaml'), `${'['.repeat(100000)}${']'.repeat(100000)}\n`);
      writeFileSync(join(dir, 'big.yaml'), `cases:\n${'  - id: X\n    base_args: -detpixels 8\n'.repeat(60000)}`);
      const m = (source: string) => cli(dir, ['matrix', '--cases', source, '--bundle', 'mb']);
      expectOneLine(await m('/dev/zero'), 3, /\/dev\/zero: not a case folder/);
      expectOneLine(await m('fifo.yaml'), 3, /fifo\.yaml: not a case folder/);
      expectOneLine(await m('bomb.yaml'), 3, /bomb\.yaml: not YAML \(Excessive alias count/);
      expectOneLine(await m('deep.yaml'), 3, /deep\.yaml: not YAML \(nested too deeply to read\)/);
      expectOneLine(await m('big.yaml'), 10, /big\.yaml: \d+\.\d MiB is over the 2\.0 MiB cap for this input/);
      expect(existsSync(join(dir, 'mb'))).to.equal(false);
    });
    it('explain --c /dev/zero and --py a FIFO: exit 3 naming the flag', async () => {
      execFileSync('mkfifo', [join(dir, 'fifo')]);
      expectOneLine(await cli(dir, ['explain', '--config', 'supervisor', '--c', '/dev/zero', '--py', ref]), 3, /^nbparity: --c: \/dev\/zero: is a character device/);
      expectOneLine(await cli(dir, ['explain', '--config', 'supervisor', '--c', ref, '--py', 'fifo']), 3, /^nbparity: --py: fifo: is a FIFO/);
    });
    it('view and metrics --verify of a symbolic link loop: exit 3, ELOOP', async () => {
      symlinkSync('loop2', join(dir, 'loop1'));
      symlinkSync('loop1', join(dir, 'loop2'));
      for (const args of [['view', 'loop1', '--no-open'], ['metrics', 'loop1', '--verify']]) {
        expectOneLine(await cli(dir, args), 3, /loop1: cannot read the bundle folder \(ELOOP/);
      }
    });
    it("matrix merge refuses a shard (consistent with its sha256.txt) whose rows' bundle fields leave the bundle", async () => {
      const made = await cli(dir, ['matrix', '--cases', 'simple_cubic', '--phi-mode', 'spec', '--bundle', 'ms']);
      expect(made.code, made.stderr).to.equal(0);
      const shard = join(dir, 'ms', readdirSync(join(dir, 'ms'))[0]);
      const metrics = JSON.parse(readFileSync(join(shard, 'metrics.json'), 'utf8')) as {rows: Array<{bundle: string}>};
      metrics.rows[0].bundle = '../../../../etc';
      writeFileSync(join(shard, 'metrics.json'), JSON.stringify(metrics, null, 2));
      // a hand-made shard: no page, and a manifest that vouches for what it holds
      rmSync(join(shard, 'index.html'));
      const list = (d: string, rel = ''): string[] => readdirSync(join(d, rel), {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? list(d, join(rel, e.name)) : [join(rel, e.name)]));
      const manifest = list(shard).filter((f) => f !== 'sha256.txt').sort().map((f) => `${createHash('sha256').update(readFileSync(join(shard, f))).digest('hex')}  ${f}`);
      writeFileSync(join(shard, 'sha256.txt'), `${manifest.join('\n')}\n`);
      expect((await cli(dir, ['metrics', shard, '--verify'])).code).to.equal(0);
      expectOneLine(await cli(dir, ['matrix', 'merge', shard, '--bundle', 'mm']), 3, /rows\[0\]\.bundle: "\.\.\/\.\.\/\.\.\/\.\.\/etc" is not a path inside the bundle/);
      expect(existsSync(join(dir, 'mm'))).to.equal(false);
    });
  });

  it('row 18: a C program that never stops printing is killed at the output cap (exit 7), its report kept', async () => {
    writeFileSync(join(dir, 'forever.sh'), '#!/bin/sh\nexec yes nanoBragg\n', {mode: 0o755});
    expectOneLine(await cli(dir, ['compare-images', '--c-bin', './forever.sh', '--outdir', 'report', '--', ...B, '-detpixels', '4']), 7, /forever\.sh printed more than 32 MiB and was killed \(resource limit\)/);
    expect(readdirSync(join(dir, 'report'))).to.include('metrics.json');
  });

  describe('traces (rows 9, 20)', () => {
    const ref = caseFile('supervisor', 'trace_s685_f1039.log');
    it('row 9/20: concatenated pixel blocks are bad input (exit 3), found after the second block', async () => {
      const one = readFileSync(ref, 'utf8');
      writeFileSync(join(dir, 'many.log'), one.repeat(Math.ceil((20 << 20) / one.length))); // 20 MB
      for (const cmd of ['compare-traces', 'per-phi']) {
        expectOneLine(await cli(dir, [cmd, '--c', ref, '--py', 'many.log']), 3, /^nbparity: many\.log:369: a second pixel block starts here/);
      }
    });
    it('a valid block followed by 48 MB of other text is read in the memory of the block (heap capped at 40 MB); bundles copy the file byte for byte', async () => {
      // held whole, the text alone would pass the cap: the run aborts (exit 134 with a V8 report)
      const junk = 'progress: a line of a run that is not a trace line\n'.repeat(1 << 16);
      const padded = join(dir, 'padded.log');
      writeFileSync(padded, readFileSync(ref));
      for (let i = 0; i < Math.ceil((48 << 20) / junk.length); i++) appendFileSync(padded, junk);
      const capped = {nodeArgs: ['--max-old-space-size=40']};
      const runs: Array<[string[], string | null]> = [
        [['compare-traces', '--c', ref, '--py', 'padded.log', '--bundle', 'b1'], 'b1/*/test/padded.log'],
        [['per-phi', '--c', ref, '--py', 'padded.log'], null],
        [['harness', '--config', 'supervisor', '--pixel', '685', '1039', '--phi-mode', 'c-parity', '--ref', 'padded.log', '--bundle', 'b2'], 'b2/*/reference/padded.log'],
        [['explain', '--config', 'supervisor', '--c', 'padded.log', '--py', ref, '--bundle', 'b3'], 'b3/*/reference/padded.log'],
      ];
      const digest = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
      for (const [args, copy] of runs) {
        const r = await cli(dir, args, capped);
        expect(r.signal, `${args[0]}: killed`).to.equal(null);
        expect(r.code, `${args[0]}: ${r.stderr.slice(0, 400)}`).to.equal(0);
        expect(r.stderr, args[0]).to.equal('');
        if (copy) {
          const [root, , ...rest] = copy.split('/');
          const stamp = readdirSync(join(dir, root));
          expect(stamp, copy).to.have.length(1);
          expect(digest(join(dir, root, stamp[0], ...rest)), copy).to.equal(digest(padded));
        }
      }
    });
    it('a trace from standard input with a bundle is a usage error (exit 2): the bundle copies its inputs from disk', async () => {
      for (const args of [['compare-traces', '--c', ref, '--py', '-', '--bundle', 'b'], ['explain', '--config', 'supervisor', '--c', '-', '--py', ref, '--out', 'o']]) {
        expectOneLine(await cli(dir, args), 2, /standard input \(-\) cannot be copied into a bundle/);
      }
      expect(readdirSync(dir)).to.deep.equal([]);
    });
    it('a line over 1 MiB: skipped when it is not a trace line, refused (exit 3) when it is', async () => {
      const text = readFileSync(ref, 'utf8');
      writeFileSync(join(dir, 'long-other.log'), `${text}${'x'.repeat(3 << 20)}\n`);
      const r = await cli(dir, ['compare-traces', '--c', ref, '--py', 'long-other.log']);
      expect(r.code, r.stderr).to.equal(0);
      writeFileSync(join(dir, 'long-trace.log'), `${text}TRACE_C: note ${'1 '.repeat(1 << 20)}\n`);
      expectOneLine(await cli(dir, ['compare-traces', '--c', ref, '--py', 'long-trace.log']), 3, /long-trace\.log:\d+: a trace line over 1048576 characters/);
    });
    it('row 20: Fortran D exponents and CR-only line ends read as the same trace', async () => {
      const text = readFileSync(ref, 'utf8');
      writeFileSync(join(dir, 'fortran.log'), text.replace(/^(TRACE_C: F_cell )(\S+)$/m, (_, k: string, v: string) => `${k}${Number(v).toExponential().replace('e', 'D')}`));
      expect(readFileSync(join(dir, 'fortran.log'), 'utf8')).to.match(/F_cell \S+D/);
      writeFileSync(join(dir, 'cr.log'), text.replace(/\n/g, '\r'));
      for (const f of ['fortran.log', 'cr.log']) {
        const r = await cli(dir, ['compare-traces', '--c', ref, '--py', f]);
        expect(r.code, `${f}: ${r.stdout}${r.stderr}`).to.equal(0);
      }
    });
  });

  describe('output targets (row 2)', () => {
    it('a symlink: its target is written and the link stays a link', async () => {
      writeFileSync(join(dir, 'target.bin'), 'earlier');
      symlinkSync('target.bin', join(dir, 'link.bin'));
      const r = await cli(dir, ['simulate', '--', ...B, '-detpixels', '16', '-floatfile', 'link.bin']);
      expect(r.code, r.stderr).to.equal(0);
      expect(lstatSync(join(dir, 'link.bin')).isSymbolicLink()).to.equal(true);
      expect(readFileSync(join(dir, 'target.bin')).length).to.equal(16 * 16 * 4);
      const h = await cli(dir, ['harness', '--pixel', '1', '1', '--out', 'link.bin', '--', ...B, '-detpixels', '16']);
      expect(h.code, h.stderr).to.equal(0);
      expect(lstatSync(join(dir, 'link.bin')).isSymbolicLink()).to.equal(true);
      expect(readFileSync(join(dir, 'target.bin'), 'utf8')).to.match(/^TRACE_TS:/);
      expect(tempNames(dir)).to.deep.equal([]);
    });
    it('a FIFO: its reader gets the file and it stays a FIFO; without a reader, exit 6', async () => {
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      expectOneLine(await cli(dir, ['simulate', '--', ...B, '-detpixels', '16', '-floatfile', 'fifo']), 6, /-floatfile .*fifo: cannot write \(ENXIO: a FIFO with no reader/);
      const chunks: Buffer[] = [];
      const read = new Promise<void>((done) => createReadStream(fifo).on('data', (c) => chunks.push(c as Buffer)).on('end', () => done()));
      const r = await cli(dir, ['simulate', '--', ...B, '-detpixels', '16', '-floatfile', 'fifo']);
      expect(r.code, r.stderr).to.equal(0);
      await read;
      expect(Buffer.concat(chunks).length).to.equal(16 * 16 * 4);
      expect(lstatSync(fifo).isFIFO()).to.equal(true);
    });
    it('a socket is refused (exit 6) and stays', async () => {
      const server = createServer();
      await new Promise<void>((done) => server.listen(join(dir, 'sock'), done));
      try {
        expectOneLine(await cli(dir, ['simulate', '--', ...B, '-detpixels', '16', '-floatfile', 'sock']), 6, /sock: cannot write \(is a socket/);
        expect(lstatSync(join(dir, 'sock')).isSocket()).to.equal(true);
      } finally {
        server.close();
      }
    });
    it('a character device made in the temporary folder stays a device (root only)', async function () {
      try {
        execFileSync('mknod', [join(dir, 'null'), 'c', '1', '3'], {stdio: 'ignore'});
      } catch {
        this.skip(); // not root, or no CAP_MKNOD
      }
      const r = await cli(dir, ['simulate', '--', ...B, '-detpixels', '16', '-floatfile', 'null']);
      expect(r.code, r.stderr).to.equal(0);
      expect(lstatSync(join(dir, 'null')).isCharacterDevice()).to.equal(true);
    });
  });

  describe('signals (row 8)', () => {
    // a frame that takes seconds (1024x1024, 60 phi steps, Fdump.bin staged from -hkl)
    const FRAME = [...B, '-hkl', 'x.hkl', '-detpixels', '1024', '-phisteps', '60', '-osc', '1', '-floatfile', 'f.bin', '-intfile', 'i.img'];
    for (const [ms, signal, code] of [
      [500, 'SIGINT', 130],
      [900, 'SIGTERM', 143],
      [1600, 'SIGINT', 130],
    ] as const) {
      it(`${signal} ${ms} ms into a frame render: exit ${code}, no temporary file, earlier outputs byte-identical`, async () => {
        writeFileSync(join(dir, 'x.hkl'), '1 2 3 100\n');
        const earlier = await cli(dir, ['simulate', '--', ...B, '-hkl', 'x.hkl', '-detpixels', '8', '-floatfile', 'f.bin', '-intfile', 'i.img']);
        expect(earlier.code, earlier.stderr).to.equal(0);
        const before = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('hex')]));
        const r = await cli(dir, ['simulate', '--workers', '2', '--', ...FRAME], {killAfterMs: ms, signal});
        expectOneLine(r, code, new RegExp(`interrupted by ${signal}; temporary files removed`));
        expect(tempNames(dir)).to.deep.equal([]);
        const after = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('hex')]));
        expect(after).to.deep.equal(before);
      });
    }
  });
});
