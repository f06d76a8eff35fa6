/**
 * One C run of a case, the way every reference was made: in a fresh private folder holding the
 * case's inputs (src/cases/private-folder.ts), pre_args first, then the case's arguments plus
 * `extraArgs`. The caller looks at the folder (C's output files) before it is removed.
 */
import {openPrivateFolder} from '../cases/private-folder.js';
import {runC, type CRunOptions, type CRunResult} from './c-binary.js';

export interface CCaseRun {
  args: readonly string[];
  preArgs?: readonly string[];
  /** where the relative input files of args and preArgs are */
  inputsDir: string;
}

/**
 * Run it, hand the result and the working folder to `inspect`, remove the folder, return what
 * `inspect` returned. A pre_args run that fails is the result (its error says so).
 */
export async function runCCase<T>(bin: string, run: CCaseRun, extraArgs: readonly string[], o: CRunOptions, inspect: (result: CRunResult, dir: string) => T | Promise<T>): Promise<T> {
  const folder = openPrivateFolder(run.inputsDir, [run.args, run.preArgs ?? []], 'nbparity-c-');
  try {
    if (run.preArgs) {
      const pre = await runC(bin, run.preArgs, folder.dir, o);
      if (!pre.ok) return await inspect({...pre, error: `the earlier run (pre_args): ${pre.error}`}, folder.dir);
    }
    return await inspect(await runC(bin, [...run.args, ...extraArgs], folder.dir, o), folder.dir);
  } finally {
    folder.dispose();
  }
}
