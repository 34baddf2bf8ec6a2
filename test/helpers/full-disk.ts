/**
 * Disks that fill, for tests of files written during a call (`--record`, an output WAV). Two
 * ways, each with what it needs:
 *
 * - {@link mountTinyDisk}: a real full disk, a tmpfs of a few KB on a fresh folder. Writes past
 *   its size fail with ENOSPC, and what was written stays readable (a private /dev/full, the
 *   transcript tests' way, takes no byte at all, so a header fixed after the fault could not be
 *   checked). Mounting needs root, as mknod does.
 * - {@link fileSizeLimit}: `prlimit --fsize`, for any user: a write past the limit fails with
 *   EFBIG (Node ignores SIGXFSZ), another write error than a full disk.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { commandMissing } from './requires.js';

/** A mounted tmpfs; `unmount` is safe to call twice. */
export interface TinyDisk {
  readonly dir: string;
  unmount(): void;
}

/**
 * A tmpfs of `bytes` mounted on `<parent>/tiny`, or why it cannot be (not root, no mount). The
 * caller unmounts it (afterEach).
 */
export function mountTinyDisk(parent: string, bytes: number): TinyDisk | string {
  const dir = join(parent, 'tiny');
  mkdirSync(dir, { recursive: true });
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (result.error) return `mount cannot run (${result.error.message})`;
  if (result.status !== 0) {
    return `a tmpfs cannot be mounted here (${result.stderr.trim() || `exit ${result.status}`}); run as root`;
  }
  let mounted = true;
  return {
    dir,
    unmount: () => {
      if (!mounted) return;
      mounted = false;
      // Only an unmounted folder is removed: removing files of a disk still mounted (busy: a
      // process left holding a file) would empty it and then fail with EBUSY.
      const umount = spawnSync('umount', [dir], { encoding: 'utf8' });
      if (umount.status !== 0) {
        console.warn(`the test disk ${dir} stays mounted: ${umount.stderr.trim()}`);
        return;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the disk `dir` is on with one file, to the last byte it takes (writes until ENOSPC). */
export function fillDisk(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  const block = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

/** Why `prlimit` cannot run here, or undefined when it can. */
export function prlimitMissing(): string | undefined {
  return commandMissing('prlimit', ['--version']);
}

/** The command and arguments that run `command args` with files limited to `bytes`. */
export function fileSizeLimit(
  bytes: number,
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  return { command: 'prlimit', args: [`--fsize=${bytes}`, command, ...args] };
}
