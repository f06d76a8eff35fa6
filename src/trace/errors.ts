import {UserError} from '../engine/errors.js';
import {EXIT, type ExitCode} from '../util/exit-codes.js';

/**
 * Bad input to a trace comparison (an unreadable, empty, binary or malformed trace: exit 3; traces
 * of different pixels: 4; a trace whose pixel C did not render: 5). A UserError, so every command
 * (harness --ref too) prints it as one line.
 */
export class TraceInputError extends UserError {
  constructor(message: string, exitCode: ExitCode = EXIT.BAD_INPUT) {
    super(message, exitCode);
    this.name = 'TraceInputError';
  }
}

/** A finite number >= 0 from a flag value, else a usage error (exit 2). */
export function parseNonNegative(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new UserError(`--${flag}: expected a finite number >= 0, got ${JSON.stringify(value)}`, EXIT.USAGE);
  }
  return n;
}
