/**
 * A private working folder for one run of a case. nanoBragg reads its inputs from, and writes
 * Fdump.bin and its images into, its working folder; a run in the inputs folder itself would
 * leave state there that changes the next run (a case without -hkl reads any Fdump.bin it
 * finds). So every run gets a fresh temporary folder holding links to exactly the input files
 * its arguments name, and nothing else; the folder is removed afterwards, and on SIGINT/SIGTERM.
 */
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, isAbsolute, join, normalize, resolve, sep} from 'node:path';
import {UserError} from '../engine/errors.js';
import {onInterrupt} from '../io/interrupt.js';
import {EXIT} from '../util/exit-codes.js';
import {fileArgs, inputFiles} from './file-args.js';

/** Files nanoBragg writes into its working folder without being told to (its default names). */
const WRITTEN_BY_DEFAULT = ['Fdump.bin', 'floatimage.bin', 'intimage.img', 'image.pgm', 'noiseimage.img'];

export interface PrivateFolder {
  dir: string;
  /** remove the folder (idempotent) */
  dispose(): void;
}

/** Remove a temporary folder; retried, since a killed child may still be closing files in it. */
export function removeFolder(dir: string): void {
  rmSync(dir, {recursive: true, force: true, maxRetries: 3, retryDelay: 50});
}

/**
 * A fresh temporary folder with a link to every relative input file that `argLists` name and
 * `inputsDir` holds (absolute names are read where they are); an input that a run may also
 * write (an output name, Fdump.bin ...) is copied instead, so that no write reaches the inputs
 * folder through a link. A name that leads out of the inputs folder (`../x.hkl`) is refused: in
 * a private folder it would name another file.
 */
export function openPrivateFolder(inputsDir: string, argLists: ReadonlyArray<readonly string[]>, prefix = 'nbparity-run-'): PrivateFolder {
  const names = [...new Set(argLists.flatMap((a) => inputFiles(a)))].filter((p) => !isAbsolute(p));
  for (const name of names) {
    const n = normalize(name);
    if (n === '..' || n.startsWith(`..${sep}`)) throw new UserError(`input file '${name}' lies outside the inputs folder ${inputsDir}; give it as an absolute path`, EXIT.BAD_INPUT);
  }
  const written = new Set([...WRITTEN_BY_DEFAULT, ...argLists.flatMap((a) => fileArgs(a).filter((f) => f.role === 'output').map((f) => normalize(f.path)))]);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let released = false;
  const forget = onInterrupt(() => removeFolder(dir));
  const dispose = () => {
    if (released) return;
    released = true;
    removeFolder(dir);
    forget();
  };
  try {
    for (const name of names) {
      const source = resolve(inputsDir, name);
      // a missing input is left missing: the run then says which file it could not read
      if (!existsSync(source)) continue;
      const link = join(dir, name);
      mkdirSync(dirname(link), {recursive: true});
      if (existsSync(link)) continue;
      if (written.has(normalize(name))) copyFileSync(source, link);
      else symlinkSync(source, link);
    }
  } catch (e) {
    dispose();
    throw e;
  }
  return {dir, dispose};
}
