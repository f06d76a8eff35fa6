/**
 * index.html pages drawn on a thread of their own. A campaign draws hundreds of pages (vega
 * plots, pictures as data: URIs: ~0.2-0.6 s of CPU each) while its main thread also renders
 * frames and runs traces; on that thread alone the pages were a third of the campaign's wall
 * time. The page is the same function of the same files (page-thread.ts calls renderIndexFor),
 * so where it is drawn changes no byte of it.
 */
import {Worker} from 'node:worker_threads';
import type {BundleView} from '../report/bundle.js';

type Pending = {resolve: (html: string) => void; reject: (e: Error) => void};

export class PageDrawer {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** A bundle writer's renderIndex: the page of the folder just finished. */
  readonly render = (bundle: BundleView): Promise<string> => this.draw(bundle.dir);

  draw(dir: string): Promise<string> {
    const w = this.start();
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, {resolve, reject});
      w.postMessage({id, dir});
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./page-thread.js', import.meta.url));
    w.on('message', (m: {id: number; html?: string; error?: string}) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(`drawing index.html: ${m.error}`));
      else p.resolve(m.html!);
    });
    const failAll = (e: Error) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      this.worker = undefined;
    };
    w.on('error', (e) => failAll(e));
    w.on('exit', (code) => failAll(new Error(`the page-drawing thread exited (code ${code})`)));
    this.worker = w;
    return w;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
