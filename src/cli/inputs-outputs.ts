/**
 * An output that is one of the run's own inputs (`harness --ref ref.log --out ref.log`,
 * `-floatfile scaled.hkl`) would destroy the input it was computed from: refused before anything
 * is written, as a usage error (conflicting flags).
 */
import {statSync} from 'node:fs';
import {resolve} from 'node:path';

import type {NanoBraggSettings} from '../engine/args.js';
import {UserError} from '../engine/errors.js';
import {EXIT} from '../util/exit-codes.js';

export interface NamedPath {
  /** the flag that named it, for the message */
  flag: string;
  path: string;
  /** the folder a relative `path` is read from (default: the working folder) */
  cwd?: string;
}

/** The input files a nanoBragg command line names, with their flags; relative ones are read from `cwd`. */
export function nanoBraggInputs(s: NanoBraggSettings, cwd: string): NamedPath[] {
  const named: Array<[string, string | undefined]> = [
    ['-mat', s.matFile],
    ['-hkl', s.hklFile],
    ['-img', s.imgFile],
    ['-mask', s.maskFile],
    ['-sourcefile', s.sourceFile],
    ['-stol', s.stolFile],
  ];
  return named.flatMap(([flag, path]) => (path === undefined ? [] : [{flag, path, cwd}]));
}

function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** A UserError (exit 2) when an output is (by name, link or hard link) one of the inputs. */
export function refuseOverwritingInputs(outputs: readonly NamedPath[], inputs: readonly NamedPath[]): void {
  for (const o of outputs) {
    const op = resolve(o.cwd ?? '.', o.path);
    for (const i of inputs) {
      if (sameFile(op, resolve(i.cwd ?? '.', i.path))) {
        throw new UserError(`${o.flag} ${o.path} is the input of ${i.flag}: writing it would destroy the input (choose another output)`, EXIT.USAGE);
      }
    }
  }
}
