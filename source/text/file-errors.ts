/** Why file operations failed, in words, for one-line messages. */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/** The longest name of one file or folder on Linux's file systems (ext4, xfs, btrfs, tmpfs). */
export const NAME_MAX_BYTES = 255;
/** The longest path the kernel takes in one call. */
const PATH_MAX_BYTES = 4096;

/** Reasons that read the same whether the file was being read or written. */
const COMMON: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
};

const READ: Record<string, string> = {
  ...COMMON,
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
};

const WRITE: Record<string, string> = {
  ...COMMON,
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  // mkdir says EEXIST when a plain file sits where a directory is needed.
  EEXIST: 'a part of the path is not a directory',
  ENOENT: 'the directory does not exist',
  EISDIR: 'the path is a directory',
  // A FIFO opened without waiting for a reader, or written after its reader left.
  ENXIO: 'nothing reads from it',
  EPIPE: 'nothing reads from it any more',
  EBADF: 'it is not open for writing',
};

/** Why a file could not be read, in words (`no such file`), else the error's code or message. */
export function readErrorReason(error: unknown): string {
  return reasonIn(READ, error, true);
}

/** Why a write failed, in words (`the disk is full`), else the error's own message. */
export function writeErrorReason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  // makeFolders makes each missing folder under one that exists: mkdir's ENOENT there is a
  // folder that cannot be made (/proc takes none), not a directory that is missing.
  if (e?.code === 'ENOENT' && e.syscall === 'mkdir' && typeof e.path === 'string') {
    return `the folder ${e.path} cannot be made there (${dirname(e.path)} takes no new folders)`;
  }
  // A file that cannot be made in a folder that is there (/proc/1): not a missing directory.
  if (e?.code === 'ENOENT' && e.syscall === 'open' && typeof e.path === 'string') {
    if (isFolder(dirname(e.path))) return `the folder ${dirname(e.path)} takes no new files`;
  }
  return reasonIn(WRITE, error, false);
}

/**
 * ENAMETOOLONG in words: a name over {@link NAME_MAX_BYTES} (the file's own, or a folder's on
 * the way), or a whole path over the kernel's 4096 bytes. Counted in bytes: `é` is two.
 */
function nameTooLong(e: NodeJS.ErrnoException): string {
  const limit = `longer than the file system allows (${NAME_MAX_BYTES} bytes)`;
  const path = e.path;
  if (typeof path !== 'string') return `the name is ${limit}`;
  const parts = path.split('/');
  const last = parts.pop() ?? '';
  // mkdir names a folder on the way to the file.
  if (Buffer.byteLength(last) > NAME_MAX_BYTES) {
    return e.syscall === 'mkdir' ? `a folder name in the path is ${limit}` : `the name is ${limit}`;
  }
  if (parts.some((part) => Buffer.byteLength(part) > NAME_MAX_BYTES)) {
    return `a folder name in the path is ${limit}`;
  }
  if (Buffer.byteLength(path) >= PATH_MAX_BYTES) {
    return `the path is longer than the system allows (${PATH_MAX_BYTES} bytes)`;
  }
  return `the name is ${limit}`;
}

/**
 * An error the app makes about a file, its `reason` in words: said as it is by
 * `writeErrorReason` and `readErrorReason`, with an errno-style `code` kept for callers.
 */
export function fileError(code: string, reason: string, path: string): Error {
  return Object.assign(new Error(reason), { code, path, reason });
}

/** `reasons`' words for the error's code; else its code (`codeFirst`) or its message. */
function reasonIn(reasons: Record<string, string>, error: unknown, codeFirst: boolean): string {
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ENAMETOOLONG') return nameTooLong(e);
  // An error the app made with its reason in words (a read-only file it will not replace, a
  // FIFO nothing reads from after a wait): said as it is.
  const own = (error as { reason?: unknown })?.reason;
  if (typeof own === 'string') return own;
  const known = e?.code ? reasons[e.code] : undefined;
  if (known) return known;
  if (codeFirst && e?.code) return e.code;
  if (!(e instanceof Error)) return String(error);
  // Node's "EIO: i/o error, open '<path>'" and "EFBIG: file too large, write": the words only
  // (the path may be a temporary file's; the system call is not the user's business).
  if (!e.code) return e.message;
  return e.message.replace(/^[A-Z]+:\s*/, '').replace(/,\s*\w+(\s+'.*)?$/s, '') || e.code;
}

function isFolder(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}
