/**
 * Where the API commands (`agents`, `voices`, `languages`, `calls`) send their requests: Omnia
 * with the configured key, or, with no key and no `--api-base`, the built-in local agent
 * started for the length of the command (as a call would).
 */
import { type ApiTarget, LOCAL_SERVER } from '../../api/request.js';
import { addSecret, onCleanup } from '../../app/lifecycle.js';

/** The flags every API command takes. */
export interface ApiFlags {
  apiBase?: string;
  local?: boolean;
}

/** The resolved target, and whether it is the in-process local agent. */
export interface CommandApi {
  readonly api: ApiTarget;
  readonly local: boolean;
}

/** Resolves settings as a call does (flags > env > .env > config > defaults). */
export async function commandApi(
  flags: ApiFlags,
  err: (line: string) => void,
): Promise<CommandApi> {
  const { resolveSettings } = await import('../../config/resolve.js');
  const { readConfig } = await import('../../config/read.js');
  const { settings, sources, from, warnings } = resolveSettings({
    flags: { apiBase: flags.apiBase },
    env: process.env,
    cwd: process.cwd(),
    config: readConfig(),
    keyUnused: Boolean(flags.local),
  });
  addSecret(settings.apiKey);
  for (const warning of warnings) err(`warning: ${warning}`);
  const local = Boolean(flags.local) || (!settings.apiKey && sources.apiBase === 'default');
  if (!local) {
    return {
      api: {
        apiBase: settings.apiBase,
        apiBaseFrom: from.apiBase,
        ...(settings.apiKey ? { apiKey: settings.apiKey, keyFrom: from.apiKey } : {}),
      },
      local: false,
    };
  }
  const { startLocalAgent } = await import('../../local-agent/index.js');
  const agent = await startLocalAgent({});
  onCleanup(() => agent.close());
  err(
    settings.apiKey
      ? 'Using the built-in local agent (--local).'
      : 'No API key configured: asking the built-in local agent. Set OMNIA_API_KEY to ask Omnia.',
  );
  return { api: { apiBase: agent.baseUrl, server: LOCAL_SERVER }, local: true };
}

/** The exit code for a failed command: 2 for the user's mistakes, 1 for everything else. */
export function exitCodeFor(error: unknown): number {
  return error instanceof Error && (error.name === 'UsageError' || error.name === 'ConfigError')
    ? 2
    : 1;
}
