/**
 * An external implementation under test (`matrix --impl TEMPLATE`), e.g. a port's command line.
 * The template is split on blanks into words (no shell: no quoting, no pipes); these placeholders
 * are replaced in each word:
 *
 *   {args}    the case's nanoBragg arguments, as separate words (the word must be {args} alone)
 *   {float}   the path of the raw float32 image the program must write (fast-major, little-endian,
 *             as nanoBragg's -floatfile)
 *   {mode}    the phi mode asked for: spec or c-parity (a program with one behaviour ignores it)
 *   {trace}   for a traced pixel: the words `-trace_pixel S F` (as nanoBragg takes them); for the
 *             image run: nothing
 *   {slow} {fast}  the traced pixel's indices; in the image run a word made only of them is dropped
 *
 * A word without placeholders that names an existing file relative to the folder nbparity runs in
 * (the program, its script) is made absolute, since the program runs elsewhere: in the case's
 * private working folder (its input files linked there), with
 * OMP_NUM_THREADS=1, through the one external-program runner (src/impl/c-binary.ts: own process
 * group, killed on timeout or on our SIGINT/SIGTERM). For a traced pixel its stdout is the trace:
 * `TRACE_PY:` lines (or `TRACE_C:`/`TRACE_TS:`), read by the trace parser.
 */
import {existsSync} from 'node:fs';
import {isAbsolute, resolve} from 'node:path';
import {UserError} from '../engine/errors.js';
import {EXIT} from '../util/exit-codes.js';
import {runC, type CRunResult} from './c-binary.js';

export const TEMPLATE_PLACEHOLDERS = ['{args}', '{float}', '{mode}', '{trace}', '{slow}', '{fast}'] as const;

export interface TemplateValues {
  args: readonly string[];
  float: string;
  mode: string;
  pixel?: {slow: number; fast: number};
}

/** The template's words; a usage error for an empty template or an unknown placeholder. */
export function parseTemplate(template: string, cwd = process.cwd()): string[] {
  const words = template
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => (!w.includes('{') && !isAbsolute(w) && w.includes('/') && existsSync(resolve(cwd, w)) ? resolve(cwd, w) : w));
  if (words.length === 0) throw new UserError('--impl: expected a command line template, got nothing', EXIT.USAGE);
  for (const w of words) {
    for (const m of w.matchAll(/\{[^}]*\}/g)) {
      if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(m[0])) throw new UserError(`--impl: unknown placeholder ${m[0]} (known: ${TEMPLATE_PLACEHOLDERS.join(' ')})`, EXIT.USAGE);
    }
    if (w.includes('{args}') && w !== '{args}') throw new UserError('--impl: {args} must be a word of its own', EXIT.USAGE);
    if (w.includes('{trace}') && w !== '{trace}') throw new UserError('--impl: {trace} must be a word of its own', EXIT.USAGE);
  }
  if (!words.includes('{args}')) throw new UserError('--impl: the template must pass the nanoBragg arguments ({args})', EXIT.USAGE);
  if (!words.some((w) => w.includes('{float}'))) throw new UserError('--impl: the template must say where the float image goes ({float})', EXIT.USAGE);
  return words;
}

/** The program and its arguments for one run. */
export function expandTemplate(words: readonly string[], v: TemplateValues): string[] {
  const out: string[] = [];
  for (const w of words) {
    if (w === '{args}') out.push(...v.args);
    else if (w === '{trace}') {
      if (v.pixel) out.push('-trace_pixel', String(v.pixel.slow), String(v.pixel.fast));
    } else if (!v.pixel && /^(\{slow\}|\{fast\})+$/.test(w)) continue;
    else
      out.push(
        w
          .replaceAll('{float}', v.float)
          .replaceAll('{mode}', v.mode)
          .replaceAll('{slow}', v.pixel ? String(v.pixel.slow) : '')
          .replaceAll('{fast}', v.pixel ? String(v.pixel.fast) : ''),
      );
  }
  return out;
}

/** Run the expanded template in `cwd`; never throws (a failure, kill or timeout is in the result). */
export function runTemplate(words: readonly string[], v: TemplateValues, cwd: string, timeoutSeconds?: number): Promise<CRunResult> {
  const [bin, ...argv] = expandTemplate(words, v);
  return runC(bin, argv, cwd, {threads: 1, timeoutSeconds});
}
