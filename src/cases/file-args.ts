/**
 * The file names in a nanoBragg command line, found the way C finds its flags: by substring
 * (strstr), as src/engine/args.ts does. A token scan, not the engine's parser, so that it also
 * works for a C build that knows flags ours does not.
 */

const OUTPUT_FLAGS = ['-floatfile', '-floatimage', '-intfile', '-intimage', '-pgmfile', '-pgmimage', '-noisefile', '-noiseimage'];

/** A flag whose value is a file C writes. */
export function isOutputFlag(token: string): boolean {
  return OUTPUT_FLAGS.some((f) => token.includes(f)) || (token.includes('-stolout') && token.length > 7);
}

/** A flag whose value is a file C reads. */
export function isInputFlag(token: string): boolean {
  return (
    ['-mat', '-hkl', '-img', '-mask', '-sourcefile'].some((f) => token.includes(f)) ||
    (token.includes('-stol') && token.length === 5) ||
    (token.includes('-4stol') && token.length === 6) ||
    (token.includes('-Q') && token.length === 2)
  );
}

export interface FileArg {
  /** index of the file name in argv */
  index: number;
  flag: string;
  path: string;
  role: 'input' | 'output';
}

/** Every file name the arguments give, in order. */
export function fileArgs(argv: readonly string[]): FileArg[] {
  const out: FileArg[] = [];
  for (let i = 0; i + 1 < argv.length; i++) {
    const flag = argv[i];
    if (!flag.startsWith('-')) continue;
    const role = isOutputFlag(flag) ? 'output' : isInputFlag(flag) ? 'input' : undefined;
    if (role === undefined) continue;
    out.push({index: i + 1, flag, path: argv[i + 1], role});
    i++;
  }
  return out;
}

/** The input files the arguments name (each once, in order). */
export function inputFiles(argv: readonly string[]): string[] {
  return [...new Set(fileArgs(argv).filter((f) => f.role === 'input').map((f) => f.path))];
}
