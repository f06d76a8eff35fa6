/** The linear-time percentile equals the sorted one on detector-like data (zeros, ties, NaN, -0). */
import {expect} from 'chai';
import {lastInSortOrder, percentileOf, percentileOfValues} from '../src/images/metrics.js';
import {prng as rng} from './helpers/prng.js';

describe('percentileOfValues', () => {
  it('equals percentileOf of the sorted values, and lastInSortOrder the sorted last', () => {
    const r = rng(14);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(r() * (trial < 250 ? 60 : 5000));
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const u = r();
        v[i] = u < 0.4 ? 0 : u < 0.45 ? -0 : u < 0.5 ? NaN : u < 0.6 ? 7 : u < 0.65 ? Infinity : (r() - 0.3) * 1e3;
      }
      const sorted = Float64Array.from(v).sort();
      expect(lastInSortOrder(Float64Array.from(v)), `trial ${trial}`).to.deep.equal(sorted[n - 1]);
      for (const p of [0, 1, 37.5, 50, 99.5, 99.9, 100]) {
        const want = percentileOf(sorted, p);
        const got = percentileOfValues(Float64Array.from(v), p);
        if (Number.isNaN(want)) expect(got, `trial ${trial} p ${p}`).to.be.NaN;
        else expect(got, `trial ${trial} p ${p}`).to.equal(want);
      }
    }
  });
});
