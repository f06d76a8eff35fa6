/**
 * The one exit-code scheme of every nbparity command. A script reads the code alone: 1 is
 * always a verdict (the numbers disagree), 2..10 always say why no verdict could be given.
 * The README's table and every command's --help are generated from EXIT_CODE_TABLE.
 */
export const EXIT = {
  /** success; any comparison made is within its tolerances and thresholds */
  OK: 0,
  /** a verdict against: divergence, below a threshold, a bundle that fails verification, a failed matrix row */
  VERDICT: 1,
  /** usage: unknown command or flag, a malformed or out-of-range flag value, a stray word, conflicting flags */
  USAGE: 2,
  /** bad input: an input file that cannot be read or does not hold what it should (nanoBragg inputs, traces, images, bundles, case lists) */
  BAD_INPUT: 3,
  /** identity mismatch: a pixel outside the detector, traces of different pixels, images of different sizes */
  IDENTITY: 4,
  /** nothing to judge: the pixel is not rendered (outside -roi, zero in -mask), so C prints no per-pixel block */
  NOT_RENDERED: 5,
  /** an output (file, --out, bundle or report folder) cannot be written */
  CANNOT_WRITE: 6,
  /** an external program (the C binary, an --impl program) could not start, failed, was killed or timed out */
  EXTERNAL: 7,
  /** partial: the run finished and wrote what it could, but some parts failed (e.g. a traced pixel of capture) */
  PARTIAL: 8,
  /** nanoBragg's own usage refusal (no structure factors or no unit cell), the code C exits with */
  NANOBRAGG_USAGE: 9,
  /** a resource limit: the run would need more memory than --max-memory, or an input is over its size cap */
  LIMIT: 10,
  /** an internal error (a bug in nbparity: please report it) */
  INTERNAL: 70,
  /** interrupted by SIGINT (Ctrl-C); staged files removed, earlier outputs intact */
  SIGINT: 130,
  /** terminated by SIGTERM; staged files removed, earlier outputs intact */
  SIGTERM: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODE_TABLE: ReadonlyArray<{code: ExitCode; meaning: string}> = [
  {code: EXIT.OK, meaning: 'success; every comparison made is within its tolerance and thresholds'},
  {code: EXIT.VERDICT, meaning: 'a verdict against: a divergence, a value below a threshold, a bundle that fails verification, a failed matrix row'},
  {code: EXIT.USAGE, meaning: 'usage: unknown command or flag, malformed or out-of-range value, stray word, conflicting flags'},
  {code: EXIT.BAD_INPUT, meaning: 'bad input: an input file (nanoBragg input, trace, image, bundle, case) cannot be read or is malformed'},
  {code: EXIT.IDENTITY, meaning: 'identity mismatch: pixel outside the detector, traces of different pixels, images of different sizes'},
  {code: EXIT.NOT_RENDERED, meaning: 'nothing to judge: the pixel is not rendered (outside -roi or masked), C prints no per-pixel block'},
  {code: EXIT.CANNOT_WRITE, meaning: 'an output file, bundle or report folder cannot be written'},
  {code: EXIT.EXTERNAL, meaning: 'an external program (C binary, --impl) could not start, failed, was killed or timed out'},
  {code: EXIT.PARTIAL, meaning: 'partial: what could be done was written, but some parts failed (e.g. a traced pixel)'},
  {code: EXIT.NANOBRAGG_USAGE, meaning: "nanoBragg's own usage refusal (no structure factors or no unit cell), as C exits"},
  {code: EXIT.LIMIT, meaning: 'resource limit: the run would exceed --max-memory, or an input is over its size cap'},
  {code: EXIT.INTERNAL, meaning: 'internal error (a bug in nbparity; please report it)'},
  {code: EXIT.SIGINT, meaning: 'interrupted (SIGINT); temporary files removed, earlier outputs intact'},
  {code: EXIT.SIGTERM, meaning: 'terminated (SIGTERM); temporary files removed, earlier outputs intact'},
];

/** The scheme as --help text: the codes a command can return first marked, every code listed. */
export function exitCodesHelp(used: readonly ExitCode[]): string {
  const lines = ['Exit codes (one scheme for every nbparity command; * = this command can return it):'];
  for (const {code, meaning} of EXIT_CODE_TABLE) lines.push(`  ${used.includes(code) ? '*' : ' '}${String(code).padStart(3)}  ${meaning}`);
  return lines.join('\n');
}

/** The scheme as a markdown table (the README's). */
export function exitCodesMarkdown(): string {
  return ['| code | meaning |', '| --- | --- |', ...EXIT_CODE_TABLE.map(({code, meaning}) => `| ${code} | ${meaning} |`)].join('\n');
}
