/**
 * The README's shell examples and every command's --help examples run as written: from the
 * repository's root (the help examples from a folder that holds `traces`, as the root does),
 * writing only into temporary folders, never into the checkout. Expected output the README
 * shows in `#   ...` comment lines must appear. Examples that need the C program run with
 * test/fixtures/fake-nanoBragg.mjs in its place (the project ships no C binary; the stand-in
 * replays the C output stored in traces/, so such examples use stored cases' arguments). The
 * install/test/bench commands are skipped (they are what runs this test).
 */
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';

import {COMMANDS} from '../commands/index.js';
import {ROOT} from './helpers/paths.js';

const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const FAKE_C = join(ROOT, 'test', 'fixtures', 'fake-nanoBragg.mjs');

/** Why an example cannot run here, or null. */
function skipReason(text: string): string | null {
  if (/(^|\s)npm (install|test|ci|run)/m.test(text)) return 'installs, tests or benchmarks the project itself';
  return null;
}

/** The example as it runs here: the C binary it names is the stand-in that replays traces/. */
function withFakeC(text: string): string {
  return text.replaceAll('/path/to/nanoBragg', FAKE_C);
}

/** path -> mtime of every file of the checkout but dist/, node_modules/ and .git/. */
function snapshot(): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, {withFileTypes: true})) {
      const p = join(dir, e.name);
      const rel = relative(ROOT, p);
      if (['dist', 'node_modules', '.git'].includes(rel)) continue;
      if (e.isDirectory()) walk(p);
      else out.set(rel, lstatSync(p).mtimeMs);
    }
  };
  walk(ROOT);
  return out;
}

function bash(script: string, cwd: string, tmp: string) {
  return spawnSync('bash', ['-e', '-o', 'pipefail', '-c', withFakeC(script)], {cwd, encoding: 'utf8', env: {...process.env, TMPDIR: tmp, NB_C_BIN: FAKE_C}, maxBuffer: 64 << 20});
}

describe('examples run as written', function () {
  this.timeout(300000);
  let tmp: string;
  let before: Map<string, number>;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'nbparity-examples-'));
    before = snapshot();
  });
  afterEach(() => {
    rmSync(tmp, {recursive: true, force: true});
    expect([...snapshot()].filter(([f, t]) => before.get(f) !== t).map(([f]) => f), 'files written or changed in the checkout').to.deep.equal([]);
  });

  describe('README.md', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    it('has shell examples', () => expect(blocks.length).to.be.at.least(2));
    blocks.forEach((block, i) => {
      const first = block.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'))!;
      const skip = skipReason(block);
      it(`block ${i + 1}: ${first.slice(0, 60)}${skip ? ` (skipped: ${skip})` : ''}`, function () {
        if (skip) this.skip();
        const r = bash(block, ROOT, tmp);
        expect(r.status, `${r.stderr}\n${r.stdout.slice(-2000)}`).to.equal(0);
        // "#   <output>  (note)" lines show what the commands print
        for (const m of block.matchAll(/^#\s{3}(\S.*?)(\s{2,}\(.*)?$/gm)) expect(r.stdout, `shown output: ${m[1]}`).to.contain(m[1].trim());
      });
    });
  });

  describe('--help examples', () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      const examples = ((command.examples ?? []) as Array<string | {command: string}>).map((e) => (typeof e === 'string' ? e : e.command));
      it(`${name}: ${examples.length} examples`, function () {
        expect(examples.length, `${name} has examples`).to.be.at.least(1);
        // a folder like the checkout's root: traces/ is there (read-only use), the rest is ours
        const cwd = mkdtempSync(join(tmp, `${name}-`));
        symlinkSync(join(ROOT, 'traces'), join(cwd, 'traces'));
        let ran = 0;
        for (const example of examples) {
          if (skipReason(example)) continue;
          const script = example.replace('<%= config.bin %>', `node ${JSON.stringify(CLI)}`);
          const r = bash(script, cwd, tmp);
          // 1 is a verdict (a divergence the example shows); anything else must not happen
          expect([0, 1], `${example}\n${r.stderr}`).to.include(r.status);
          expect(r.stderr, example).to.not.match(/^nbparity: (?!warning:)/m);
          ran++;
        }
        expect(ran, `${name}: examples that ran`).to.be.at.least(1);
      });
    }
  });
});
