/**
 * The one exit-code scheme through the real binary (node dist/src/cli.js), as a script sees it:
 * every code a command can give today, the README's table equal to the generated one, help in
 * every form, the whole output on every exit code however slowly it is read, and a stdout that
 * fails (a full device, a reader that closed the pipe) ending as exit 6 without a stack trace.
 *
 * Codes no command gives yet: 8 (partial: capture and matrix) and 10 (resource limits); 130/143
 * are the interrupt tests'.
 */
import {expect} from 'chai';
import {spawn, spawnSync, type StdioOptions} from 'node:child_process';
import {chmodSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {EXIT, EXIT_CODE_TABLE, exitCodesMarkdown} from '../src/util/exit-codes.js';
import {caseFile, ROOT, TRACES} from './helpers/paths.js';

const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const C_REF = caseFile('supervisor', 'trace_s685_f1039.log');
const SPEC_REF = caseFile('supervisor_specref', 'trace_s685_f1039.log');
const ABS_REF = caseFile('absorption', 'trace_s30_f100.log');
const B = ['-cell', '100', '100', '100', '90', '90', '90', '-default_F', '100', '-N', '2', '-detpixels', '32', '-distance', '100'];
const COMMANDS = ['compare-images', 'compare-traces', 'harness', 'metrics', 'per-phi', 'simulate'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cliPath = CLI): Run {
  const r = spawnSync(process.execPath, [cliPath, ...args], {cwd, encoding: 'utf8', env, maxBuffer: 64 << 20});
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

/** The command's stdout through `| (sleep 1; cat)`: the reader is late, the pipe fills, the writer must wait. */
function slowReader(cwd: string, args: string[]): Run {
  // pipefail: the pipeline's status is the command's, not cat's
  const r = spawnSync('bash', ['-c', 'set -o pipefail; "$@" | (sleep 1; cat)', 'bash', process.execPath, CLI, ...args], {cwd, encoding: 'utf8', maxBuffer: 64 << 20});
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

function oneLine(r: Run, what: string): string {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, `${what}: stderr ${JSON.stringify(r.stderr)}`).to.have.length(1);
  expect(lines[0], what).to.match(/^nbparity: /);
  expect(r.stderr, `${what}: no stack`).to.not.match(/^\s+at /m);
  return lines[0];
}

describe('the exit-code scheme through the real binary', function () {
  this.timeout(120000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nbparity-exit-'));
    cpSync(join(TRACES, 'inputs'), dir, {recursive: true});
    writeFileSync(join(dir, 'afile'), 'a regular file: nothing can be created under it\n');
    const fake = join(dir, 'fake-nanoBragg');
    writeFileSync(fake, "#!/bin/sh\necho 'fake C: refusing' >&2\nexit 3\n");
    chmodSync(fake, 0o755);
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('the README shows the generated table, once', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = exitCodesMarkdown();
    expect(readme.split(table).length - 1, 'the table of src/util/exit-codes.ts, verbatim, once').to.equal(1);
  });

  const cases: Array<{code: number; what: string; args: string[]; line?: RegExp}> = [
    {code: EXIT.OK, what: 'a pass', args: ['compare-traces', '--c', C_REF, '--py', C_REF]},
    {code: EXIT.VERDICT, what: 'a divergence', args: ['compare-traces', '--c', C_REF, '--py', SPEC_REF]},
    {code: EXIT.USAGE, what: 'an unknown flag', args: ['harness', '--bogus'], line: /Nonexistent flag: --bogus/},
    {code: EXIT.USAGE, what: 'a stray word', args: ['compare-images', 'stray'], line: /compare-images: unexpected argument 'stray'/},
    {code: EXIT.BAD_INPUT, what: 'an unreadable input', args: ['per-phi', '--c', 'missing.log', '--py', C_REF], line: /missing\.log: cannot read \(ENOENT/},
    {code: EXIT.IDENTITY, what: 'a pixel outside the detector', args: ['harness', '--pixel', '32', '0', '--', ...B], line: /outside the 32x32/},
    {code: EXIT.NOT_RENDERED, what: 'a pixel outside the ROI', args: ['harness', '--pixel', '1', '1', '--', ...B, '-roi', '10', '20', '10', '20'], line: /not rendered/},
    {code: EXIT.CANNOT_WRITE, what: 'an output that cannot be written', args: ['simulate', '--', ...B, '-floatfile', 'afile/f.bin'], line: /-floatfile .*afile\/f\.bin: cannot write \(ENOTDIR/},
    {code: EXIT.EXTERNAL, what: 'the C program failing', args: ['compare-images', '--c-bin', './fake-nanoBragg', '--outdir', 'ext', '--', ...B], line: /exited with code 3/},
    {code: EXIT.NANOBRAGG_USAGE, what: "nanoBragg's own usage refusal", args: ['simulate', '--', '-default_F', '1'], line: /no unit cell/},
  ];
  for (const c of cases) {
    it(`${c.code}: ${c.what}`, () => {
      const r = cli(dir, c.args);
      expect(r.code, r.stderr).to.equal(c.code);
      if (c.line) expect(oneLine(r, c.what)).to.match(c.line);
      else expect(r.stderr).to.equal('');
    });
  }

  it('7 leaves a bundle recording the failure', () => {
    const m = JSON.parse(readFileSync(join(dir, 'ext', 'metrics.json'), 'utf8'));
    expect(m).to.include({status: 'runner_failed', verdict: null});
    expect(readFileSync(join(dir, 'ext', 'c.stderr.txt'), 'utf8')).to.equal('fake C: refusing\n');
    expect(cli(dir, ['metrics', 'ext', '--verify']).code).to.equal(0);
  });

  it('70: a bug (here a broken installation: a schema file that does not validate) is one line; NBPARITY_DEBUG=1 adds the stack', () => {
    const copy = mkdtempSync(join(tmpdir(), 'nbparity-broken-'));
    try {
      for (const f of ['package.json', 'dist', 'schemas']) cpSync(join(ROOT, f), join(copy, f), {recursive: true});
      symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
      writeFileSync(join(copy, 'schemas', 'trace-keys.json'), '{"not": "a catalogue"}\n');
      const brokenCli = join(copy, 'dist', 'src', 'cli.js');
      const r = cli(dir, ['compare-traces', '--c', C_REF, '--py', C_REF], process.env, brokenCli);
      expect(r.code, r.stderr).to.equal(EXIT.INTERNAL);
      expect(oneLine(r, 'internal error')).to.match(/^nbparity: internal error \(a bug in nbparity, please report it; NBPARITY_DEBUG=1 prints the stack\): SchemaValidationError: /);
      const debug = cli(dir, ['compare-traces', '--c', C_REF, '--py', C_REF], {...process.env, NBPARITY_DEBUG: '1'}, brokenCli);
      expect(debug.code).to.equal(EXIT.INTERNAL);
      expect(debug.stderr).to.match(/^\s+at /m);
    } finally {
      rmSync(copy, {recursive: true, force: true});
    }
  });

  it('every command: --help, -h and `nbparity help COMMAND` print its help and the scheme, exit 0', () => {
    const root = cli(dir, ['help']);
    expect(root.code).to.equal(0);
    expect(root.stdout).to.contain('EXIT CODES');
    for (const {code} of EXIT_CODE_TABLE) expect(root.stdout).to.match(new RegExp(`^\\s+\\*\\s*${code}  `, 'm'));
    expect(cli(dir, ['-h']).stdout).to.equal(root.stdout);
    for (const cmd of COMMANDS) {
      const help = cli(dir, ['help', cmd]);
      expect(help.code, cmd).to.equal(0);
      expect(help.stdout, cmd).to.contain(`$ nbparity ${cmd}`);
      expect(help.stdout, cmd).to.contain('EXIT CODES');
      expect(help.stdout, cmd).to.match(/^\s+\*\s+0  success/m);
      expect(cli(dir, [cmd, '--help']).stdout, `${cmd} --help`).to.equal(help.stdout);
      expect(cli(dir, [cmd, '-h']).stdout, `${cmd} -h`).to.equal(help.stdout);
    }
    const unknown = cli(dir, ['help', 'nosuch']);
    expect(unknown.code).to.equal(EXIT.USAGE);
    expect(oneLine(unknown, 'help nosuch')).to.equal("nbparity: unknown command 'nosuch' (see nbparity --help)");
  });

  it('every command refuses a stray word (exit 2, one line), before doing anything', () => {
    const valid: Record<string, string[]> = {
      'compare-images': ['--ref', 'a.bin', '--test', 'a.bin', '--fpixels', '8', '--spixels', '8', '--outdir', 'stray-ci'],
      'compare-traces': ['--c', C_REF, '--py', C_REF, '--out', 'stray-ct'],
      harness: ['--pixel', '1', '1', '--out', 'stray.log', '--', ...B],
      metrics: ['afile', '--verify'],
      'per-phi': ['--c', C_REF, '--py', C_REF],
      simulate: ['--', ...B, '-floatfile', 'stray.bin'],
    };
    for (const cmd of COMMANDS) {
      const args = valid[cmd];
      const at = args.indexOf('--') < 0 ? args.length : args.indexOf('--');
      const r = cli(dir, [cmd, ...args.slice(0, at), 'stray-word', ...args.slice(at)]);
      expect(r.code, cmd).to.equal(EXIT.USAGE);
      expect(oneLine(r, cmd), cmd).to.contain("unexpected argument 'stray-word'");
    }
    for (const f of ['stray-ci', 'stray-ct', 'stray.log', 'stray.bin']) expect(existsSync(join(dir, f)), f).to.equal(false);
  });

  describe('the whole output before exit, however slowly it is read', () => {
    // one run per command on a non-zero code where it has one, JSON where it has it
    const runs: Array<{name: string; args: string[]; code: number; json: boolean; minBytes?: number}> = [
      // a pipe holds 64 KiB: these are several times that
      {name: 'compare-traces --json, a divergence', args: ['compare-traces', '--c', ABS_REF, '--py', 'abs-perturbed.log', '--json'], code: 1, json: true, minBytes: 256 << 10},
      {name: 'harness --ref --json, a divergence', args: ['harness', '--config', 'absorption', '--pixel', '30', '100', '--ref', 'abs-perturbed.log', '--json'], code: 1, json: true, minBytes: 256 << 10},
      {name: 'harness --json, the trace', args: ['harness', '--config', 'pix0_custom_small', '--pixel', '50', '45', '--json'], code: 0, json: true, minBytes: 256 << 10},
      {name: 'per-phi --json, a divergence', args: ['per-phi', '--c', C_REF, '--py', SPEC_REF, '--json'], code: 1, json: true},
      {name: 'compare-images --json, below threshold', args: ['compare-images', '--ref', 'a.bin', '--test', 'b.bin', '--fpixels', '8', '--spixels', '8', '--outdir', 'slow-ci', '--json'], code: 1, json: true},
      {name: 'metrics --verify --json, a changed file', args: ['metrics', 'slow-bundle', '--verify', '--json'], code: 1, json: true},
      {name: "simulate, nanoBragg's usage text", args: ['simulate', '--', '-default_F', '1'], code: 9, json: false},
    ];
    before(() => {
      const a = new Float32Array(64).map((_, i) => i + 1);
      writeFileSync(join(dir, 'a.bin'), Buffer.from(a.buffer));
      writeFileSync(join(dir, 'b.bin'), Buffer.from(a.map((v) => v * 3).buffer));
      writeFileSync(join(dir, 'abs-perturbed.log'), readFileSync(ABS_REF, 'utf8').replace(/^(TRACE_C: I_before_scaling) (\S+)$/m, (_, k: string, v: string) => `${k} ${Number(v) * 1.01}`));
      expect(cli(dir, ['compare-traces', '--c', C_REF, '--py', C_REF, '--out', 'slow-bundle']).code).to.equal(0);
      writeFileSync(join(dir, 'slow-bundle', 'summary.md'), 'changed\n');
    });
    for (const r of runs) {
      it(r.name, async () => {
        const quick = cli(dir, r.args.map((a) => (a === 'slow-ci' ? 'slow-ci-quick' : a)));
        const slow = slowReader(dir, r.args);
        expect(slow.code, slow.stderr).to.equal(r.code);
        expect(quick.code).to.equal(r.code);
        if (r.minBytes) expect(slow.stdout.length).to.be.above(r.minBytes);
        if (r.json) JSON.parse(slow.stdout);
        else expect(slow.stdout).to.match(/\n$/);
        // the same bytes as a reader that keeps up (timestamps aside)
        const timeless = (s: string) => s.replace(/"generated_utc": "[^"]+"/g, '').replace(/slow-ci(-quick)?/g, '');
        expect(timeless(slow.stdout)).to.equal(timeless(quick.stdout));
      });
    }
  });

  describe('a stdout that fails: exit 6, never an unhandled error event (issue 18 row 6)', () => {
    const full = '/dev/full';
    const big = ['compare-traces', '--c', C_REF, '--py', SPEC_REF, '--json'];

    for (const args of [big, ['harness', '--config', 'simple_cubic', '--pixel', '100', '150'], ['per-phi', '--c', C_REF, '--py', C_REF]]) {
      it(`${args[0]} > /dev/full: one line, exit 6`, function () {
        if (!existsSync(full)) this.skip();
        const fd = openSync(full, 'w');
        try {
          const stdio: StdioOptions = ['ignore', fd, 'pipe'];
          const r = spawnSync(process.execPath, [CLI, ...args], {cwd: dir, stdio, encoding: 'utf8'});
          expect(r.status, r.stderr).to.equal(EXIT.CANNOT_WRITE);
          expect(oneLine({code: r.status, stdout: '', stderr: r.stderr}, 'dev/full')).to.match(/^nbparity: standard output: cannot write \(ENOSPC/);
        } finally {
          closeSync(fd);
        }
      });
    }

    it('a reader that closes the pipe (| head -c 0): quiet, exit 6', async () => {
      const r = await new Promise<Run>((done) => {
        const child = spawn(process.execPath, [CLI, ...big], {cwd: dir, stdio: ['ignore', 'pipe', 'pipe']});
        const err: Buffer[] = [];
        child.stderr.on('data', (b: Buffer) => err.push(b));
        // closed before the command writes: its first write meets EPIPE
        child.stdout.destroy();
        child.on('close', (code) => done({code, stdout: '', stderr: Buffer.concat(err).toString('utf8')}));
      });
      expect(r.code).to.equal(EXIT.CANNOT_WRITE);
      expect(r.stderr).to.equal('');
    });
  });

  it('the bundle of a run keeps its warnings (the Fdump.bin reuse): warnings.txt, metrics.json, summary.md', () => {
    const sub = join(dir, 'warn');
    mkdirSync(sub);
    cpSync(join(dir, 'sparse.hkl'), join(sub, 'sparse.hkl'));
    expect(cli(sub, ['simulate', '--workers', '1', '--', ...B, '-hkl', 'sparse.hkl']).code).to.equal(0);
    const noHkl = B.filter((a, i) => a !== '-default_F' && B[i - 1] !== '-default_F');
    const r = cli(sub, ['harness', '--pixel', '3', '4', '--bundle', 'b', '--', ...noHkl]);
    expect(r.code, r.stderr).to.equal(0);
    const warning = /^nbparity: warning: (.*)$/m.exec(r.stderr)![1];
    const bundle = /^bundle: (.+)$/m.exec(r.stdout)![1];
    expect(readFileSync(join(bundle, 'warnings.txt'), 'utf8')).to.equal(`${warning}\n`);
    expect(JSON.parse(readFileSync(join(bundle, 'metrics.json'), 'utf8')).warnings).to.deep.equal([warning]);
    expect(readFileSync(join(bundle, 'summary.md'), 'utf8')).to.contain(`- ${warning}`);
  });

  it('a --ref whose name holds a newline still gives a bundle that verifies (issue 18 row 15)', () => {
    const weird = 'we\nird.log';
    cpSync(C_REF, join(dir, weird));
    const r = cli(dir, ['harness', '--config', 'supervisor', '--pixel', '685', '1039', '--phi-mode', 'c-parity', '--ref', weird, '--bundle', 'weird']);
    expect(r.code, r.stderr).to.equal(0);
    const bundle = /^bundle: (.+)$/m.exec(r.stdout)![1];
    expect(existsSync(join(bundle, 'reference', 'we_ird.log'))).to.equal(true);
    expect(readFileSync(join(bundle, 'commands.txt'), 'utf8')).to.contain("--ref $'we\\nird.log'");
    expect(cli(dir, ['metrics', bundle, '--verify']).code).to.equal(0);
  });
});
