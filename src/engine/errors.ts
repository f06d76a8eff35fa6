import {EXIT, type ExitCode} from '../util/exit-codes.js';

/**
 * An error a user caused (bad flag, unreadable file...). The CLI prints its message on one line
 * and exits with `exitCode` (src/util/exit-codes.ts); anything else is a bug (exit 70).
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.USAGE,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** An input file that was read but does not hold what it should (a malformed HKL, matrix, source or SMV file). */
export class MalformedInputError extends UserError {
  constructor(message: string, exitCode: ExitCode = EXIT.BAD_INPUT) {
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
    super(message, EXIT.NANOBRAGG_USAGE);
    this.name = 'UsageError';
  }
}
