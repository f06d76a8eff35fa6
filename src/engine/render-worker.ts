/**
 * A render worker. It may start before the frame is set up (see pool.ts); its one message is
 * the frame: it rebuilds the simulation from the same arguments (taking the structure factors
 * the main thread already read), then renders chunks, taking each from the counter it shares
 * with the other renderers, until none is left.
 */
import {parentPort} from 'node:worker_threads';
import {PixelEngine} from './pixel.js';
import {renderChunk, type ChunkJob, type FrameRequest} from './render.js';
import {setupSimulation, type Simulation} from './setup.js';

interface FrameMessage {
  req: FrameRequest;
  shared: SharedArrayBuffer;
  structureFactors: Pick<Simulation, 'hkl' | 'hklSource'>;
  /** an Int32Array's buffer: the index of the next chunk to take */
  next: SharedArrayBuffer;
  jobs: ChunkJob[];
}

const port = parentPort!;
port.once('message', ({req, shared, structureFactors, next, jobs}: FrameMessage) => {
  try {
    const sim = setupSimulation(req.argv, {phiMode: req.phiMode, cwd: req.cwd, nowSeconds: req.nowSeconds, structureFactors});
    const engine = new PixelEngine(sim);
    const image = new Float32Array(shared);
    const counter = new Int32Array(next);
    for (let i; (i = Atomics.add(counter, 0, 1)) < jobs.length; ) port.postMessage({result: renderChunk(engine, image, jobs[i])});
    port.postMessage({done: true});
  } catch (e) {
    port.postMessage({error: (e as Error).message});
  }
  port.close();
});
