/**
 * One-line errors for the commands of src/trace and src/report: `nbparity: <message>` on stderr
 * (the same form as every other command), no stack trace, no line wrapping, then the error's
 * exit code (2 unless it carries another).
 */
import type {Command} from '@oclif/core';

import {printFailure} from '../cli/common.js';
import {exitCodeForError} from '../trace/errors.js';

export function failCommand(command: Command, error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  printFailure(message);
  return command.exit(exitCodeForError(error));
}
