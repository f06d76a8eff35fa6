/** What every command shares: the "--" split, one-line errors with documented exit codes, output. */
import type {Command} from '@oclif/core';
import {UserError} from '../engine/errors.js';
import {writeFileAtomic} from '../io/atomic.js';

/** Our own flags come before "--", the nanoBragg arguments after it. */
export function splitPassthrough(argv: string[]): {own: string[]; passthrough: string[]} {
  const i = argv.indexOf('--');
  return i < 0 ? {own: argv, passthrough: []} : {own: argv.slice(0, i), passthrough: argv.slice(i + 1)};
}

/** Turn a UserError into `nbparity: message` on stderr and its exit code; never a stack trace. */
export async function runGuarded(cmd: Command, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (e instanceof UserError) fail(cmd, e.message, e.exitCode);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EROFS' || code === 'ENOSPC') {
      fail(cmd, (e as Error).message, 3);
    }
    throw e;
  }
}

/** One line on stderr, then the exit code (oclif's own error() wraps and decorates the text). */
export function fail(cmd: Command, message: string, exitCode: number): never {
  process.stderr.write(`nbparity: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  return cmd.exit(exitCode);
}

export async function writeOutput(text: string, out?: string): Promise<void> {
  if (out) await writeFileAtomic(out, text);
  else process.stdout.write(text);
}
