/**
 * A render worker. It may start before the frame is set up (see WorkerPool); its first message
 * is the frame: it rebuilds the simulation from the same arguments (taking the structure factors
 * the main thread already read), says it is ready, then renders chunks on request until null.
 */
import {parentPort} from 'node:worker_threads';
import {PixelEngine} from './pixel.js';
import {renderChunk, type ChunkJob, type FrameRequest} from './render.js';
import {setupSimulation, type Simulation} from './setup.js';

interface FrameMessage {
  req: FrameRequest;
  shared: SharedArrayBuffer;
  structureFactors: Pick<Simulation, 'hkl' | 'hklSource'>;
}

const port = parentPort!;
let engine: PixelEngine | undefined;
let image: Float32Array | undefined;
port.on('message', (m: FrameMessage | ChunkJob | null) => {
  if (m === null) {
    port.close();
    return;
  }
  try {
    if ('req' in m) {
      const {req, shared, structureFactors} = m;
      const sim = setupSimulation(req.argv, {phiMode: req.phiMode, cwd: req.cwd, nowSeconds: req.nowSeconds, structureFactors});
      engine = new PixelEngine(sim);
      image = new Float32Array(shared);
      port.postMessage({ready: true});
    } else port.postMessage({result: renderChunk(engine!, image!, m)});
  } catch (e) {
    port.postMessage({error: (e as Error).message});
  }
});
