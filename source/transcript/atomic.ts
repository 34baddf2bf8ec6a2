import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileError, NAME_MAX_BYTES, writeErrorReason } from '../text/file-errors.js';
import { writeFifoNow } from './fifo.js';
import { formatFromPath, type TranscriptFormat } from './format.js';

/**
 * The format of a transcript at `path`: the one its extension names; for a stream or a device
 * (`/dev/stdout`, `/dev/fd/3`, a FIFO, a terminal), which needs no extension, `fallback` (the
 * `transcriptFormat` setting). Otherwise throws {@link formatFromPath}'s message.
 */
export function formatForPath(path: string, fallback: TranscriptFormat): TranscriptFormat {
  try {
    return formatFromPath(path);
  } catch (error) {
    if (isStreamPath(path) || isDevice(path)) return fallback;
    throw error;
  }
}

/**
 * A path written as a stream, never rewritten or renamed over: one of the process's own
 * descriptors by name (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`: whatever
 * is behind it, a redirected file included), a FIFO or a socket. (A device, such as a terminal
 * by its name, is written in place, whole, at each write.)
 */
export function isStreamPath(path: string): boolean {
  if (descriptorOf(path) !== undefined) return true;
  const stats = statOf(path);
  return stats !== undefined && (stats.isFIFO() || stats.isSocket());
}

/**
 * Appends `text` to a stream (`isStreamPath`). One of the process's descriptors by name is
 * written through that descriptor, not opened again: behind it may be a socket (a parent that
 * spawned the app with pipes), which cannot be opened by name. stdout and stderr go through
 * `process.stdout`/`process.stderr` (synchronous on Linux for files, pipes and terminals, and
 * through the key's scrubber like every other byte).
 */
export function appendToStream(path: string, text: string): void {
  const fd = descriptorOf(path);
  if (fd === 1) process.stdout.write(text);
  else if (fd === 2) process.stderr.write(text);
  else if (fd !== undefined) {
    const bytes = Buffer.from(text, 'utf8');
    for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at);
  } else {
    // A FIFO (or a socket) by its name: never waited on; see fifo.ts.
    writeFifoNow(path, text);
  }
}

/** The descriptor a path names (`/dev/stdout` → 1, `/dev/fd/3` → 3), if it names one. */
export function descriptorOf(path: string): number | undefined {
  if (path === '/dev/stdout') return 1;
  if (path === '/dev/stderr') return 2;
  const match = /^(?:\/dev\/fd|\/proc\/self\/fd)\/(\d+)$/.exec(path);
  return match ? Number(match[1]) : undefined;
}

/** A path that is there and is no regular file, folder, FIFO or socket: a device. */
function isDevice(path: string): boolean {
  const stats = statOf(path);
  return stats !== undefined && (stats.isCharacterDevice() || stats.isBlockDevice());
}

function statOf(path: string): fs.Stats | undefined {
  try {
    return fs.statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

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
  // Through the link itself: `/dev/stdout` on a pipe resolves to no path (`pipe:[…]`).
  const stats = fs.statSync(path, { throwIfNoEntry: false });
  if (stats && !stats.isFile()) {
    // A FIFO must not be waited on (its open blocks until a reader comes, deaf to signals).
    if (stats.isFIFO()) writeFifoNow(path, text);
    else fs.writeFileSync(path, text);
    return;
  }
  // Renamed over, a read-only file would be replaced all the same (the folder allows it).
  const locked = stats ? lockedReason(path, stats) : undefined;
  if (locked) throw fileError('ELOCKED', locked, path);
  let target = path;
  try {
    target = fs.realpathSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // Not there yet, or a link to a file not made yet: the file it will be (the link stays).
    target = linkTarget(path);
  }
  const dir = nodePath.dirname(target);
  const temp = nodePath.join(
    dir,
    sideName(nodePath.basename(target), `${process.pid}.${randomBytes(4).toString('hex')}.tmp`),
  );
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx', 0o644);
    // The file replaced keeps its mode (a 600 transcript stays private) and, where this
    // process may give it, its owner and group: the new file is the same file to its readers.
    if (stats) keepOwnership(fd, stats);
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

/** `stats`' mode and owner on the file open at `fd`; the owner as far as allowed. */
function keepOwnership(fd: number, stats: fs.Stats): void {
  fs.fchmodSync(fd, stats.mode & 0o7777);
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (stats.uid === uid && stats.gid === gid) return;
  try {
    fs.fchownSync(fd, stats.uid, stats.gid);
  } catch {
    try {
      // Not root: the group may still be one of this user's.
      fs.fchownSync(fd, -1, stats.gid);
    } catch {
      // The file becomes this user's, with the mode it had.
    }
  }
}

/**
 * Why a regular file that is there must not be replaced, in words; undefined when it may be. A
 * file whose owner may not write it (`chmod 444`, made so to keep it) is read-only, even to
 * root, who could; one this process may not write (someone else's) is not this process's to
 * replace, though its folder would let a rename do it.
 */
export function lockedReason(path: string, stats: fs.Stats): string | undefined {
  const uid = process.getuid?.();
  const ours = uid === undefined || uid === 0 || uid === stats.uid;
  const mode = (stats.mode & 0o777).toString(8);
  if (ours && (stats.mode & 0o200) === 0) return `it is read-only (mode ${mode})`;
  try {
    fs.accessSync(path, fs.constants.W_OK);
    return undefined;
  } catch {
    return 'permission denied';
  }
}

/** An error for a file {@link lockedReason} refuses: its message is the reason. */
/**
 * A hidden file's name beside `name` (`.call.md.1234.tmp`), for a temporary file or a probe:
 * `name` is cut so the whole stays within the file system's 255 bytes, or a file whose own
 * name is near the limit could not be written at all (ENAMETOOLONG for the temporary file).
 */
export function sideName(name: string, suffix: string): string {
  const room = NAME_MAX_BYTES - Buffer.byteLength(`..${suffix}`);
  // Whole characters off the end until it fits (a cut never splits a UTF-8 sequence).
  const chars = Array.from(name);
  while (chars.length > 0 && Buffer.byteLength(chars.join('')) > room) chars.pop();
  return `.${chars.join('')}.${suffix}`;
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
  return `could not write transcript ${path}: ${writeErrorReason(error)}`;
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
