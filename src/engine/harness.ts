/**
 * One pixel's trace without rendering the frame. The pixel runs through PixelEngine.render,
 * the renderer's own code, with a TraceEmitter attached; the run state it starts from (phi
 * carry-over, interpolation switched off) is what the earlier pixels of a single-threaded C
 * run would have left.
 */
import {EXIT} from '../util/exit-codes.js';
import {UserError} from './errors.js';
import {PixelEngine, type RunState} from './pixel.js';
import {setupSimulation, type PhiMode, type Simulation} from './setup.js';
import {TraceEmitter} from './tracer.js';

export interface HarnessOptions {
  argv: string[];
  spixel: number;
  fpixel: number;
  phiMode: PhiMode;
  cwd?: string;
  prefix?: string;
}

export interface HarnessResult {
  trace: string;
  sim: Simulation;
  /** the pixel value C would store, as a float32 */
  pixelValue: number;
}

/** The state a single-threaded raster run carries into pixel (spixel, fpixel). */
export function stateBefore(engine: PixelEngine, spixel: number, fpixel: number): RunState {
  const sim = engine.sim;
  const st = engine.freshState();
  const {fpixels} = sim.detector;
  const target = spixel * fpixels + fpixel;
  if (sim.interpolate) {
    // interpolation may switch off in any earlier pixel: replay them in order until it does
    for (let idx = 0; idx < target && st.interpolate; idx++) {
      const s = Math.floor(idx / fpixels);
      const f = idx % fpixels;
      if (engine.isRendered(s, f)) engine.render(s, f, st);
    }
    if (!st.interpolate) st.phiLoopHasRun = st.phiLoopHasRun || engine.firstPhiLoopPixel(target) >= 0;
    return st;
  }
  st.phiLoopHasRun = engine.firstPhiLoopPixel(target) >= 0;
  return st;
}


export function tracePixel(opts: HarnessOptions): HarnessResult {
  const emitter = new TraceEmitter(opts.prefix);
  const sim = setupSimulation(opts.argv, {phiMode: opts.phiMode, cwd: opts.cwd, hook: emitter});
  const {spixels, fpixels} = sim.detector;
  const {spixel, fpixel} = opts;
  if (!(spixel >= 0 && spixel < spixels && fpixel >= 0 && fpixel < fpixels)) {
    throw new UserError(`pixel (slow ${spixel}, fast ${fpixel}) is outside the ${spixels}x${fpixels} (slow x fast) detector`, EXIT.IDENTITY);
  }
  const engine = new PixelEngine(sim);
  if (!engine.isRendered(spixel, fpixel)) {
    throw new UserError(`pixel (slow ${spixel}, fast ${fpixel}) is not rendered (outside the ROI or zero in the mask): no per-pixel trace`, EXIT.NOT_RENDERED);
  }
  const st = stateBefore(engine, spixel, fpixel);
  const result = engine.render(spixel, fpixel, st, emitter);
  return {trace: emitter.text(), sim, pixelValue: Math.fround(result.value)};
}
