/**
 * Atomic file replacement: readers see either the old file or the complete new
 * one, never a partial write, even if the process dies mid-way. Every output
 * file of the project goes through here.
 *
 * The data goes to a temporary name in the destination folder (rename is only
 * atomic within one file system), is fsynced, then renamed over the target.
 * On any failure the temporary file is removed and the error rethrown.
 */
import {closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync} from 'node:fs';
import {open, rename, rm} from 'node:fs/promises';
import {randomBytes} from 'node:crypto';
import {basename, dirname, join} from 'node:path';

type Data = string | Uint8Array;

function tempNameFor(path: string): string {
  // Hidden, unique per process and call, so concurrent writers never share one.
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function toBytes(data: Data): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Write `data` to `path` atomically (temporary file, fsync, rename). */
export async function writeFileAtomic(path: string, data: Data): Promise<void> {
  const tmp = tempNameFor(path);
  const bytes = toBytes(data);
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      let off = 0;
      while (off < bytes.length) {
        const {bytesWritten} = await handle.write(bytes, off, bytes.length - off);
        off += bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, {force: true}).catch(() => undefined);
    throw error;
  }
}

/** Synchronous twin of writeFileAtomic, for code paths that cannot await. */
export function writeFileAtomicSync(path: string, data: Data): void {
  const tmp = tempNameFor(path);
  const bytes = toBytes(data);
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, {force: true});
    throw error;
  }
}
