/**
 * The built-in local agent says who it is on every HTTP answer (`X-Omnia-Local-Agent: 1`), so
 * a run pointed at an `omnia-voice serve` by `--api-base` can say things in the local agent's
 * terms: it keeps calls only while it runs (a restarted `serve` knows no earlier call), and has
 * no workspace. The hosts heard saying so in this run are kept, for what is said once that
 * server no longer answers (the `later:` hint after a call record that could not be fetched).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { LOCAL_SERVER } from './command-hint.js';

/** The header the local agent's answers carry. */
export const LOCAL_AGENT_HEADER = 'x-omnia-local-agent';

/** `host:port` of each server that answered as the local agent in this run. */
const heard = new Set<string>();

/** Whether an answer is the local agent's; remembers its host when it is. */
export function noteLocalAgent(url: URL, headers: IncomingHttpHeaders): boolean {
  if (headers[LOCAL_AGENT_HEADER] === undefined) return false;
  heard.add(url.host.toLowerCase());
  return true;
}

/** `host:port` of the API base when a local agent answered there in this run, else undefined. */
export function localAgentHost(apiBase: string): string | undefined {
  try {
    const host = new URL(apiBase.trim()).host.toLowerCase();
    return heard.has(host) ? host : undefined;
  } catch {
    return undefined;
  }
}

/** How messages name the `serve` at `host` (`host:port`): `The local agent at 127.0.0.1:8787`. */
export function localAgentAt(host: string): string {
  return `${LOCAL_SERVER} at ${host}`;
}
