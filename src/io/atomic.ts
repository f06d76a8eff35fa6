/**
 * Atomic file replacement: readers see either the old file or the complete new
 * one, never a partial write, even if the process dies mid-way. Every output
 * file of the project goes through here.
 *
 * The data goes to a temporary name in the destination folder (rename is only
 * atomic within one file system), is fsynced, then renamed over the target.
 * On any failure the temporary file is removed and the error rethrown, as a
 * `FileWriteError` that names the target (never the temporary name, which means
 * nothing to the user) and keeps the system error code.
 *
 * Output targets that are not regular files (see `outputTarget`): a symlink's target is replaced
 * and the link kept; a FIFO or device is written directly once everything is staged; a socket is
 * refused. Every temporary file is registered with onInterrupt while it exists.
 *
 * A run with several outputs stages them all first (`writeFilesAtomic`) and renames
 * them only when every one has been written, so a failure on the last output leaves
 * the earlier ones as they were.
 */
import {constants, lstatSync, mkdirSync, readlinkSync, rmdirSync, rmSync, statSync} from 'node:fs';
import {open, readFile, rename, rm, type FileHandle} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {basename, dirname, join, resolve} from 'node:path';

import {UserError} from '../engine/errors.js';
import {errnoReason} from '../util/errno.js';
import {EXIT} from '../util/exit-codes.js';
import {onInterrupt} from './interrupt.js';

/**
 * Random hex digits for a temporary name. Not node:crypto (loading it costs a run ~4 ms): the
 * name needs no secrecy, as temporary files are created with O_EXCL ('wx'), which neither follows
 * a link nor opens a file someone placed there; a clash fails the write, it never misdirects it.
 */
const randomHex = (digits: number): string => Array.from({length: digits}, () => Math.floor(Math.random() * 16).toString(16)).join('');

/** a file's contents: text (UTF-8), bytes, or bytes in pieces written one after the other */
type Data = string | Uint8Array | readonly Uint8Array[];

/**
 * An output that could not be written (exit 6, like every output of every command); `code` is the
 * system error code (ENOENT, EACCES...).
 */
export class FileWriteError extends UserError {
  readonly code: string | undefined;
  constructor(
    readonly path: string,
    cause: unknown,
    what = 'cannot write',
  ) {
    super(`${path}: ${what} (${errnoReason(cause, 'write')})`, EXIT.CANNOT_WRITE);
    this.name = 'FileWriteError';
    this.code = (cause as NodeJS.ErrnoException)?.code;
  }
}

function tempNameFor(path: string): string {
  // Hidden, unique per process and call, so concurrent writers never share one.
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomHex(12)}.tmp`);
}

/**
 * Byte ranges [start, end) of an output, in file positions, known to hold zeros: they are not
 * written at all. A staging file is always new, so bytes never written read as zeros (a hole in
 * the file, or zeros the file system writes itself where it has no holes); `finish` extends the
 * file over a zero range at its end. Neither the caller's buffer there, never touched (an
 * image outside its region of interest), nor a block of zeros is read: the kernel would fault
 * in a page for every 4 KiB of it and copy it, which on some hosts costs more than the render.
 */
export type ZeroRanges = ReadonlyArray<readonly [number, number]>; // ascending, not overlapping

/** `bytes` at `position`, except the parts inside `zeros`, which are left unwritten. */
async function writeKnowingZeros(file: StagingFile, bytes: Uint8Array, position: number, zeros: ZeroRanges): Promise<void> {
  const end = position + bytes.length;
  let at = position;
  for (const [z0, z1] of zeros) {
    const from = Math.max(z0, at);
    const to = Math.min(z1, end);
    if (from >= to) continue;
    if (from > at) await file.writeAt(bytes.subarray(at - position, from - position), at);
    at = to;
  }
  if (at < end) await file.writeAt(bytes.subarray(at - position), at);
  file.extendTo(end);
}

function pieces(data: Data): readonly Uint8Array[] {
  return typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
}

/** A complete temporary copy of one output, waiting to be renamed over its target. */
export interface StagedFile {
  path: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * A temporary file beside `path`, written piece by piece at given offsets (for an output whose
 * bytes become final over time, like a frame's rows), then fsynced and closed by `finish`.
 * Any failure removes the temporary file and throws a FileWriteError naming `path`.
 */
export interface StagingFile {
  writeAt(data: Uint8Array, position: number): Promise<void>;
  /** the file is at least `bytes` long when finished; bytes never written read as zeros */
  extendTo(bytes: number): void;
  finish(): Promise<StagedFile>;
  /** give up: close and remove the temporary file */
  abandon(): Promise<void>;
}

/**
 * Where an output really goes. A symbolic link is followed (link after link, as open(2) would) and
 * its target is replaced, through a temporary file in the target's folder: the link stays a link.
 * A FIFO or a character or block device (an existing one: a name that does not exist is a new
 * regular file) is written directly, as a shell's `>` would, once every output is complete; a
 * rename would replace it by a regular file. A socket cannot be opened and is refused.
 */
export interface OutputTarget {
  /** the path that is written: the final target of any chain of links */
  path: string;
  kind: 'file' | 'special';
}

export function outputTarget(path: string): OutputTarget {
  let p = resolve(path);
  for (let hops = 0; ; hops++) {
    let st;
    try {
      st = lstatSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {path: p, kind: 'file'};
      throw new FileWriteError(path, e);
    }
    if (st.isSymbolicLink()) {
      if (hops >= 40) throw new FileWriteError(path, {code: 'ELOOP'});
      p = resolve(dirname(p), readlinkSync(p));
      continue;
    }
    if (st.isDirectory()) throw new FileWriteError(path, {code: 'EISDIR'});
    if (st.isSocket()) throw new FileWriteError(path, new Error('is a socket, which cannot be written as a file'));
    if (st.isFIFO() || st.isCharacterDevice() || st.isBlockDevice()) return {path: p, kind: 'special'};
    return {path: p, kind: 'file'};
  }
}

/** A temporary file that an interrupt (SIGINT/SIGTERM) removes while it exists. */
function guardTemp(tmp: string): () => void {
  return onInterrupt(() => rmSync(tmp, {force: true}));
}

/**
 * Copy a finished temporary file into a FIFO or device, sequentially (no positions: a pipe has
 * none). O_NONBLOCK at open: a FIFO without a reader fails at once (ENXIO) instead of hanging;
 * a full pipe (EAGAIN) is waited for.
 */
async function copyIntoSpecial(tmp: string, target: string): Promise<void> {
  const out = await open(target, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const data = await readFile(tmp);
    for (let off = 0; off < data.length; ) {
      try {
        off += (await out.write(data, off, Math.min(data.length - off, 1 << 16))).bytesWritten;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        await new Promise((r) => setTimeout(r, 2));
      }
    }
  } finally {
    await out.close().catch(() => undefined);
  }
}

export async function openStaging(path: string): Promise<StagingFile> {
  let target: OutputTarget;
  try {
    target = outputTarget(path);
  } catch (error) {
    if (error instanceof FileWriteError) throw error;
    throw new FileWriteError(path, error);
  }
  // a FIFO or device has no folder of ours to stage in: the system's temporary folder then
  const tmp = target.kind === 'file' ? tempNameFor(target.path) : join(tmpdir(), `.nbparity-${basename(target.path)}.${process.pid}.${randomHex(12)}.tmp`);
  let handle: FileHandle | undefined;
  let forget: (() => void) | undefined;
  const removeTmp = async () => {
    await rm(tmp, {force: true}).catch(() => undefined);
    forget?.();
  };
  const failed = async (error: unknown): Promise<never> => {
    await handle?.close().catch(() => undefined);
    handle = undefined;
    await removeTmp();
    throw new FileWriteError(path, error);
  };
  try {
    forget = guardTemp(tmp);
    handle = await open(tmp, 'wx', 0o644);
  } catch (error) {
    return failed(error);
  }
  let written = 0;
  let length = 0;
  return {
    async writeAt(bytes, position) {
      written = Math.max(written, position + bytes.length);
      try {
        for (let off = 0; off < bytes.length; ) {
          const {bytesWritten} = await handle!.write(bytes, off, bytes.length - off, position + off);
          off += bytesWritten;
        }
      } catch (error) {
        await failed(error);
      }
    },
    extendTo(bytes) {
      length = Math.max(length, bytes);
    },
    async finish() {
      try {
        if (length > written) await handle!.truncate(length);
        await handle!.sync();
        await handle!.close();
        handle = undefined;
      } catch (error) {
        await failed(error);
      }
      return {
        path,
        async commit() {
          try {
            if (target.kind === 'special') await copyIntoSpecial(tmp, target.path);
            else await rename(tmp, target.path);
            forget?.();
          } catch (error) {
            await removeTmp();
            throw new FileWriteError(path, error);
          } finally {
            if (target.kind === 'special') await removeTmp();
          }
        },
        async discard() {
          await removeTmp();
        },
      };
    },
    async abandon() {
      await handle?.close().catch(() => undefined);
      handle = undefined;
      await removeTmp();
    },
  };
}

/** Write `data` to a temporary file beside `path` (fsynced); nothing at `path` changes yet. */
export async function stageFile(path: string, data: Data, zeros: ZeroRanges = []): Promise<StagedFile> {
  const staging = await openStaging(path);
  let at = 0;
  for (const piece of pieces(data)) {
    await writeKnowingZeros(staging, piece, at, zeros);
    at += piece.length;
  }
  return staging.finish();
}

/** Write `data` to `path` atomically (temporary file, fsync, rename). */
export async function writeFileAtomic(path: string, data: Data): Promise<void> {
  await (await stageFile(path, data)).commit();
}

/**
 * Several outputs, all or nothing as far as the file system allows. Each is staged as soon as
 * it is added (so its writing overlaps whatever the caller does next); `commit` waits for all,
 * then renames them into place in the order they were added. If any failed to stage, every
 * target is left untouched. `discard` drops them all (the caller failed before committing).
 */
export class StagingBatch {
  private readonly staged: Array<Promise<PromiseSettledResult<StagedFile>>> = [];
  /** the `end` of every stream, so that `discard` can finish streams the caller abandoned */
  private readonly ends: Array<() => void> = [];

  add(staging: Promise<StagedFile>): void {
    this.staged.push(staging.then((value) => ({status: 'fulfilled', value}), (reason: unknown) => ({status: 'rejected', reason})));
  }

  stage(path: string, data: Data, zeros: ZeroRanges = []): void {
    this.add(stageFile(path, data, zeros));
  }

  /**
   * An output written in pieces while the caller works on (`write` at byte offsets), staged by
   * `end`. It takes its place in the commit order now, when it is opened.
   */
  stream(path: string): {write(data: Uint8Array, position: number, zeros?: ZeroRanges): void; end(): void} {
    let chain = openStaging(path);
    const quiet = () => chain.catch(() => undefined); // failures surface in commit, not as unhandled rejections
    quiet();
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    this.ends.push(end);
    this.add(ended.then(async () => (await chain).finish()));
    return {
      write(data, position, zeros = []) {
        chain = chain.then(async (file) => {
          await writeKnowingZeros(file, data, position, zeros);
          return file;
        });
        quiet();
      },
      end,
    };
  }

  async commit(): Promise<void> {
    const results = await Promise.all(this.staged);
    const staged = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      for (const s of staged) await s.discard();
      throw failed.reason;
    }
    for (let i = 0; i < staged.length; i++) {
      try {
        await staged[i].commit();
      } catch (error) {
        for (const s of staged.slice(i + 1)) await s.discard();
        throw error;
      }
    }
  }

  async discard(): Promise<void> {
    for (const end of this.ends) end();
    for (const r of await Promise.all(this.staged)) if (r.status === 'fulfilled') await r.value.discard();
  }
}

export async function writeFilesAtomic(files: Array<{path: string; data: Data}>): Promise<void> {
  const batch = new StagingBatch();
  for (const f of files) batch.stage(f.path, f.data);
  await batch.commit();
}

/**
 * `mkdir -p` that returns the folders it created (outermost first), so a caller can remove
 * them again after a failure. Not Node's `mkdir({recursive: true})`: that loops forever when
 * mkdir fails with ENOENT under an existing parent (e.g. anywhere under /proc, Node 20).
 */
export function makeFolders(dir: string): string[] {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    let s;
    try {
      s = statSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new FileWriteError(d, e, 'cannot create the folder');
    }
    if (s) {
      if (!s.isDirectory()) throw new FileWriteError(d, {code: 'ENOTDIR'}, 'cannot create a folder under it');
      break;
    }
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  const created: string[] = [];
  for (const d of missing) {
    try {
      mkdirSync(d);
      created.push(d);
    } catch (e) {
      let isDir = false;
      try {
        isDir = (e as NodeJS.ErrnoException).code === 'EEXIST' && lstatSync(d).isDirectory();
      } catch {
        isDir = false;
      }
      if (isDir) continue;
      removeFolders(created);
      throw new FileWriteError(d, e, 'cannot create the folder');
    }
  }
  return created;
}

/** Remove folders made by makeFolders, innermost first, each only if it is empty. */
export function removeFolders(created: string[]): void {
  for (const d of [...created].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // not empty or already gone: leave it
    }
  }
}
