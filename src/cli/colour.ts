/**
 * Terminal colour (chalk), decided in one place: on only when stdout is a terminal, NO_COLOR is
 * unset or empty (https://no-color.org) and the command line has no `--no-color`. Pipes, files and
 * tests therefore always get plain text. Only the verdict words are coloured: PASS/OK green,
 * DIVERGENCE/FAIL/FAILED red, so the colour never changes what the text says.
 */
import type {ChalkInstance} from 'chalk';

let flagOff = false;
/** chalk, loaded only when colour is on (~20 ms of start-up otherwise) */
let chalk: ChalkInstance | undefined;

/** Removes `--no-color` (also `--no-colour`) from our own flags (before "--") and remembers it. */
export function takeColourFlag(argv: string[]): string[] {
  const end = argv.indexOf('--') < 0 ? argv.length : argv.indexOf('--');
  const own = argv.slice(0, end).filter((a) => {
    const off = a === '--no-color' || a === '--no-colour';
    if (off) flagOff = true;
    return !off;
  });
  return [...own, ...argv.slice(end)];
}

/** Whether output to `stream` is coloured (the one decision). */
export function colourOn(stream: {isTTY?: boolean} = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flagOff) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

/** Load chalk if output is coloured (or if `on`): before the first paintVerdict that colours. */
export async function prepareColour(on: boolean = colourOn()): Promise<void> {
  if (on && !chalk) chalk = new (await import('chalk')).Chalk({level: 1});
}

const GOOD = /^(PASS|OK|ok|pass)\b/;
const BAD = /^(DIVERGENCE|FAILED|FAIL|fail|below threshold|non finite|size mismatch|runner failed|engine failed|NAN|SHAPE|MISSING|EXTRA)\b/;

/** A line or table cell with its leading verdict word coloured (when colour is on). */
export function paintVerdict(text: string, on: boolean = colourOn()): string {
  // chalk is not loaded when the caller is not the binary (cli.ts prepares it): plain text
  if (!on || !chalk) return text;
  const c = chalk;
  const lead = /^(\s*(?:status: )?)(.*)$/s.exec(text)!;
  const rest = lead[2];
  const good = GOOD.exec(rest);
  if (good) return lead[1] + c.green.bold(good[1]) + rest.slice(good[1].length);
  const bad = BAD.exec(rest);
  if (bad) return lead[1] + c.red.bold(bad[1]) + rest.slice(bad[1].length);
  return text;
}
