/**
 * What every command shares: the "--" split, the parse of its own flags, and the one error
 * printer. Every failure ends as exactly one `nbparity: <message>` line on stderr and an exit code
 * of the one scheme (src/util/exit-codes.ts): a UserError carries its code, a file that cannot be
 * written is 6, and anything else is a bug in nbparity: 70, one line (its stack only with
 * NBPARITY_DEBUG=1).
 *
 * No command calls process.exit(): the exit code is set and the process ends by itself once
 * stdout has drained, so a slow reader gets the whole output whatever the code.
 */
import type {Command, Interfaces} from '@oclif/core';
import {UserError} from '../engine/errors.js';
import {errnoReason} from '../util/errno.js';
import {EXIT} from '../util/exit-codes.js';

/** Our own flags come before "--", the nanoBragg arguments after it. */
export function splitPassthrough(argv: string[]): {own: string[]; passthrough: string[]} {
  const i = argv.indexOf('--');
  return i < 0 ? {own: argv, passthrough: []} : {own: argv.slice(0, i), passthrough: argv.slice(i + 1)};
}

/** Raw system calls that write: an errno error from one of them is an output that cannot be written. */
const WRITE_SYSCALLS = new Set(['write', 'mkdir', 'rename', 'rmdir', 'unlink', 'fsync', 'ftruncate', 'copyfile', 'symlink', 'link', 'utime', 'chmod']);

/**
 * The one-line message and exit code of an error the user can act on: a UserError, or a raw
 * system error (unreadable input 3, unwritable output 6); undefined for a bug.
 */
export function userFailure(e: unknown): {message: string; exitCode: number} | undefined {
  if (e instanceof UserError) return {message: e.message, exitCode: e.exitCode};
  // the memory estimate (src/engine/footprint.ts) was passed, e.g. with a --max-memory above what
  // the machine can give: a resource limit too, not a bug
  if (e instanceof RangeError && /allocation failed|Invalid (typed )?array length|Array buffer/i.test(e.message)) {
    return {message: `out of memory (${e.message}): the machine could not give what the run needs; lower the sizes, or --max-memory to be refused before allocating`, exitCode: EXIT.LIMIT};
  }
  const err = e as NodeJS.ErrnoException | undefined;
  if (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code) && typeof err.syscall === 'string') {
    const writing = WRITE_SYSCALLS.has(err.syscall);
    const what = err.path ? `${err.path}: ` : '';
    return {message: `${what}cannot ${writing ? 'write' : 'read'} (${errnoReason(err, writing ? 'write' : 'read')})`, exitCode: writing ? EXIT.CANNOT_WRITE : EXIT.BAD_INPUT};
  }
  return undefined;
}

/** `nbparity: message` on stderr, on one line. */
export function printFailure(message: string): void {
  process.stderr.write(`nbparity: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
}

/** Print an error as its one line (a bug: one line, its stack only with NBPARITY_DEBUG=1); returns the exit code. */
export function reportFailure(e: unknown): number {
  const failure = userFailure(e);
  if (failure) {
    printFailure(failure.message);
    return failure.exitCode;
  }
  const message = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  printFailure(`internal error (a bug in nbparity, please report it; NBPARITY_DEBUG=1 prints the stack): ${message}`);
  if (process.env.NBPARITY_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return EXIT.INTERNAL;
}

let outputFailed = false;

/** Standard output failed: one line (none for a closed pipe), exit 6, and nothing more is written to it. */
function stdoutFailed(e: NodeJS.ErrnoException): void {
  if (outputFailed) return;
  outputFailed = true;
  if (e.code !== 'EPIPE') printFailure(`standard output: cannot write (${errnoReason(e, 'write')})`);
  process.exitCode = EXIT.CANNOT_WRITE;
}

let guarded = false;

/**
 * Standard output that fails (a full disk, `> /dev/full`, a reader that closed the pipe) ends as
 * exit 6 with one line, never an unhandled 'error' event or a stack; a closed pipe (`| head -1`)
 * says nothing, as the reader asked for no more; later writes are dropped. The CLI entry point
 * calls this first, and again once oclif is loaded: oclif adds its own 'error' listener, which
 * rethrows everything but EPIPE.
 */
export function guardStdout(): void {
  const out = process.stdout;
  out.removeAllListeners('error');
  out.on('error', stdoutFailed);
  if (guarded) return;
  guarded = true;
  const write = out.write.bind(out) as (...args: unknown[]) => boolean;
  out.write = ((...args: unknown[]) => !outputFailed && write(...args)) as typeof out.write;
}

/**
 * End the process once what stdout holds is written (its last write's callback comes after all
 * earlier ones), for when the work cannot go on: a bug escaped a command with handles still open.
 */
export function exitWhenDrained(): void {
  if (outputFailed) process.exit();
  process.stdout.write('', () => process.exit());
}

/** The process's exit code, set once the command is done (6 stays 6 when stdout failed). */
export function setExitCode(code: number): void {
  process.exitCode = outputFailed ? EXIT.CANNOT_WRITE : code;
}

/** Run a command's body (which returns its exit code); any error becomes its one line and code. */
export async function runCommand(body: () => Promise<number>): Promise<void> {
  let code: number;
  try {
    code = await body();
  } catch (e) {
    code = reportFailure(e);
  }
  setExitCode(code);
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

/** A word the command takes no place for. */
export function strayWord(command: string, word: string): UserError {
  return new UserError(`${command}: unexpected argument '${word}' (see nbparity ${command} --help)`, EXIT.USAGE);
}

/** What parseCommandLine reads of a command class. */
interface CommandClass {
  id?: string;
  flags?: Interfaces.FlagInput;
  args?: Interfaces.ArgInput;
  /** the command takes nanoBragg arguments after "--" */
  passthrough?: boolean;
}

/**
 * The command's flags and positional arguments, and (for a command with `static passthrough =
 * true`) the nanoBragg arguments after "--". A flag that does not parse, a missing one or a stray
 * word is a UserError (exit 2) with oclif's message on one line.
 */
export async function parseCommandLine<C extends CommandClass>(
  cmd: Command,
  ctor: C,
): Promise<{flags: Interfaces.InferredFlags<C['flags']>; args: Interfaces.InferredArgs<C['args']>; passthrough: string[]}> {
  const {own, passthrough} = ctor.passthrough ? splitPassthrough(cmd.argv) : {own: cmd.argv, passthrough: []};
  let parsed;
  try {
    // strict off: a stray word gets our message below instead of oclif's
    parsed = await (cmd as unknown as {parse: (o: object, argv: string[]) => Promise<{flags: unknown; args: unknown; argv: unknown[]}>}).parse(
      {flags: ctor.flags, args: ctor.args, strict: false},
      own,
    );
  } catch (e) {
    throw new UserError(parseErrorLine(e), EXIT.USAGE);
  }
  const positional = Object.keys(ctor.args ?? {}).length;
  const stray = parsed.argv.slice(positional).map(String);
  if (stray.length > 0) throw strayWord(cmd.id ?? ctor.id ?? 'nbparity', stray[0]);
  return {
    flags: parsed.flags as Interfaces.InferredFlags<C['flags']>,
    args: parsed.args as Interfaces.InferredArgs<C['args']>,
    passthrough,
  };
}

/** A warning about something nbparity does on purpose (e.g. following a C quirk), one line on stderr. */
export function warn(message: string): void {
  process.stderr.write(`nbparity: warning: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
}

/** A command line as a shell would read it back (commands.txt): plain words bare, others quoted. */
export function shellQuote(args: readonly string[]): string {
  return args
    .map((a) => {
      if (/^[\w@%+=:,./-]+$/.test(a)) return a;
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(a)) {
        const body = [...a]
          .map((ch) => {
            const c = ch.charCodeAt(0);
            if (ch === '\\' || ch === "'") return `\\${ch}`;
            if (ch === '\n') return '\\n';
            if (ch === '\t') return '\\t';
            if (ch === '\r') return '\\r';
            return c < 0x20 || c === 0x7f ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
          })
          .join('');
        return `$'${body}'`;
      }
      return `'${a.replace(/'/g, "'\\''")}'`;
    })
    .join(' ');
}

/** The warnings of one run: each printed as it happens (one line), and kept for its bundle. */
export class WarningLog {
  readonly list: string[] = [];

  add(message: string): void {
    warn(message);
    this.list.push(message);
  }
}
