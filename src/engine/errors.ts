import {readFileSync} from 'node:fs';

/**
 * An error a user caused (bad flag, unreadable file...). Commands print its message on one line
 * and exit with `exitCode`; anything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * An input file that was read but does not hold what it should (a malformed HKL, matrix, source
 * or SMV file): exit 3 unless a command documents another code for it.
 */
export class MalformedInputError extends UserError {
  constructor(message: string, exitCode = 3) {
    super(message, exitCode);
    this.name = 'MalformedInputError';
  }
}

/**
 * The C program's own refusal to run (missing structure factors or cell): it prints its usage
 * text and exits 9. We keep that exit code so scripts written against nanoBragg see the same.
 */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, 9);
    this.name = 'UsageError';
  }
}

/** An input file's bytes; `label` (e.g. "-hkl x.hkl") names it in the exit-3 error if it cannot be read. */
export function readInputFile(path: string, label = path): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UserError(`${label}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, 3);
  }
}
