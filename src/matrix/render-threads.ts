/**
 * Threads for a campaign's one-thread renders. The engine renders on the calling thread (and on
 * workers for big frames), so in one process every small frame ran on the main thread, one at a
 * time, with traces, pictures and bookkeeping waiting behind it: with --jobs 2 barely more than
 * one core was busy. Here each small frame renders on a thread of its own (as many threads as
 * the campaign has slots; a render still holds its slot), leaving the main thread to the rest.
 */
import {Worker} from 'node:worker_threads';
import type {OurRunOptions, OurRunResult} from '../images/runner.js';

export type ThreadRunResult = Omit<OurRunResult, 'cause'> & {causeExitCode?: number};

type Pending = {resolve: (r: ThreadRunResult) => void; reject: (e: Error) => void};

export class RenderThreads {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** Run the engine on a thread; at most as many threads as were ever asked for at once. */
  async run(argv: string[], cwd: string, options: OurRunOptions): Promise<ThreadRunResult> {
    const w = this.idle.pop() ?? this.start();
    const id = this.nextId++;
    try {
      return await new Promise<ThreadRunResult>((resolve, reject) => {
        this.pending.set(id, {resolve, reject});
        w.postMessage({id, argv, cwd, options: {phiMode: options.phiMode, workers: options.workers, cThreads: options.cThreads, maxMemoryBytes: options.maxMemoryBytes}});
      });
    } finally {
      if (this.all.has(w)) this.idle.push(w);
    }
  }

  private start(): Worker {
    const w = new Worker(new URL('./render-thread.js', import.meta.url));
    this.all.add(w);
    w.on('message', (m: {id: number; result: ThreadRunResult}) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m.result);
    });
    const fail = (e: Error) => {
      this.all.delete(w);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`a render thread exited (code ${code})`)));
    return w;
  }

  async close(): Promise<void> {
    const ws = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
