/**
 * `--config CASE` of the engine's commands: a stored case's name or a case folder's path (see
 * src/cases/load.ts). The run happens in a private folder holding links to the case's inputs,
 * never in the inputs folder itself, so that nothing an earlier run left there (a Fdump.bin
 * from `simulate`) can change the result; a case's pre_args run there first.
 */
import type {Case} from '../cases/case.js';
import {resolveCase} from '../cases/load.js';
import {openPrivateFolder} from '../cases/private-folder.js';
import {EXIT} from '../util/exit-codes.js';
import {UserError} from '../engine/errors.js';
import type {PhiMode} from '../engine/setup.js';
import {runSimulate} from './simulate.js';

export interface ConfigRun {
  case: Case;
  /** the case's nanoBragg arguments, or those given in their place */
  argv: string[];
  /** the private working folder */
  cwd: string;
  /** remove the private folder */
  dispose(): void;
}

/**
 * Open a case's run. `args`, when given, replace the case's own nanoBragg arguments: the same
 * inputs folder, private copy and pre_args (how explain confirms a hypothesis that changes the
 * arguments of a case whose earlier run makes an input, such as Fdump.bin).
 */
export async function openConfig(spec: string, phiMode: PhiMode, args?: string[]): Promise<ConfigRun> {
  let c: Case;
  try {
    c = resolveCase(spec);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`--config: ${e.message}`, e.exitCode);
    throw e;
  }
  const argv = args ?? c.args;
  const folder = openPrivateFolder(c.inputsDir, [argv, c.preArgs ?? []]);
  try {
    if (c.preArgs) await runPreArgs(c.preArgs, folder.dir, phiMode, `--config ${c.name}`);
  } catch (e) {
    folder.dispose();
    throw e;
  }
  return {case: c, argv, cwd: folder.dir, dispose: folder.dispose};
}

/** A case's earlier run (pre_args) with the engine, quietly, in `cwd`; `label` names the case in an error. */
export async function runPreArgs(preArgs: string[], cwd: string, phiMode: PhiMode, label: string): Promise<void> {
  const code = await runSimulate({argv: preArgs, phiMode, workers: 1, cwd, print: () => undefined, warn: () => undefined});
  if (code !== 0) throw new UserError(`${label}: its earlier run (pre_args) was refused (exit ${code})`, EXIT.NANOBRAGG_USAGE);
}
