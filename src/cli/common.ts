/** What every command shares: the "--" split, one-line errors with documented exit codes, output. */
import type {Command} from '@oclif/core';
import {UserError} from '../engine/errors.js';

/** Our own flags come before "--", the nanoBragg arguments after it. */
export function splitPassthrough(argv: string[]): {own: string[]; passthrough: string[]} {
  const i = argv.indexOf('--');
  return i < 0 ? {own: argv, passthrough: []} : {own: argv.slice(0, i), passthrough: argv.slice(i + 1)};
}

/** System error codes of a file that cannot be read or written (not a bug in nbparity). */
const IO_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS', 'ENOSPC', 'EEXIST', 'ENAMETOOLONG', 'ELOOP', 'EMFILE', 'EIO']);

/**
 * The one-line message and exit code of an error the user can act on: a UserError, or an I/O
 * error (unreadable input, unwritable output) with `ioExitCode`; undefined for a bug.
 */
export function userFailure(e: unknown, ioExitCode = 3): {message: string; exitCode: number} | undefined {
  if (e instanceof UserError) return {message: e.message, exitCode: e.exitCode};
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && IO_CODES.has(code)) return {message: (e as Error).message, exitCode: ioExitCode};
  return undefined;
}

/** `nbparity: message` on stderr, on one line. */
export function printFailure(message: string): void {
  process.stderr.write(`nbparity: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
}

/**
 * Turn a UserError or I/O error into `nbparity: message` on stderr and its exit code. Never a
 * stack trace for either; anything else is a bug and keeps its stack.
 */
export async function runGuarded(cmd: Command, body: () => Promise<void>, ioExitCode = 3): Promise<void> {
  try {
    await body();
  } catch (e) {
    const failure = userFailure(e, ioExitCode);
    if (failure) fail(cmd, failure.message, failure.exitCode);
    throw e;
  }
}

/** oclif's parse error text (several lines, "See more help with --help") as one line. */
export function parseErrorLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => l !== '' && !/^See more help with/.test(l) && !/^The following errors? occurred:?$/.test(l));
  if (lines.length === 0) return 'bad arguments';
  // "Parsing --workers" + "Expected an integer ..." -> "Parsing --workers: Expected an integer ..."
  return lines.length === 1 ? lines[0] : `${lines[0].replace(/:?$/, ':')} ${lines.slice(1).join(' ')}`;
}

/**
 * The command's own flags, or one `nbparity: ...` line and `exitCode` when they do not parse
 * (unknown flag, missing or malformed value): oclif would print a multi-line block and usage.
 */
export async function parseFlags<T>(cmd: Command, parse: () => Promise<T>, exitCode = 2): Promise<T> {
  try {
    return await parse();
  } catch (e) {
    return fail(cmd, parseErrorLine(e), exitCode);
  }
}

/** One line on stderr, then the exit code (oclif's own error() wraps and decorates the text). */
export function fail(cmd: Command, message: string, exitCode: number): never {
  printFailure(message);
  return cmd.exit(exitCode);
}

/** A warning about something nbparity does on purpose (e.g. following a C quirk), one line on stderr. */
export function warn(message: string): void {
  process.stderr.write(`nbparity: warning: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
}
