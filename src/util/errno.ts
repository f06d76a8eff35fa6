/** System error codes as one short phrase, the same wording for every file a command names. */

const READ: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EISDIR: 'is a folder',
};

const WRITE: Record<string, string> = {
  ENOENT: 'no such folder',
  EEXIST: 'exists and is not a folder',
  EISDIR: 'is a folder',
};

const COMMON: Record<string, string> = {
  ENOTDIR: 'a path component is not a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  ENOTEMPTY: 'exists and is not empty',
  EPIPE: 'the reader closed the pipe',
  EFBIG: 'file too large',
  ENXIO: 'a FIFO with no reader, or a device that is not there',
};

/** `ENOENT: no such file or folder` (or just the code, or the error's message when it has none). */
export function errnoReason(error: unknown, purpose: 'read' | 'write'): string {
  const e = error as NodeJS.ErrnoException | undefined;
  const code = e?.code;
  if (typeof code !== 'string') return String((e as Error | undefined)?.message ?? error);
  const text = (purpose === 'read' ? READ : WRITE)[code] ?? COMMON[code];
  return text ? `${code}: ${text}` : code;
}
