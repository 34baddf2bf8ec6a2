import type { ChildProcess } from 'node:child_process';

/**
 * Ends an output child (sox play, the speaker process): close its stdin so it plays out what it
 * has and exits, and kill it if it has not exited within `timeoutMs`. Never rejects.
 */
export function endChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin?.end();
  });
}
