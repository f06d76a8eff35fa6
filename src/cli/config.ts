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
  /** the case's nanoBragg arguments */
  argv: string[];
  /** the private working folder */
  cwd: string;
  /** remove the private folder */
  dispose(): void;
}

export async function openConfig(spec: string, phiMode: PhiMode): Promise<ConfigRun> {
  let c: Case;
  try {
    c = resolveCase(spec);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`--config: ${e.message}`, e.exitCode);
    throw e;
  }
  const folder = openPrivateFolder(c.inputsDir, [c.args, c.preArgs ?? []]);
  try {
    if (c.preArgs) await runPreArgs(c.preArgs, folder.dir, phiMode, `--config ${c.name}`);
  } catch (e) {
    folder.dispose();
    throw e;
  }
  return {case: c, argv: c.args, cwd: folder.dir, dispose: folder.dispose};
}

/** A case's earlier run (pre_args) with the engine, quietly, in `cwd`; `label` names the case in an error. */
export async function runPreArgs(preArgs: string[], cwd: string, phiMode: PhiMode, label: string): Promise<void> {
  const code = await runSimulate({argv: preArgs, phiMode, workers: 1, cwd, print: () => undefined, warn: () => undefined});
  if (code !== 0) throw new UserError(`${label}: its earlier run (pre_args) was refused (exit ${code})`, EXIT.NANOBRAGG_USAGE);
}
