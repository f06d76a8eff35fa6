import {cpSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {META_FILE, readMeta, type CaseMeta} from '../../src/cases/meta.js';
import {runPreArgs as runEnginePreArgs} from '../../src/cli/config.js';
import {caseFile, TRACES} from './paths.js';

/** A stored case's meta.json, read and checked as every command reads it. */
export function meta(name: string): CaseMeta {
  return readMeta(caseFile(name, META_FILE));
}

/** A fresh folder holding a copy of all the reference inputs, as C's working folder held them. */
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
  if (m.pre_args) await runEnginePreArgs(m.pre_args, dir, 'c-parity', m.name);
}
