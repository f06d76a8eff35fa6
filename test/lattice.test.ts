import {expect} from 'chai';
import {sincg} from '../src/engine/lattice.js';

// The wasm sincg must give exactly what sin(N x)/sin(x) gives with Math.sin, for every argument:
// the byte-identical frames depend on it. Failures are reported with the argument, as hex.
const reference = (x: number, N: number): number => (x === 0 ? N : Math.sin(x * N) / Math.sin(x));

function mismatches(args: Iterable<[number, number]>): string[] {
  const bad: string[] = [];
  const hex = (v: number) => Buffer.from(new Float64Array([v]).buffer).toString('hex');
  for (const [x, N] of args) {
    const got = sincg(x, N);
    if (!Object.is(got, reference(x, N)) && bad.length < 5) bad.push(`x=${x} (${hex(x)}) N=${N}: ${got} vs ${reference(x, N)}`);
  }
  return bad;
}

/** xorshift: a fixed, seeded stream, so a failure reproduces. */
function* randomArgs(count: number, seed: number): Generator<[number, number]> {
  let s = seed >>> 0;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const Ns = [2, 5, 29, 36, 47, 100, 1000, 12345];
  for (let i = 0; i < count; i++) {
    // arguments over eleven decades: pi*h for tiny h up to beyond the fast range (2^19 pi/2)
    const x = (next() - 0.5) * 2 * 10 ** (next() * 11 - 5);
    yield [x, Ns[Math.floor(next() * Ns.length)]];
  }
}

describe('sincg (wasm, two sines at once)', () => {
  it('equals Math.sin(N x)/Math.sin(x) bit for bit on 2 million random arguments', () => {
    expect(mismatches(randomArgs(2_000_000, 20261128))).to.deep.equal([]);
  });

  it('equals it next to multiples of pi/2, where the reduction cancels most bits', () => {
    function* near(): Generator<[number, number]> {
      for (let k = -40000; k <= 40000; k += 1) {
        const x = (k * Math.PI) / 2;
        for (let ulps = -3; ulps <= 3; ulps++) yield [x + ulps * Number.EPSILON * Math.abs(x), 1];
        // x*N lands on the multiple too: N x close to k pi/2
        yield [x / 36, 36];
      }
    }
    expect(mismatches(near())).to.deep.equal([]);
  });

  it('handles zero, signed zeros, tiny, huge and non-finite arguments like C', () => {
    const special: Array<[number, number]> = [
      [0, 36], [-0, 36], [1e-300, 36], [-1e-300, 7], [5e-324, 3], [2 ** -27, 10], [Math.PI, 36], [-Math.PI / 2, 3],
      [1e6, 36], [-3e7, 47], [1e300, 2], [Infinity, 36], [-Infinity, 36], [NaN, 36], [1, Infinity], [0.5, NaN],
    ];
    expect(mismatches(special)).to.deep.equal([]);
    expect(sincg(0, 36)).to.equal(36);
  });
});
