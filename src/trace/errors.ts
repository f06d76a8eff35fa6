import {UserError} from '../engine/errors.js';

/**
 * Bad input to a trace comparison (unreadable file, no per-pixel block, ambiguous prefix…): exit
 * code 2. A UserError, so every command (harness --ref too) prints it as one line.
 */
export class TraceInputError extends UserError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'TraceInputError';
  }
}

/** Exit codes shared by compare-traces, per-phi and metrics --verify. */
export const EXIT = {
  /** everything within tolerance / bundle intact */
  OK: 0,
  /** a divergence (or a changed, missing or extra bundle file) */
  DIVERGENCE: 1,
  /** bad input: unreadable or malformed file, no per-pixel block in the reference, bad flag values */
  BAD_INPUT: 2,
} as const;

export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  every compared value is within tolerance',
  '  1  divergence (a value outside tolerance, a NaN or infinity, a missing per-pixel key, a reference that stops early)',
  '  2  bad input (unreadable, empty, binary or malformed file, a trace cut mid-line, no per-pixel block in a trace, bad flags) or any other error',
].join('\n');

/** A finite number >= 0 from a flag value, else TraceInputError. */
export function parseNonNegative(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new TraceInputError(`--${flag} must be a finite number >= 0, got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * Exit code for an error: its own exitCode if it has one, else 2. Exit 1 means "divergence", so
 * no error may end with 1: any failure to decide (bad input, unwritable output…) is 2.
 */
export function exitCodeForError(error: unknown): number {
  const code = (error as {exitCode?: unknown})?.exitCode;
  return typeof code === 'number' ? code : EXIT.BAD_INPUT;
}
