import {expect} from 'chai';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gridIndex, parseHklBytes, readHklText, type HklGrid} from '../src/engine/hkl.js';

/** Each reflection's value read back from the grid, against the text's own numbers. */
function expectReflections(grid: HklGrid, rows: Array<[number, number, number, number]>): void {
  const got = rows.map(([h, k, l]) => grid.F[gridIndex(grid, h - grid.hMin, k - grid.kMin, l - grid.lMin)]);
  expect(got).to.deep.equal(rows.map((r) => r[3]));
}

describe('HKL text read in pieces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nbparity-hkl-pieces-'));
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('lines that straddle the 64 KiB pieces, and a line longer than two pieces, read as whole lines', () => {
    const rows: Array<[number, number, number, number]> = [];
    const lines: string[] = [];
    for (let i = 0; i < 9000; i++) {
      const r: [number, number, number, number] = [(i % 41) - 20, ((i * 7) % 37) - 18, ((i * 13) % 29) - 14, i / 8 + 0.125];
      rows.push(r);
      // uneven widths, so that piece boundaries fall everywhere in a line
      lines.push(`${' '.repeat(i % 5)}${r[0]} ${r[1]}\t${r[2]}  ${r[3]}${i % 3 ? '\r' : ''}`);
    }
    // one line of ~300 KB: blanks between its fields
    lines.splice(4000, 0, `5 5 5${' '.repeat(300_000)}77.5`);
    rows.splice(4000, 0, [5, 5, 5, 77.5]);
    // later lines for the same (h, k, l) win, as in C
    const last = new Map(rows.map((r) => [r.slice(0, 3).join(' '), r]));
    const text = lines.join('\n');
    const path = join(dir, 'pieces.hkl');
    writeFileSync(path, text);
    const streamed = readHklText(path, 0);
    expectReflections(streamed, [...last.values()]);
    expect(streamed.count).to.equal(rows.length);
    const whole = parseHklBytes(Buffer.from(text, 'latin1'), 'pieces.hkl', 0);
    expect(Buffer.from(whole.F.buffer).equals(Buffer.from(streamed.F.buffer))).to.equal(true);
  });

  it('a bad line after the long one is named by its number and text', () => {
    const text = ['1 2 3 4', `1 1 1${' '.repeat(200_000)}2`, '0 0 0 1', '7 8 oops', '0 0 1 1'].join('\n');
    expect(() => parseHklBytes(Buffer.from(text, 'latin1'), 'bad.hkl', 0)).to.throw("-hkl bad.hkl:4: expected 'h k l F', got '7 8 oops'");
  });
});
