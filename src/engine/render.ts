/**
 * Full-frame rendering. Rows are cut into chunks; this thread and workers - 1 worker_threads
 * take them in turn and write into one shared float image. The result does not depend
 * on the worker count, because every chunk starts from the run state the C program, run with
 * `cThreads` OpenMP threads, carries into its first pixel:
 * - phi carry-over: known up front (has an earlier rendered pixel of the same C thread block
 *   run a phi loop? see threads.ts); chunks never straddle two blocks;
 * - interpolation switching off: chunks start optimistic (still on) and record where it
 *   switched off; afterwards the pixels that ran with it on after the run's first switch-off
 *   are rendered again with it off. This is the one-thread order even when cThreads > 1:
 *   C's threads race on interpolation (threads.ts), so no order reproduces them.
 */
import {availableParallelism} from 'node:os';
import {renderedPixels} from './detector.js';
import {PixelEngine, type RunState} from './pixel.js';
import {WorkerPool} from './pool.js';
import type {PhiMode, Simulation} from './setup.js';
import {threadBlocks} from './threads.js';

export interface FrameRequest {
  argv: string[];
  cwd: string;
  phiMode: PhiMode;
  /** C's default seed is -time(); workers must agree on it */
  nowSeconds: number;
}

export interface ChunkJob {
  rowStart: number;
  rowEnd: number;
  phiLoopHasRun: boolean;
  interpolate: boolean;
}

export interface ChunkResult {
  rowStart: number;
  rowEnd: number;
  omegaSum: number;
  /** raster index of the pixel where interpolation switched off in this chunk, -1 if it did not */
  exitPixel: number;
  exit?: RunState['interpolationExit'];
}

export interface FrameResult {
  sim: Simulation;
  image: Float32Array;
  omegaSum: number;
  interpolationExit?: RunState['interpolationExit'];
}

/** Render rows [rowStart, rowEnd) into `image` from the given start state. */
export function renderChunk(engine: PixelEngine, image: Float32Array, job: ChunkJob, firstPixel = -1, lastPixel = Infinity): ChunkResult {
  const st: RunState = {phiLoopHasRun: job.phiLoopHasRun, interpolate: job.interpolate};
  const {omegaSum, exitPixel} = engine.renderRows(image, job.rowStart, job.rowEnd, st, firstPixel, lastPixel);
  return {rowStart: job.rowStart, rowEnd: job.rowEnd, omegaSum, exitPixel, exit: st.interpolationExit};
}

/** Lets this thread's event loop run once every `sliceMs` of rendering. */
/** Milliseconds from a monotonic clock (`performance` is not loaded until first used: ~3 ms). */
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

class EventLoopTurns {
  private since = nowMs();
  constructor(private readonly sliceMs: number) {}

  /** a promise to await when a turn is due, else undefined */
  due(): Promise<void> | undefined {
    if (nowMs() - this.since <= this.sliceMs) return undefined;
    return new Promise<void>(setImmediate).then(() => {
      this.since = nowMs();
    });
  }
}

/**
 * renderChunk on the main thread: row by row, letting the event loop run when a turn is due, so
 * that a signal (SIGINT, SIGTERM), the workers' results and the file writes are handled within
 * ~50 ms of rendering rather than after a whole chunk (seconds on a large frame). The rows carry
 * the run state and the solid-angle sum from one to the next: the result has the bits of one
 * renderChunk call.
 */
async function renderChunkInSlices(engine: PixelEngine, image: Float32Array, job: ChunkJob, turns: EventLoopTurns): Promise<ChunkResult> {
  const st: RunState = {phiLoopHasRun: job.phiLoopHasRun, interpolate: job.interpolate};
  let omegaSum = 0;
  let exitPixel = -1;
  for (let row = job.rowStart; row < job.rowEnd; row++) {
    const rendered = engine.renderRows(image, row, row + 1, st, -1, Infinity, omegaSum);
    omegaSum = rendered.omegaSum;
    if (exitPixel < 0) exitPixel = rendered.exitPixel;
    const turn = turns.due();
    if (turn) await turn;
  }
  return {rowStart: job.rowStart, rowEnd: job.rowEnd, omegaSum, exitPixel, exit: st.interpolationExit};
}

/**
 * Row ranges, shrinking as the frame nears its end ("guided" scheduling): big chunks keep
 * messaging rare, small last ones keep workers from idling while one finishes a big chunk.
 * A chunk ends at every row of `breaks` (where a C thread block starts).
 */
export function planChunks(spixels: number, workers: number, breaks: readonly number[] = []): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let r = 0; r < spixels; ) {
    const rows = Math.max(1, Math.ceil((spixels - r) / (workers * 8)));
    const end = Math.min(spixels, r + rows, breaks.find((b) => b > r) ?? spixels);
    out.push([r, end]);
    r = end;
  }
  return out;
}

/**
 * All cores, but no more workers than the frame keeps busy: starting one costs ~0.15 s (module
 * loading and set-up), the time of ~1.5 million sub-pixel evaluations. `evaluations` is
 * pixels x steps, or a lower bound of it (then so is the result).
 */
export function defaultWorkers(evaluations: number): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(evaluations / 4e6)));
}

/**
 * Rendering threads for `evaluations` (as defaultWorkers) when at most `most` are asked for
 * (`--workers`): no thread gets under 1024 evaluations, so that a frame with next to nothing to
 * render (`-roi 0 0 0 0`) starts no worker, while the smallest stored cases (64x64) still render
 * on three threads.
 */
export function workersFor(evaluations: number, most: number): number {
  return Math.max(1, Math.min(most, Math.floor(evaluations / 1024)));
}

export interface RenderOptions {
  /** threads that render, at most (see workersFor): this one and workers - 1 worker threads */
  workers: number;
  /** worker threads started earlier; grown to `workers - 1` if smaller; closed once the frame is rendered */
  pool?: WorkerPool;
  onProgress?: (rowsDone: number, rows: number) => void;
  /**
   * Rows [rowStart, rowEnd) hold their final values: called in raster order, every row once,
   * while the frame renders when it can (no interpolation, whose switch-off may re-render
   * rows), else at the end. Lets the caller write and summarise rows while workers render.
   */
  onFinalRows?: (rowStart: number, rowEnd: number, image: Float32Array) => void;
  /** reproduce the C program run with OMP_NUM_THREADS=cThreads (default 1); see threads.ts */
  cThreads?: number;
}

export async function renderFrame(req: FrameRequest, sim: Simulation, options: RenderOptions): Promise<FrameResult> {
  const {pool, onProgress, onFinalRows, cThreads = 1} = options;
  const {fpixels, spixels} = sim.detector;
  const workers = workersFor(renderedPixels(sim.detector) * sim.steps, options.workers);
  const shared = new SharedArrayBuffer(4 * fpixels * spixels);
  const image = new Float32Array(shared);
  const engine = new PixelEngine(sim);
  // each C thread block carries the cell from its own first phi loop on
  const blocks = threadBlocks(spixels, cThreads);
  const firstPhi = blocks.map(([start, end]) => engine.firstPhiLoopPixel(end * fpixels, start * fpixels));
  const phiLoopHasRun = (row: number): boolean => {
    const first = firstPhi[blocks.findIndex(([, end]) => row < end)];
    return first >= 0 && first < row * fpixels;
  };
  const breaks = blocks.map(([start]) => start);
  const jobs: ChunkJob[] = planChunks(spixels, workers, breaks).map(([rowStart, rowEnd]) => ({
    rowStart,
    rowEnd,
    phiLoopHasRun: phiLoopHasRun(rowStart),
    interpolate: sim.interpolate,
  }));
  let rowsDone = 0;
  // rows below finalRow are final; chunksDone holds the row ends of chunks finished above it
  let finalRow = 0;
  const chunksDone = new Map<number, number>();
  const progress = (r: ChunkResult) => {
    rowsDone += r.rowEnd - r.rowStart;
    onProgress?.(rowsDone, spixels);
    if (sim.interpolate || !onFinalRows) return;
    chunksDone.set(r.rowStart, r.rowEnd);
    const from = finalRow;
    for (let end; (end = chunksDone.get(finalRow)) !== undefined; finalRow = end) chunksDone.delete(finalRow);
    if (finalRow > from) onFinalRows(from, finalRow, image);
  };

  const results: ChunkResult[] = [];
  /** record a chunk; true once every chunk is in */
  const finished = (r: ChunkResult): boolean => {
    results.push(r);
    progress(r);
    return results.length === jobs.length;
  };
  // chunks are taken from a shared counter, first come first served, by the workers and by this
  // thread too (one worker fewer to start), which renders them in slices (renderChunkInSlices)
  const next = new Int32Array(new SharedArrayBuffer(4));
  const own = pool ?? new WorkerPool();
  try {
    own.grow(Math.min(workers, jobs.length) - 1);
    const helping = runOnWorkers(req, sim, shared, next, jobs, own, finished);
    let failure: unknown;
    helping.catch((e: unknown) => (failure = e));
    let complete = jobs.length === 0;
    const turns = new EventLoopTurns(50);
    for (let i; failure === undefined && (i = Atomics.add(next, 0, 1)) < jobs.length; ) {
      complete = finished(await renderChunkInSlices(engine, image, jobs[i], turns));
    }
    if (!complete) await helping;
  } finally {
    // every chunk is in: a worker still starting up (a small frame) is not waited for
    await own.close();
  }
  results.sort((a, b) => a.rowStart - b.rowStart);

  // the run's first interpolation switch-off, in raster order
  const firstExit = results.find((r) => r.exitPixel >= 0);
  // solid angle does not depend on the run state, so every chunk's sum stands as rendered
  let omegaSum = 0;
  for (const r of results) {
    omegaSum += r.omegaSum;
    const chunkStart = r.rowStart * fpixels;
    if (firstExit && sim.interpolate && chunkStart > firstExit.exitPixel) {
      // this chunk assumed interpolation was still on: redo what it rendered with it on
      const until = r.exitPixel >= 0 ? r.exitPixel : r.rowEnd * fpixels;
      renderChunk(engine, image, {rowStart: r.rowStart, rowEnd: r.rowEnd, phiLoopHasRun: phiLoopHasRun(r.rowStart), interpolate: false}, chunkStart, until);
    }
  }
  if (finalRow < spixels) onFinalRows?.(finalRow, spixels, image);
  return {sim, image, omegaSum, interpolationExit: firstExit?.exit};
}

/** Hand the frame to every worker; resolves when a worker's chunk completes the frame, or all have run out of chunks. */
function runOnWorkers(req: FrameRequest, sim: Simulation, shared: SharedArrayBuffer, next: Int32Array, jobs: ChunkJob[], pool: WorkerPool, finished: (r: ChunkResult) => boolean): Promise<void> {
  // a grid read from text is a view of the tokenizer's memory: the workers get the grid alone
  const {hkl} = sim;
  const alone = hkl && hkl.F.byteLength < hkl.F.buffer.byteLength ? {...hkl, F: hkl.F.slice()} : hkl;
  const structureFactors = {hkl: alone, hklSource: sim.hklSource};
  return new Promise((resolvePromise, reject) => {
    let live = pool.workers.length;
    const fail = (e: unknown) => {
      for (const w of pool.workers) void w.terminate();
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    if (pool.failure) return fail(pool.failure);
    if (live === 0) return resolvePromise();
    for (const w of pool.workers) {
      w.on('message', (m: {result?: ChunkResult; done?: boolean; error?: string}) => {
        if (m.error) return fail(new Error(m.error));
        if (m.result && finished(m.result)) resolvePromise();
        if (m.done && --live === 0) resolvePromise();
      });
      w.on('error', fail);
      w.postMessage({req, shared, structureFactors, next: next.buffer, jobs});
    }
  });
}
