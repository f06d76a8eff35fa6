import {cpSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runSimulate} from '../../src/cli/simulate.js';
import {caseFile, TRACES} from './paths.js';

export interface CaseMeta {
  name: string;
  args: string[];
  output_args: string[];
  pre_args?: string[];
  traced_pixels_slow_fast?: Array<[number, number]>;
  traces?: string[];
  fpixels?: number;
  spixels?: number;
  exit_code: number;
}

export function meta(name: string): CaseMeta {
  return JSON.parse(readFileSync(caseFile(name, 'meta.json'), 'utf8')) as CaseMeta;
}

/** A fresh folder holding the reference inputs, as C's working folder held them. */
export function inputsFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nbparity-'));
  cpSync(join(TRACES, 'inputs'), dir, {recursive: true});
  return dir;
}

export function removeFolder(dir: string): void {
  rmSync(dir, {recursive: true, force: true});
}

/** Run a case's pre_args (fdump_reuse leaves Fdump.bin behind) in `dir`. */
export async function runPreArgs(m: CaseMeta, dir: string): Promise<void> {
  if (m.pre_args) await runSimulate({argv: m.pre_args, phiMode: 'c-parity', workers: 1, cwd: dir, print: () => undefined});
}
