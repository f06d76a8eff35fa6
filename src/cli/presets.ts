/** `--config <case>`: a reference case doubles as a preset (its arguments, inputs from traces/inputs). */
import {existsSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {UserError} from '../engine/errors.js';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('nbparity package root not found');
    dir = up;
  }
  return dir;
}

export interface Preset {
  name: string;
  args: string[];
  /** folder the preset's input files are read from */
  cwd: string;
}

export function loadPreset(name: string): Preset {
  const root = repoRoot();
  const metaPath = join(root, 'traces', name, 'meta.json');
  if (!/^[A-Za-z0-9_-]+$/.test(name) || !existsSync(metaPath)) throw new UserError(`--config: no preset named '${name}' (see traces/*/meta.json)`);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as {args: string[]; pre_args?: string[]};
  if (meta.pre_args) throw new UserError(`--config ${name}: this case needs an earlier run (pre_args); run it with explicit arguments in a working folder`);
  return {name, args: meta.args, cwd: join(root, 'traces', 'inputs')};
}
