/**
 * A render worker: rebuilds the simulation from the same arguments (taking the structure factors
 * the main thread already read), then renders chunks on request.
 */
import {parentPort, workerData} from 'node:worker_threads';
import {PixelEngine} from './pixel.js';
import {renderChunk, type ChunkJob, type FrameRequest} from './render.js';
import {setupSimulation, type Simulation} from './setup.js';

const {req, shared, structureFactors} = workerData as {req: FrameRequest; shared: SharedArrayBuffer; structureFactors: Pick<Simulation, 'hkl' | 'hklSource'>};
const port = parentPort!;
try {
  const sim = setupSimulation(req.argv, {phiMode: req.phiMode, cwd: req.cwd, nowSeconds: req.nowSeconds, structureFactors});
  const engine = new PixelEngine(sim);
  const image = new Float32Array(shared);
  port.on('message', (job: ChunkJob | null) => {
    if (job === null) {
      port.close();
      return;
    }
    try {
      port.postMessage({result: renderChunk(engine, image, job)});
    } catch (e) {
      port.postMessage({error: (e as Error).message});
    }
  });
  port.postMessage({ready: true});
} catch (e) {
  port.postMessage({error: (e as Error).message});
}
