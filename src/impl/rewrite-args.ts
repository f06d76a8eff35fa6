/** A nanoBragg command line made to run elsewhere: inputs where they were, outputs into a run folder. */
import {basename, isAbsolute, join, resolve} from 'node:path';
import {fileArgs} from '../cases/file-args.js';

export interface RewrittenArgs {
  argv: string[];
  /** absolute path of the float image the run will write */
  floatPath: string;
  /** absolute path of the SMV int image the run will write */
  intPath: string;
}

/**
 * Input files become absolute against `cwd`; output files move into `outDir` (base name kept);
 * `-floatfile <outDir>/float.bin` is appended when the arguments name no float file.
 */
export function rewriteArgs(argv: readonly string[], cwd: string, outDir: string): RewrittenArgs {
  const out = [...argv];
  let floatPath: string | undefined;
  let intPath = join(outDir, 'intimage.img');
  for (const f of fileArgs(argv)) {
    if (f.role === 'output') {
      const p = join(outDir, basename(f.path));
      out[f.index] = p;
      if (f.flag.includes('-float')) floatPath = p;
      if (f.flag.includes('-int')) intPath = p;
    } else if (!isAbsolute(f.path)) out[f.index] = resolve(cwd, f.path);
  }
  if (floatPath === undefined) {
    floatPath = join(outDir, 'float.bin');
    out.push('-floatfile', floatPath);
  }
  return {argv: out, floatPath, intPath};
}
