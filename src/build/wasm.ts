/**
 * Build step: assemble every WebAssembly text file of src/engine into dist/src/engine, where
 * the compiled modules load them (`npm run build` runs this after tsc).
 */
import {mkdirSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import wabtInit from 'wabt';
import {writeFileAtomic} from '../io/atomic.js';
import {projectRoot} from '../trace/project.js';

const root = projectRoot();
const from = join(root, 'src', 'engine');
const to = join(root, 'dist', 'src', 'engine');
const wabt = await wabtInit();
mkdirSync(to, {recursive: true});
for (const name of readdirSync(from).filter((f) => f.endsWith('.wat'))) {
  const module = wabt.parseWat(name, readFileSync(join(from, name), 'utf8'), {simd: true, bulk_memory: true});
  module.validate();
  const {buffer} = module.toBinary({});
  module.destroy();
  await writeFileAtomic(join(to, name.replace(/\.wat$/, '.wasm')), Buffer.from(buffer));
}
