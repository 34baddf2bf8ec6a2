/**
 * What a test needs from the machine (a tool, root's mknod, an OS), and what happens when it is
 * not there: never a silent skip. `scripts/install-system-deps.sh` installs every tool the suite
 * uses, so in CI (`CI` set) a missing tool fails the test: a skip there would hide an incomplete
 * install list. Elsewhere the test is skipped with the reason as the skip's note and as a
 * warning line in the test output.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'vitest';

export interface SkipOptions {
  /**
   * False for what no install provides (another operating system, not being root): skipped
   * loudly in CI too. Default true: CI installs it, so its absence there is a failure.
   */
  readonly installable?: boolean;
}

/** Skips (loudly) or fails the running test when `missing` says what it lacks. */
export function skipWhenMissing(
  ctx: TestContext,
  missing: string | undefined,
  options: SkipOptions = {},
): void {
  if (missing === undefined) return;
  const name = ctx.task.name;
  if (process.env.CI && options.installable !== false) {
    throw new Error(`${name}: ${missing}; CI installs it (scripts/install-system-deps.sh)`);
  }
  console.warn(`SKIPPED "${name}": ${missing}`);
  ctx.skip(missing);
}

/** Why `command args` cannot run (not installed, or it fails), or undefined when it runs. */
export function commandMissing(
  command: string,
  args: readonly string[] = ['--version'],
): string | undefined {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  if (result.error) return `${command} is not installed (${result.error.message})`;
  if (result.status !== 0) return `${command} ${args.join(' ')} failed (exit ${result.status})`;
  return undefined;
}

/**
 * Why a character device node cannot be made here (tests make a private /dev/full with it), or
 * undefined when it can. Only root (CAP_MKNOD) can, and no install changes that.
 */
export function mknodMissing(): string | undefined {
  const probe = join(tmpdir(), `.omnia-mknod-probe-${process.pid}`);
  const result = spawnSync('mknod', [probe, 'c', '1', '7'], { encoding: 'utf8' });
  rmSync(probe, { force: true });
  if (result.error) return `mknod is not installed (${result.error.message})`;
  if (result.status !== 0) {
    return `mknod cannot make a device node here (${result.stderr.trim() || `exit ${result.status}`}); run as root`;
  }
  return undefined;
}
