/**
 * The C nanoBragg as an implementation: one process per run, in a folder the caller owns (see
 * src/cases/private-folder.ts), with OMP_NUM_THREADS set (default 1, the thread count of every
 * reference), an optional time limit, and its own process group so that a timeout or our
 * SIGINT/SIGTERM kills it and anything it started.
 */
import {spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {accessSync, constants, createReadStream, statSync} from 'node:fs';
import {resolve} from 'node:path';
import {UserError} from '../engine/errors.js';
import {onInterrupt} from '../io/interrupt.js';
import {formatBytes} from '../io/input.js';

/** C's stdout and stderr are kept in memory (and in bundles): its summary is a few kB; 32 MiB is far past any -printout worth reading. */
export const C_OUTPUT_CAP_BYTES = 32 * 1024 * 1024;
import {EXIT} from '../util/exit-codes.js';
import type {RunResult} from './result.js';

export interface CRunOptions {
  /** OMP_NUM_THREADS of the run (default 1) */
  threads?: number;
  /** kill the run after this many seconds */
  timeoutSeconds?: number;
}

export interface CRunResult extends RunResult {
  /** the signal that ended the run, if one did */
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** OMP_NUM_THREADS the run had */
  threads: number;
}

/** C's progress meter ("37% done"), printed unless -noprogress; not part of any output. */
const PROGRESS_LINE = /^\d+% done\r?$/;

/** The text without C's progress lines. */
export function dropProgressLines(text: string): string {
  return text
    .split('\n')
    .filter((line) => !PROGRESS_LINE.test(line))
    .join('\n');
}

/** The absolute path of an executable file, or exit 7 saying why it cannot be run. */
export function checkCBinary(path: string, cwd = process.cwd()): string {
  const abs = resolve(cwd, path);
  let isFile: boolean;
  try {
    isFile = statSync(abs).isFile();
  } catch (e) {
    throw new UserError(`C binary ${path}: cannot start it (${(e as NodeJS.ErrnoException).code ?? String(e)})`, EXIT.EXTERNAL);
  }
  if (!isFile) throw new UserError(`C binary ${path}: not a file`, EXIT.EXTERNAL);
  try {
    accessSync(abs, constants.X_OK);
  } catch {
    throw new UserError(`C binary ${path}: not executable`, EXIT.EXTERNAL);
  }
  return abs;
}

/** sha256 of a file, streamed (a binary or an image can be large). */
export function fileSha256(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (b) => hash.update(b))
      .on('error', fail)
      .on('end', () => done(hash.digest('hex')));
  });
}

/** Run `bin argv` in `cwd`. Never throws: a failure to start, a non-zero exit, a kill or a timeout is in the result. */
export function runC(bin: string, argv: readonly string[], cwd: string, o: CRunOptions = {}): Promise<CRunResult> {
  const threads = o.threads ?? 1;
  const t0 = process.hrtime.bigint();
  const secs = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  return new Promise((done) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const text = (chunks: Buffer[]) => dropProgressLines(Buffer.concat(chunks).toString());
    let timedOut = false;
    let settled = false;
    const child = spawn(bin, argv, {cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: {...process.env, OMP_NUM_THREADS: String(threads)}});
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const forget = onInterrupt(killGroup);
    const timer =
      o.timeoutSeconds === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup();
          }, o.timeoutSeconds * 1000);
    const finish = (r: Omit<CRunResult, 'threads' | 'timedOut' | 'wallSeconds' | 'stdout' | 'stderr'>) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      forget();
      done({...r, stdout: text(out), stderr: text(err), wallSeconds: secs(), timedOut, threads});
    };
    // what C prints is kept in memory: a program that never stops printing (`--c-bin /usr/bin/yes`)
    // is killed at C_OUTPUT_CAP_BYTES instead of filling the memory
    let kept = 0;
    let overflowed = false;
    const keep = (chunks: Buffer[]) => (b: Buffer) => {
      if (overflowed) return;
      kept += b.length;
      if (kept > C_OUTPUT_CAP_BYTES) {
        overflowed = true;
        killGroup();
        return;
      }
      chunks.push(b);
    };
    child.stdout.on('data', keep(out));
    child.stderr.on('data', keep(err));
    child.on('error', (e) => finish({ok: false, error: `cannot start ${bin}: ${e.message}`, exitCode: null, signal: null}));
    child.on('close', (code, signal) => {
      if (overflowed) return finish({ok: false, error: `${bin} printed more than ${formatBytes(C_OUTPUT_CAP_BYTES)} and was killed (resource limit)`, exitCode: code, signal});
      if (timedOut) return finish({ok: false, error: `${bin} timed out after ${o.timeoutSeconds} s and was killed`, exitCode: code, signal});
      const ok = code === 0;
      finish({ok, error: ok ? undefined : `${bin} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`, exitCode: code, signal});
    });
  });
}
