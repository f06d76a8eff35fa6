import {expect} from 'chai';
import {join} from 'node:path';
import {PixelEngine} from '../src/engine/pixel.js';
import {renderChunk} from '../src/engine/render.js';
import {setupSimulation} from '../src/engine/setup.js';
import {TRACES} from './helpers/paths.js';
import {meta} from './helpers/workdir.js';

// The renderer hands the WebAssembly pixel loop runs of pixels (ROI, mask, chunk limits cut
// them); the tracer calls it one pixel at a time. Both must give every pixel the same bits.
describe('runs of pixels (renderRows) equal pixel-by-pixel rendering', () => {
  for (const name of ['simple_cubic', 'interpolate_auto', 'roi_dmin', 'curved_point_pixel']) {
    it(`${name}, with a mask and chunk limits`, () => {
      const sim = setupSimulation(meta(name).args, {phiMode: 'c-parity', cwd: join(TRACES, 'inputs'), nowSeconds: 0});
      const {fpixels, spixels} = sim.detector;
      let seed = 5;
      const coin = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 < 0.25 ? 0 : 1);
      sim.settings.mask = Uint16Array.from({length: fpixels * spixels}, coin);
      const [first, last] = [Math.floor(fpixels * spixels * 0.1), Math.floor(fpixels * spixels * 0.8)];

      const engine = new PixelEngine(sim);
      const runs = new Float32Array(fpixels * spixels);
      const chunk = renderChunk(engine, runs, {rowStart: 0, rowEnd: spixels, phiLoopHasRun: false, interpolate: sim.interpolate}, first, last);

      const one = new PixelEngine(sim);
      const single = new Float32Array(fpixels * spixels);
      const st = one.freshState();
      let omegaSum = 0;
      let exitPixel = -1;
      for (let idx = first; idx < last; idx++) {
        const [s, f] = [Math.floor(idx / fpixels), idx % fpixels];
        if (!one.isRendered(s, f)) continue;
        const wasOn = st.interpolate;
        const r = one.render(s, f, st);
        single[idx] = r.value;
        omegaSum += r.omegaSum;
        if (wasOn && !st.interpolate) exitPixel = idx;
      }
      expect(Buffer.compare(Buffer.from(runs.buffer), Buffer.from(single.buffer))).to.equal(0);
      expect(runs.some((v) => v !== 0), 'something rendered').to.equal(true);
      expect(chunk.omegaSum).to.equal(omegaSum);
      expect(chunk.exitPixel).to.equal(exitPixel);
    });
  }
});
