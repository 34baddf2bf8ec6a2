import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';

/**
 * Replaces `path` with `text` so that a reader (or a crash, or kill -9) sees either the old
 * file or the new one, never half of it: write a temp file in the same directory (rename is
 * only atomic within one file system), fsync it, rename it over the target.
 *
 * Targets that are not regular files (`/dev/stdout`, a FIFO) are written in place instead:
 * renaming over them would replace the device node rather than write to it. Symlinks are
 * followed so the link keeps pointing at the transcript.
 */
export function writeFileAtomic(path: string, text: string): void {
  let target = path;
  try {
    target = fs.realpathSync(path);
    if (!fs.statSync(target).isFile()) {
      fs.writeFileSync(target, text);
      return;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // Not there yet, or a link to a file not made yet: the file it will be (the link stays).
    target = linkTarget(path);
  }
  const dir = nodePath.dirname(target);
  const temp = nodePath.join(
    dir,
    `.${nodePath.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'w', 0o644);
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(dir);
}

/** Links followed before a chain counts as a loop (Linux's own limit). */
const MAX_LINK_HOPS = 40;

/**
 * Where writing to `path` lands: `path` itself, or, when it is a symbolic link, the end of its
 * chain of links (which may not exist yet: opening the link for writing makes it). Each link is
 * read relative to its own folder. Throws ELOOP for a chain that goes round in a loop.
 */
export function linkTarget(path: string): string {
  let current = path;
  for (let hops = 0; ; hops++) {
    let next: string;
    try {
      next = fs.readlinkSync(current);
    } catch {
      // Not a link (EINVAL), or not there: this is where the data goes.
      return current;
    }
    if (hops === MAX_LINK_HOPS) {
      throw Object.assign(new Error(`too many levels of symbolic links: ${path}`), {
        code: 'ELOOP',
      });
    }
    current = nodePath.resolve(nodePath.dirname(current), next);
  }
}

/** Makes the rename itself durable; not every file system allows it, so failures are ignored. */
function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Best effort only.
  }
}

/** One line naming the path and what went wrong, for the events pane. Never includes secrets. */
export function describeWriteError(path: string, error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exceeded',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOTDIR: 'a part of the path is not a directory',
    // mkdir says EEXIST when a plain file sits where a directory is needed.
    EEXIST: 'a part of the path is not a directory',
    ENOENT: 'the directory does not exist',
    EISDIR: 'the path is a directory',
  };
  const reason = (e?.code && reasons[e.code]) ?? (e instanceof Error ? e.message : String(error));
  return `could not write transcript ${path}: ${reason}`;
}

/**
 * Makes `folder` and the missing folders above it, one level at a time, and returns the ones
 * it made, outermost first. Not `mkdirSync(folder, { recursive: true })`: on Linux (Node 20
 * and 24.22.3 alike) that loops for ever at full CPU, deaf to SIGTERM, under a folder that
 * exists but takes no new entries (`--transcript /proc/nodir/call.md`). Throws the error of the
 * mkdir that failed (its `path` names that folder), after removing the folders it made; a
 * folder made by someone else meanwhile is fine.
 */
export function makeFolders(folder: string): string[] {
  const missing: string[] = [];
  // The path as given, not resolved: `link/../t` is where the kernel puts it, past the link.
  for (let dir = folder; ; dir = nodePath.dirname(dir)) {
    if (fs.existsSync(dir)) break;
    missing.unshift(dir);
    if (nodePath.dirname(dir) === dir) break;
  }
  const made: string[] = [];
  for (const dir of missing) {
    try {
      fs.mkdirSync(dir);
      made.push(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(dir).isDirectory()) {
        continue;
      }
      for (const done of made.reverse()) {
        try {
          fs.rmdirSync(done);
        } catch {
          break;
        }
      }
      throw error;
    }
  }
  return made;
}
