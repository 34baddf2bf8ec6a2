/** Why file operations failed, in words, for one-line messages. */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

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

/** `reasons`' words for the error's code; else its code (`codeFirst`) or its message. */
function reasonIn(reasons: Record<string, string>, error: unknown, codeFirst: boolean): string {
  const e = error as NodeJS.ErrnoException;
  const known = e?.code ? reasons[e.code] : undefined;
  if (known) return known;
  if (codeFirst && e?.code) return e.code;
  return e instanceof Error ? e.message : String(error);
}

function isFolder(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}
