/** What every command shares: the "--" split, one-line errors with documented exit codes, output. */
import type {Command} from '@oclif/core';
import {UserError} from '../engine/errors.js';
import {writeFileAtomic} from '../io/atomic.js';

/** Our own flags come before "--", the nanoBragg arguments after it. */
export function splitPassthrough(argv: string[]): {own: string[]; passthrough: string[]} {
  const i = argv.indexOf('--');
  return i < 0 ? {own: argv, passthrough: []} : {own: argv.slice(0, i), passthrough: argv.slice(i + 1)};
}

const FILE_ERRORS = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EROFS', 'ENOSPC']);

/** The one-line message and exit code of an error the user can act on; undefined for a bug. */
export function userFailure(e: unknown): {message: string; exitCode: number} | undefined {
  if (e instanceof UserError) return {message: e.message, exitCode: e.exitCode};
  if (FILE_ERRORS.has((e as NodeJS.ErrnoException).code ?? '')) return {message: (e as Error).message, exitCode: 3};
  return undefined;
}

/** `nbparity: message` on stderr, on one line. */
export function printFailure(message: string): void {
  process.stderr.write(`nbparity: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
}

/** Turn a UserError into `nbparity: message` on stderr and its exit code; never a stack trace. */
export async function runGuarded(cmd: Command, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    const failure = userFailure(e);
    if (failure) fail(cmd, failure.message, failure.exitCode);
    throw e;
  }
}

/** One line on stderr, then the exit code (oclif's own error() wraps and decorates the text). */
export function fail(cmd: Command, message: string, exitCode: number): never {
  printFailure(message);
  return cmd.exit(exitCode);
}

export async function writeOutput(text: string, out?: string): Promise<void> {
  if (out) await writeFileAtomic(out, text);
  else process.stdout.write(text);
}
