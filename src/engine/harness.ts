/**
 * One pixel's trace without rendering the frame. The pixel runs through PixelEngine.render,
 * the renderer's own code, with a TraceEmitter attached; the run state it starts from (phi
 * carry-over, interpolation switched off) is what the earlier pixels of the C run would have
 * left: of the whole raster with one thread, of the pixel's thread block with several
 * (phi carry-over; interpolation keeps the one-thread order, see threads.ts).
 */
import {EXIT} from '../util/exit-codes.js';
import {UserError} from './errors.js';
import {PixelEngine, type RunState} from './pixel.js';
import {defaultMaxMemoryBytes} from './footprint.js';
import {parseWithHeaders, preflight, setupFromSettings, type PhiMode, type Simulation} from './setup.js';
import {blockStartRow} from './threads.js';
import {TraceEmitter} from './tracer.js';

export interface HarnessOptions {
  argv: string[];
  spixel: number;
  fpixel: number;
  phiMode: PhiMode;
  cwd?: string;
  prefix?: string;
  /** trace the pixel as the C program run with OMP_NUM_THREADS=cThreads does (default 1) */
  cThreads?: number;
  /** refuse (exit 10) a run estimated over this many bytes (default: half the machine memory) */
  maxMemoryBytes?: number;
}

export interface HarnessResult {
  trace: string;
  sim: Simulation;
  /** the pixel value C would store, as a float32 */
  pixelValue: number;
}

/** The state the C run with `cThreads` threads carries into pixel (spixel, fpixel). */
export function stateBefore(engine: PixelEngine, spixel: number, fpixel: number, cThreads = 1): RunState {
  const sim = engine.sim;
  const st = engine.freshState();
  const {fpixels, spixels} = sim.detector;
  const target = spixel * fpixels + fpixel;
  // the pixel's C thread started its block from the run's initial carry-over state
  const blockStart = blockStartRow(spixels, cThreads, spixel) * fpixels;
  if (sim.interpolate) {
    // interpolation may switch off in any earlier pixel: replay them in order until it does,
    // each with the phi carry-over of its own thread block, as the renderer has them
    for (let idx = 0; idx < target && st.interpolate; idx++) {
      const s = Math.floor(idx / fpixels);
      const f = idx % fpixels;
      if (f === 0 && blockStartRow(spixels, cThreads, s) === s) st.phiLoopHasRun = false;
      if (engine.isRendered(s, f)) engine.render(s, f, st);
    }
    st.phiLoopHasRun = engine.firstPhiLoopPixel(target, blockStart) >= 0;
    return st;
  }
  st.phiLoopHasRun = engine.firstPhiLoopPixel(target, blockStart) >= 0;
  return st;
}


export function tracePixel(opts: HarnessOptions): HarnessResult {
  const emitter = new TraceEmitter(opts.prefix);
  const cwd = opts.cwd ?? process.cwd();
  const settings = parseWithHeaders(opts.argv, cwd);
  preflight(settings, {workers: 1, frame: false, maxMemoryBytes: opts.maxMemoryBytes ?? defaultMaxMemoryBytes()});
  const sim = setupFromSettings(settings, {phiMode: opts.phiMode, cwd, hook: emitter});
  const {spixels, fpixels} = sim.detector;
  const {spixel, fpixel} = opts;
  if (!(spixel >= 0 && spixel < spixels && fpixel >= 0 && fpixel < fpixels)) {
    throw new UserError(`pixel (slow ${spixel}, fast ${fpixel}) is outside the ${spixels}x${fpixels} (slow x fast) detector`, EXIT.IDENTITY);
  }
  const engine = new PixelEngine(sim);
  if (!engine.isRendered(spixel, fpixel)) {
    throw new UserError(`pixel (slow ${spixel}, fast ${fpixel}) is not rendered (outside the ROI or zero in the mask): no per-pixel trace`, EXIT.NOT_RENDERED);
  }
  const st = stateBefore(engine, spixel, fpixel, opts.cThreads);
  const result = engine.render(spixel, fpixel, st, emitter);
  return {trace: emitter.text(), sim, pixelValue: Math.fround(result.value)};
}
