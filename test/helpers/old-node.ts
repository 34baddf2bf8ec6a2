/**
 * A Node.js older than the project's minimum (22) on this machine, for the tests of what is said
 * on one: the machine's own `node` where set-up provisioned .tools/node because it was older.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** An older Node's path, or undefined when none is on PATH (or in /usr/bin, /usr/local/bin). */
export function olderNode(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/bin', '/usr/bin'];
  for (const dir of dirs) {
    const node = join(dir, 'node');
    if (!dir || !existsSync(node)) continue;
    const result = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (result.status === 0 && Number(result.stdout.split('.')[0]) < 22) return realpathSync(node);
  }
  return undefined;
}

/** The skip note for a machine with no older Node. */
export const NO_OLDER_NODE = 'no Node.js older than 22 on this machine to run it on';
