/**
 * The one reader of every input file of every command: nanoBragg's inputs (-hkl, -mat, -sourcefile,
 * -img, -mask, Fdump.bin), traces, images and bundle files.
 *
 * Only regular files are read (or standard input as `-`, where a command allows it): a FIFO would
 * block forever and /dev/zero never ends. The file is opened first and judged by `fstat` on the open
 * descriptor, so what is checked is what is read (no swap between a check by name and the read).
 * O_NONBLOCK makes opening a FIFO without a writer return at once instead of waiting for one.
 * Every input has a size cap; a file over it is refused before any byte is read (exit 10).
 */
import {closeSync, constants, fstatSync, openSync, readSync, type Stats} from 'node:fs';

import {UserError} from '../engine/errors.js';
import {errnoReason} from '../util/errno.js';
import {nodeCrypto} from '../util/lazy-builtins.js';
import {EXIT} from '../util/exit-codes.js';

/** Text inputs (HKL, matrix, source files, traces, manifests): the largest reference input is ~30 MB. */
export const TEXT_INPUT_CAP_BYTES = 256 * 1024 * 1024;
/** Binary inputs (images, Fdump.bin): beyond this a Node Buffer cannot hold them anyway. */
export const BINARY_INPUT_CAP_BYTES = 2 * 1024 * 1024 * 1024 - 1;

export interface InputOptions {
  /** how the file is named in messages (default: the path), e.g. "-hkl x.hkl" */
  label?: string;
  /** 'text' (default) or 'binary', which sets the default cap */
  kind?: 'text' | 'binary';
  /** the size cap in bytes (default from `kind`) */
  capBytes?: number;
  /** `-` means standard input */
  allowStdin?: boolean;
}

/** `1.5 GiB`, `256 MiB`: a byte count for messages. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** An open input: its descriptor and its size, checked on the descriptor itself. */
export interface OpenInput {
  fd: number;
  /** bytes at open time; -1 for standard input that is a pipe (read until its end, within the cap) */
  size: number;
  label: string;
  capBytes: number;
  close(): void;
}

function capOf(o: InputOptions): number {
  return o.capBytes ?? (o.kind === 'binary' ? BINARY_INPUT_CAP_BYTES : TEXT_INPUT_CAP_BYTES);
}

function overCap(label: string, bytes: number | undefined, cap: number): UserError {
  const size = bytes === undefined ? 'more than that' : formatBytes(bytes);
  return new UserError(`${label}: ${size} is over the ${formatBytes(cap)} cap for this input (resource limit); nothing was read`, EXIT.LIMIT);
}

/** Open an input for reading: a regular file (or stdin) under its cap, else UserError naming it (exit 3 or 10). */
export function openInput(path: string, options: InputOptions = {}): OpenInput {
  const label = options.label ?? path;
  const capBytes = capOf(options);
  if (path === '-' && options.allowStdin) {
    const stats = fstatSync(0);
    if (!stats.isFile() && !stats.isFIFO() && !stats.isSocket()) throw new UserError(`${label}: standard input is ${kindOf(stats)}; give a file or a pipe`, EXIT.BAD_INPUT);
    if (stats.isFile() && stats.size > capBytes) throw overCap(label, stats.size, capBytes);
    return {fd: 0, size: stats.isFile() ? stats.size : -1, label, capBytes, close: () => undefined};
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new UserError(`${label}: cannot read (${errnoReason(e, 'read')})`, EXIT.BAD_INPUT);
  }
  const close = () => {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  };
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new UserError(`${label}: is ${kindOf(stats)}; nbparity reads inputs only from regular files`, EXIT.BAD_INPUT);
    if (stats.size > capBytes) throw overCap(label, stats.size, capBytes);
    return {fd, size: stats.size, label, capBytes, close};
  } catch (e) {
    close();
    throw e;
  }
}

/** Read the next chunk into `buf`; 0 at the end. Errors name the input (exit 3). */
export function readChunk(input: OpenInput, buf: Uint8Array): number {
  for (;;) {
    try {
      return readSync(input.fd, buf, 0, buf.length, null);
    } catch (e) {
      // a non-blocking standard input with nothing yet: wait a little and try again
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      throw new UserError(`${input.label}: cannot read (${errnoReason(e, 'read')})`, EXIT.BAD_INPUT);
    }
  }
}

/**
 * Feed an input to `onChunk` in pieces of at most `chunkBytes`, never more than its cap in all
 * (a file that grows while it is read stops counting at the cap: exit 10).
 */
export function streamInput(path: string, onChunk: (chunk: Uint8Array) => void, options: InputOptions = {}, chunkBytes = 1 << 20): void {
  const input = openInput(path, options);
  try {
    const buf = new Uint8Array(chunkBytes);
    let total = 0;
    for (;;) {
      const n = readChunk(input, buf);
      if (n === 0) break;
      total += n;
      if (total > input.capBytes) throw overCap(input.label, undefined, input.capBytes);
      onChunk(buf.subarray(0, n));
    }
  } finally {
    input.close();
  }
}

/** An input's whole bytes (a regular file under its cap, or stdin where allowed). */
export function readInputFile(path: string, options: InputOptions | string = {}): Buffer {
  const o = typeof options === 'string' ? {label: options} : options;
  const input = openInput(path, o);
  try {
    if (input.size >= 0) {
      // the size fstat gave; a file that shrank meanwhile is read as far as it goes
      const out = Buffer.allocUnsafe(input.size);
      let off = 0;
      while (off < out.length) {
        const n = readChunk(input, out.subarray(off));
        if (n === 0) break;
        off += n;
      }
      return off === out.length ? out : out.subarray(0, off);
    }
  } finally {
    input.close();
  }
  const parts: Uint8Array[] = [];
  streamInput(path, (c) => parts.push(Buffer.from(c)), o);
  return Buffer.concat(parts);
}

/** The sha256 of an input, read in pieces (a bundle's files may be large). */
export function hashInput(path: string, options: InputOptions = {}): string {
  const hash = nodeCrypto().createHash('sha256');
  streamInput(path, (c) => hash.update(c), {kind: 'binary', ...options});
  return hash.digest('hex');
}
