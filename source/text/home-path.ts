/**
 * A leading `~` as the home folder, for every path the user gives: flags after `=` (where the
 * shell leaves it), and values from the environment, `.env` and the config file, which never
 * pass through a shell at all.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `~` and `~/…` under the home folder; anything else (`~user`, `a/~`) as it is. */
export function expandHome(value: string, home: string = homedir()): string {
  if (value === '~') return home;
  if (value.startsWith('~/')) return join(home, value.slice(2));
  return value;
}

/**
 * `path` with the home folder written `~` (`~/.config/omnia-voice/config.json`), for a path
 * shown in a line with little room; `expandHome` reads it back. Others as they are.
 */
export function shortHome(path: string, home: string = homedir()): string {
  if (home === '' || home === '/') return path;
  const base = home.endsWith('/') ? home.slice(0, -1) : home;
  if (path === base) return '~';
  return path.startsWith(`${base}/`) ? `~${path.slice(base.length)}` : path;
}
