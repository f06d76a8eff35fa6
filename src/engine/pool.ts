/**
 * Render workers, started as soon as their number is known (simulate: once the arguments are
 * parsed): a worker's start-up (Node's worker bootstrap and module loading, ~0.13 s) then
 * overlaps the main thread's reading of the inputs instead of following it. They wait for
 * `renderFrame` (render.ts) to hand them the frame.
 */
import type {Worker} from 'node:worker_threads';
import {nodeWorkerThreads} from '../util/lazy-builtins.js';

export class WorkerPool {
  readonly workers: Worker[] = [];
  /** an error a worker raised before the frame was handed over */
  failure?: Error;

  constructor(count = 0) {
    this.grow(count);
  }

  grow(count: number): void {
    while (this.workers.length < count) {
      // loaded with the first worker: a run that renders on this thread alone never pays for it
      const w = new (nodeWorkerThreads().Worker)(new URL('./render-worker.js', import.meta.url));
      // a worker that fails while idle must not crash the process: keep the error for renderFrame
      w.on('error', (e) => (this.failure ??= e));
      this.workers.push(w);
    }
  }

  /** Stop every worker (those that finished a frame have exited already). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
