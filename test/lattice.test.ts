import {expect} from 'chai';
import {parseHklBytes} from '../src/engine/hkl.js';
import {LatticeKernel, NATIVE_LANES_AVAILABLE, REC, sincg, sincgWith} from '../src/engine/lattice.js';

// The wasm sincg must give exactly what sin(N x)/sin(x) gives with Math.sin, for every argument:
// the byte-identical frames depend on it. Failures are reported with the argument, as hex.
const reference = (x: number, N: number): number => (x === 0 ? N : Math.sin(x * N) / Math.sin(x));

let sincgUnderTest = sincg;

function mismatches(args: Iterable<[number, number]>): string[] {
  const bad: string[] = [];
  const hex = (v: number) => Buffer.from(new Float64Array([v]).buffer).toString('hex');
  for (const [x, N] of args) {
    const got = sincgUnderTest(x, N);
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

// Every sine path: WebAssembly's two lanes, and the native 4 and 8 where built and the processor has them.
const paths: Array<[string, number]> = [['WebAssembly, two sines at once', 0], ...NATIVE_LANES_AVAILABLE.map((n): [string, number] => [`native, ${n} sines at once`, n])];
for (const [name, lanes] of paths) {
  describe(`sincg (${name})`, () => {
    before(() => (sincgUnderTest = sincgWith(lanes)));
    after(() => (sincgUnderTest = sincg));

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

    it('equals it for |x| < 3pi/4 (no reduction, or n = 1), at every boundary fdlibm tests', () => {
      // fdlibm branches on the high word: |x| <= pi/4 (0x3fe921fb), below 3pi/4 (0x4002d97c), the
      // second round next to pi/2 (0x3ff921fb), and returns x itself below 2^-27 (0x3e400000)
      const fromBits = (hi: number, lo: number) => new Float64Array(new Uint32Array([lo, hi]).buffer)[0];
      function* edges(): Generator<[number, number]> {
        for (const hi of [0x3fe921fb, 0x3fe921fc, 0x4002d97b, 0x4002d97c, 0x3ff921fa, 0x3ff921fb, 0x3ff921fc, 0x3e3fffff, 0x3e400000]) {
          for (let lo = 0; lo < 2 ** 32; lo += 0x10001 * 7) {
            const x = fromBits(hi, lo >>> 0);
            yield [x, 1];
            yield [-x, 1];
          }
          yield [fromBits(hi, 0), 1];
          yield [fromBits(hi, 0xffffffff), 1];
        }
      }
      expect(mismatches(edges())).to.deep.equal([]);
      // and 4 million arguments spread over (0, 3pi/4), both signs, as x and as N x
      function* small(count: number, seed: number): Generator<[number, number]> {
        for (const [x, N] of randomArgs(count, seed)) yield [(((x * 1e5) % 2.36) / N) * (1 + (N % 3)), N];
      }
      expect(mismatches(small(4_000_000, 20261202))).to.deep.equal([]);
    });

    it('handles zero, signed zeros, tiny, huge and non-finite arguments like C', () => {
      const special: Array<[number, number]> = [
        [0, 36], [-0, 36], [1e-300, 36], [-1e-300, 7], [5e-324, 3], [2 ** -27, 10], [Math.PI, 36], [-Math.PI / 2, 3],
        [1e6, 36], [-3e7, 47], [1e300, 2], [Infinity, 36], [-Infinity, 36], [NaN, 36], [1, Infinity], [0.5, NaN],
      ];
      expect(mismatches(special)).to.deep.equal([]);
      expect(sincgUnderTest(0, 36)).to.equal(36);
    });
  });
}

describe('lattice kernel (one call: every step of a scattering vector)', () => {
  // three steps; the third repeats the first bit for bit, as the zero-angle phi step does under
  // C-PARITY-001
  const a = [5e-9, 1e-10, 0, -2e-10, 6e-9, 3e-10, 0, 1e-10, 7e-9];
  const b = a.map((x, i) => (i % 4 === 0 ? x * 1.001 : x));
  const table = Float64Array.from([...a, ...b, ...a]);
  const grid = parseHklBytes(Buffer.from('0 0 0 10\n1 2 3 20.5\n-1 0 2 30\n', 'latin1'), 'k.hkl', 0);
  const kernel = new LatticeKernel({tables: [table], Na: 36, Nb: 47, Nc: 29, square: true, grid, defaultF: 0});
  // near the (1, 2, 3) reflection for the first and third steps
  const S: [number, number, number] = [1.976e8, 3.205e8, 4.211e8];
  kernel.run(0, ...S);
  const record = (step: number) => Array.from(kernel.records.subarray(step * REC.size, (step + 1) * REC.size));

  it('computes each step as the pixel loop defines it: h = a.S, F_latt = product of sincg(pi h, N), nearest F', () => {
    for (let step = 0; step < 3; step++) {
      const c = table.subarray(9 * step, 9 * step + 9);
      const [h, k, l] = [0, 3, 6].map((o) => c[o] * S[0] + c[o + 1] * S[1] + c[o + 2] * S[2]);
      const [h0, k0, l0] = [h, k, l].map((x) => Math.ceil(x - 0.5));
      const [Fa, Fb, Fc] = [sincg(Math.PI * h, 36), sincg(Math.PI * k, 47), sincg(Math.PI * l, 29)];
      const F = h0 === 1 && k0 === 2 && l0 === 3 ? 20.5 : h0 === -1 && k0 === 0 && l0 === 2 ? 30 : h0 === 0 && k0 === 0 && l0 === 0 ? 10 : 0;
      expect(record(step)).to.deep.equal([h, k, l, h0, k0, l0, Fa, Fb, Fc, Fa * Fb * Fc, F]);
    }
    expect(record(0)[REC.Fcell]).to.equal(20.5);
  });

  it('a step whose cells repeat an earlier step bit for bit gets the same record', () => {
    expect(record(2)).to.deep.equal(record(0));
    expect(record(1)).to.not.deep.equal(record(0));
  });

  for (const [name, lanes] of paths) it(`a table of 5000 random steps, the sines in batches (${name}): every F_latt factor is Math.sin's ratio`, () => {
    let seed = 20261202;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32 - 0.5;
    };
    // cell vectors from 1e-10 to 1e-7 m in every direction: h = a.S from ~1e-2 to ~1e2 and past
    // the half-integers where the reduction cancels
    const steps = 5000;
    const cells = Float64Array.from({length: 9 * steps}, () => next() * 10 ** (-10 + 3 * (next() + 0.5)));
    const big = new LatticeKernel({tables: [cells], Na: 36, Nb: 47, Nc: 5, square: true, grid: undefined, defaultF: 0, sineLanes: lanes});
    const ref = (x: number, N: number) => (x === 0 ? N : Math.sin(x * N) / Math.sin(x));
    const bad: string[] = [];
    for (const S of [[1.976e8, 3.205e8, 4.211e8], [-7.1e9, 2.2e9, 9.9e8], [3e6, -1e7, 2e5]]) {
      big.run(0, S[0], S[1], S[2]);
      for (let step = 0; step < steps; step++) {
        const r = big.records.subarray(step * REC.size, (step + 1) * REC.size);
        const want = [ref(Math.PI * r[REC.h], 36), ref(Math.PI * r[REC.k], 47), ref(Math.PI * r[REC.l], 5)];
        const got = [r[REC.Fa], r[REC.Fb], r[REC.Fc]];
        if (!want.every((w, i) => Object.is(w, got[i])) && bad.length < 3) bad.push(`step ${step}: ${got} vs ${want}`);
      }
    }
    expect(bad).to.deep.equal([]);
  });
});
