import {expect} from 'chai';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {readHklText} from '../src/engine/hkl.js';

describe('HKL grids read once per process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nbparity-hkl-'));
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('the same file gives the same grid without parsing it again; a rewritten file is read again', () => {
    const path = join(dir, 'a.hkl');
    writeFileSync(path, '0 0 0 10\n1 2 3 20.5\n');
    const first = readHklText(path, 0);
    expect(readHklText(path, 0)).to.equal(first);
    // another default F is another grid
    expect(readHklText(path, 3)).to.not.equal(first);
    writeFileSync(path, '0 0 0 10\n1 2 3 99.5\n-1 0 0 1\n');
    const second = readHklText(path, 0);
    expect(second).to.not.equal(first);
    expect(second.count).to.equal(3);
    expect(Array.from(second.F)).to.include(99.5);
  });

  it('a file that went away is an error, not a stale grid', () => {
    const path = join(dir, 'b.hkl');
    writeFileSync(path, '0 0 0 10\n');
    readHklText(path, 0);
    rmSync(path);
    expect(() => readHklText(path, 0)).to.throw(/cannot read/);
  });
});
