import {Parser} from '@oclif/core';
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {parsePlainFlags, type FlagSpecs} from '../src/cli/flags.js';
import {HARNESS_FLAGS} from '../src/cli/harness.js';
import {oclifFlags} from '../src/cli/oclif-flags.js';
import {SIMULATE_FLAGS} from '../src/cli/simulate-flags.js';
import {ROOT} from './helpers/paths.js';

async function viaOclif(specs: FlagSpecs, argv: string[]): Promise<Record<string, unknown>> {
  const {flags} = await Parser.parse(argv, {flags: oclifFlags(specs), strict: false});
  // oclif leaves an absent boolean undefined; the fast path says false: the same to every caller
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined && v !== false));
}

const plain = (flags: Record<string, unknown> | undefined) => flags && Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined && v !== false));

describe('start-up fast path (express)', () => {
  const accepted: Array<[FlagSpecs, string[]]> = [
    [HARNESS_FLAGS, ['--pixel', '685', '1039']],
    [HARNESS_FLAGS, ['--pixel', '1', '2', '--phi-mode', 'c-parity', '--out', 'x.log', '--tolerance', '1e-9']],
    [HARNESS_FLAGS, ['--config', 'supervisor', '--pixel', '0', '0', '--bundle', 'reports', '--ref', 'r.log']],
    [SIMULATE_FLAGS, []],
    [SIMULATE_FLAGS, ['--workers', '2', '--json', '--phi-mode', 'spec']],
    [SIMULATE_FLAGS, ['--c-threads', '8', '--phi-mode', 'c-parity']],
    [HARNESS_FLAGS, ['--pixel', '1264', '0', '--c-threads', '2']],
  ];
  for (const [specs, argv] of accepted) {
    it(`parses [${argv.join(' ')}] exactly as oclif does`, async () => {
      expect(plain(parsePlainFlags(specs, argv))).to.deep.equal(await viaOclif(specs, argv));
    });
  }

  const refused: Array<[FlagSpecs, string[]]> = [
    [HARNESS_FLAGS, ['--help']],
    [HARNESS_FLAGS, ['--pixel', '685']],
    [HARNESS_FLAGS, ['--pixel=685', '1039']],
    [HARNESS_FLAGS, ['--pixel', '-1', '3']],
    [HARNESS_FLAGS, ['--pixel', '1', '2', '--phi-mode', 'both']],
    [HARNESS_FLAGS, ['--pixel', '1', '2', '--pixel', '3', '4']],
    [HARNESS_FLAGS, ['--pixel', '1', '2', '--nope']],
    [HARNESS_FLAGS, ['-p', '1', '2']],
    [SIMULATE_FLAGS, ['--workers', '0']],
    [SIMULATE_FLAGS, ['--workers', 'two']],
    [SIMULATE_FLAGS, ['--c-threads', '0']],
    [SIMULATE_FLAGS, ['--json', '--json']],
  ];
  for (const [specs, argv] of refused) {
    it(`leaves [${argv.join(' ')}] to oclif`, () => {
      expect(parsePlainFlags(specs, argv)).to.equal(undefined);
    });
  }

  it('the fast path and oclif print the same trace (--phi-mode=... forces oclif)', () => {
    const cli = join(ROOT, 'dist', 'src', 'cli.js');
    const args = ['harness', '--config', 'supervisor', '--pixel', '685', '1039'];
    const fast = spawnSync('node', [cli, ...args, '--phi-mode', 'c-parity'], {encoding: 'utf8'});
    const full = spawnSync('node', [cli, ...args, '--phi-mode=c-parity'], {encoding: 'utf8'});
    expect(fast.status).to.equal(0);
    expect(full.status).to.equal(0);
    expect(fast.stdout).to.have.length.above(1000);
    expect(fast.stdout).to.equal(full.stdout);
  });

  it('errors on the fast path are one line with the documented exit code', () => {
    const cli = join(ROOT, 'dist', 'src', 'cli.js');
    const r = spawnSync('node', [cli, 'harness', '--pixel', '5000', '1', '--', '-cell', '100', '100', '100', '90', '90', '90', '-default_F', '1', '-detpixels', '64'], {encoding: 'utf8'});
    expect(r.status).to.equal(4);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/^nbparity: pixel \(slow 5000, fast 1\) is outside/);
  });

  it('an unknown command or a stray word is one line and exit 2, not the decorated oclif error', () => {
    const cli = join(ROOT, 'dist', 'src', 'cli.js');
    const unknown = spawnSync('node', [cli, 'nosuchcmd'], {encoding: 'utf8'});
    expect(unknown.status).to.equal(2);
    expect(unknown.stderr).to.equal("nbparity: unknown command 'nosuchcmd' (see nbparity --help)\n");
    const stray = spawnSync('node', [cli, 'compare-traces', 'a.log', 'b.log'], {encoding: 'utf8'});
    expect(stray.status).to.equal(2);
    expect(stray.stderr).to.equal("nbparity: compare-traces: unexpected argument 'a.log' (see nbparity compare-traces --help)\n");
  });
});
