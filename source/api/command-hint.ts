/**
 * The commands messages tell a user to run (`See them with: omnia-voice voices …`), written to
 * ask the server the run asked: with `--api-base <url>` for any base but Omnia's own, with
 * `--local` for the built-in local agent (with a key configured, the command alone asks Omnia).
 * Without it, a command run as printed after an `--api-base` run asked another server.
 */
import { DEFAULT_API_BASE } from './default-base.js';

/** How messages name the built-in local agent when it answers. */
export const LOCAL_SERVER = 'The local agent';

/** Who a run asked: its API base, and `server` when it was the built-in local agent. */
export interface HintTarget {
  readonly apiBase?: string | undefined;
  readonly server?: string | undefined;
}

/** The API base as a command may name it: none for Omnia's own; never a user or password. */
export function shownApiBase(apiBase: string | undefined): string | undefined {
  const trimmed = apiBase?.trim().replace(/\/+$/, '');
  if (!trimmed || trimmed === DEFAULT_API_BASE) return undefined;
  try {
    const url = new URL(trimmed);
    url.username = '';
    url.password = '';
    return url.href.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

/** `omnia-voice <words>`, asking the server `target` names (`--local`, `--api-base <url>`). */
export function commandFor(target: HintTarget | undefined, words: string): string {
  if (target?.server !== undefined) return `omnia-voice ${words} --local`;
  const base = shownApiBase(target?.apiBase);
  return `omnia-voice ${words}${base ? ` --api-base ${base}` : ''}`;
}

/**
 * Who a command asks as far as its flags say (`--local`, `--api-base`), for a mistake said
 * before the settings are read: a base from the environment or the config file is read again by
 * the command a user runs, a flag is not.
 */
export function flagTarget(flags: {
  readonly apiBase?: string | undefined;
  readonly local?: boolean | undefined;
}): HintTarget {
  return flags.local ? { server: LOCAL_SERVER } : { apiBase: flags.apiBase };
}
