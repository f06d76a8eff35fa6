import {expect} from 'chai';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';

import {cprintf, formatE, formatF, formatG} from '../src/util/cformat.js';
import {FIXTURES, TRACES, readMaybeGz, traceCases} from './helpers/paths.js';

function fromBits(hex: string): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, BigInt('0x' + hex));
  return dv.getFloat64(0);
}

describe('cformat', () => {
  describe('hand-checked glibc results', () => {
    const cases: Array<[number, number, string]> = [
      [0, 6, '0'],
      [-0, 6, '-0'],
      [Infinity, 6, 'inf'],
      [-Infinity, 15, '-inf'],
      [NaN, 6, 'nan'],
      [100, 6, '100'],
      [1e6, 6, '1e+06'],
      [123456, 6, '123456'],
      [1234567, 6, '1.23457e+06'],
      [0.0001, 6, '0.0001'],
      [0.00001, 6, '1e-05'],
      [1e100, 6, '1e+100'],
      [5e-324, 6, '4.94066e-324'],
      [2.5, 1, '2'], // exact tie: half-even, where JS toPrecision gives "3"
      [3.5, 1, '4'],
      [0.125, 2, '0.12'],
      [0.375, 2, '0.38'],
      [1234567890123455, 15, '1.23456789012346e+15'],
      [1234567890123445, 15, '1.23456789012344e+15'],
      [999999.5, 6, '1e+06'],
      [9.9999996, 6, '10'],
      [0.1, 17, '0.10000000000000001'],
      [6.45, 6, '6.45'],
      [5.52439e10, 6, '5.52439e+10'],
      [1, 0, '1'],
    ];
    for (const [x, p, want] of cases) {
      it(`%.${p}g of ${Object.is(x, -0) ? '-0' : x} is ${want}`, () => {
        expect(formatG(x, p)).to.equal(want);
      });
    }
    it('formats %f and %e with half-even ties and signed zero', () => {
      expect(formatF(0.5, 0)).to.equal('0');
      expect(formatF(1.5, 0)).to.equal('2');
      expect(formatF(2.5, 0)).to.equal('2');
      expect(formatF(-0.0001, 3)).to.equal('-0.000');
      expect(formatF(-6.123e-17, 8)).to.equal('-0.00000000');
      expect(formatF(900197820952576, 0)).to.equal('900197820952576');
      expect(formatF(9.995, 2)).to.equal('9.99'); // 9.995 is stored just below
      expect(formatF(99.96, 1)).to.equal('100.0');
      expect(formatE(0, 6)).to.equal('0.000000e+00');
      expect(formatE(12345.678, 3)).to.equal('1.235e+04');
      expect(formatE(2.5, 0)).to.equal('2e+00');
      expect(formatE(1e-300, 2)).to.equal('1.00e-300');
    });
    it('cprintf handles widths, flags and integers', () => {
      expect(cprintf('X: %11.8f %11.8f', 100, -6.1e-15)).to.equal('X: 100.00000000 -0.00000000');
      expect(cprintf('%-10s|%5d|%-5d|%05d|%lu%%', 'a', 42, 42, -42, 7)).to.equal('a         |   42|42   |-0042|7%');
      expect(cprintf('pixel   %15.10g', 1.5)).to.equal('pixel               1.5');
      expect(cprintf('%.0f photons on noise image (%d overloads)', 1234.5, 3)).to.equal('1234 photons on noise image (3 overloads)');
      expect(() => cprintf('%g %g', 1)).to.throw(/too few arguments/);
    });
    it("reproduces glibc's '#' quirk when rounding pushes %g into exponent style", () => {
      expect(cprintf('%#g', 999999.5)).to.equal('1.e+06');
      expect(cprintf('%#.2g', 99.5)).to.equal('1.e+02');
      expect(cprintf('%#.3g', 999999.5)).to.equal('1.00e+06');
      expect(cprintf('%#g', 9.9999996)).to.equal('10.0000');
    });
  });

  describe('against glibc printf on a fixture of 25k (value, format) pairs', () => {
    // Produced by snprintf of glibc on x86-64 (test/fixtures/README.md).
    const lines = readMaybeGz(join(FIXTURES, 'printf_glibc.txt.gz')).toString('utf8').split('\n').filter((l) => l.length > 0);
    it('has the fixture', () => expect(lines.length).to.be.greaterThan(20000));
    it('matches every line', () => {
      const bad: string[] = [];
      for (const line of lines) {
        const [hex, fmt, want] = line.split('\t');
        const x = fromBits(hex);
        let got = cprintf(fmt, x);
        // JS cannot carry a NaN's sign bit; C prints "-nan" for negative NaNs.
        const expected = Number.isNaN(x) ? want.replace('-nan', 'nan').replace('-NAN', 'NAN') : want;
        if (Number.isNaN(x)) got = got.replace('-nan', 'nan');
        if (got !== expected && bad.length < 10) bad.push(`${hex} ${fmt}: got ${got} want ${want}`);
      }
      expect(bad).to.deep.equal([]);
    });
  });

  describe('round trip of every number printed with %.15g in TRACE_C lines', () => {
    const tokens = new Set<string>();
    for (const name of traceCases()) {
      for (const f of readdirSync(join(TRACES, name)).filter((n) => /^trace_.*\.log$/.test(n))) {
        for (const line of readFileSync(join(TRACES, name, f), 'utf8').split('\n')) {
          // Per-pixel lines are "TRACE_C: key v1 [v2 v3]", printed with %.15g.
          const m = /^TRACE_C: \S+ (.*)$/.exec(line);
          if (!m) continue;
          for (const t of m[1].trim().split(/\s+/)) if (/^-?(\d|inf|nan)/.test(t)) tokens.add(t);
        }
      }
    }
    it('found the tokens', () => expect(tokens.size).to.be.greaterThan(1000));
    it('formats parseFloat(token) back to the token', () => {
      const bad: string[] = [];
      for (const t of tokens) {
        const got = formatG(Number.parseFloat(t), 15);
        if (got !== t && bad.length < 10) bad.push(`${t} -> ${got}`);
      }
      expect(bad).to.deep.equal([]);
    });
  });
});
