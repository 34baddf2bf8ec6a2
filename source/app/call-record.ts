/**
 * After a call: its record from Omnia (`GET /calls/{id}`), polled until complete, for the
 * end-of-call summary and the transcript files. Abortable, so a key or Ctrl+C skips the wait.
 */

import { commandFor } from '../api/command-hint.js';
import { localAgentHost } from '../api/local-serve.js';
import type { CallRecordFacts } from '../api/record-facts.js';
import type { ApiTarget } from '../api/request.js';
import { onThisMachine } from '../api/this-machine.js';
import type { CallSummary } from '../transcript/summary.js';

/** What the summary gets: the record (maybe still incomplete), and a note when it falls short. */
export interface RecordOutcome {
  readonly record?: CallRecordFacts;
  /** One line: skipped, not complete in time, or why the fetch failed. */
  readonly note?: string;
}

export interface FetchRecordOptions {
  /** Aborting skips the rest of the wait: the outcome says it was skipped. */
  readonly signal?: AbortSignal;
  /** Longest wait for a complete record (default 20 s). */
  readonly maxWaitMs?: number;
  /** Pause between polls (default 1 s). */
  readonly pollMs?: number;
  /** Told before each request (1, 2, …). */
  readonly onPoll?: (attempt: number) => void;
  /**
   * The call ended because its server stopped answering (the keep-alive gave it up), and the
   * API base is on the same host as the call's socket ({@link sameHost}): the record is asked for
   * once, for {@link LOST_SERVER_RECORD_MS} at most, not waited for.
   */
  readonly serverLost?: boolean;
}

/**
 * How long the record of a call whose server stopped answering is asked for, once: a server
 * that answers again at once still gives it; one still frozen does not hold the end for 20 s.
 */
export const LOST_SERVER_RECORD_MS = 3_000;

/** Why the record of a call whose server stopped answering was not waited for. */
const NOT_WAITED =
  'asked once, not waited for, as the server had stopped answering during the call';

/** The line shown while the record is fetched. */
export const FETCHING_RECORD_LINE = 'fetching the call record… (Ctrl+C skips)';

/**
 * Fetches the call's record, polling until Omnia has finished it (a record stays incomplete for
 * a few seconds after the call), within a bound. Never rejects: problems become the note.
 */
export async function fetchCallRecord(
  api: ApiTarget,
  callId: string,
  options: FetchRecordOptions = {},
): Promise<RecordOutcome> {
  const later = laterHint(api, callId);
  // The API modules pull in zod: loaded when the call is over, not while it starts.
  const [{ waitForCallRecord, recordFacts, serverStopped }, { ApiError }] = await Promise.all([
    import('../api/call-logs.js'),
    import('../api/errors.js'),
  ]);
  const { serverLost, ...wait } = options;
  const onceMs = Math.min(LOST_SERVER_RECORD_MS, options.maxWaitMs ?? LOST_SERVER_RECORD_MS);
  try {
    const { log, complete } = await waitForCallRecord(
      api,
      callId,
      serverLost ? { ...wait, once: true, maxWaitMs: onceMs } : wait,
    );
    const record = recordFacts(log);
    if (complete) return { record };
    if (serverLost) return { record, note: `not complete yet; ${NOT_WAITED}${later}` };
    const waited = Math.round((options.maxWaitMs ?? 20_000) / 1000);
    return { record, note: `not complete after ${waited} s${later}` };
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'cancelled') {
      return { note: `skipped${later}` };
    }
    if (serverLost && error instanceof ApiError && error.kind === 'timeout') {
      return {
        note: `could not be fetched: no answer in ${onceMs / 1000} s; ${NOT_WAITED}${later}`,
      };
    }
    const message = error instanceof Error ? error.message : String(error);
    const why = serverLost ? `; ${NOT_WAITED}` : '';
    // A stopped local agent took its calls with it: no later command reads this one.
    const after = serverStopped(error) && localAgentHost(api.apiBase) ? `; ${FORGOTTEN}` : later;
    return { note: `could not be fetched: ${message.replace(/\.$/, '')}${why}${after}` };
  }
}

/**
 * Whether the API base and the call's socket are on the same host (name and port; every name
 * of this machine, `127.0.0.1`, `localhost`, `::1`, counts as one): a server that stopped
 * answering the socket is then the one the record would be asked of. Omnia's REST and socket
 * hosts may differ, and then the REST API is not taken to be gone with the socket.
 */
export function sameHost(apiBase: string, websocketUrl: string): boolean {
  const a = hostOf(apiBase);
  const b = hostOf(websocketUrl);
  return a !== undefined && a === b;
}

/** `name:port` of a URL, the port filled in from its scheme, loopback names as one. */
function hostOf(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const port = url.port || (secure ? '443' : '80');
  const name = onThisMachine(url) ? 'loopback' : url.hostname.toLowerCase();
  return `${name}:${port}`;
}

/**
 * `; later: omnia-voice calls show <id>`, where the record can be read later: not from the
 * built-in local agent, whose calls end with the app (a later `calls` asks a new one). With an
 * API base of its own (`--api-base`, a `serve`), the command names it: without, it asked Omnia.
 * A `serve` (its answers say so) keeps its calls only while it runs, and the hint says so:
 * `; later, while the local agent at 127.0.0.1:8787 runs: omnia-voice calls show <id> --api-base …`.
 */
export function laterHint(api: ApiTarget, callId: string): string {
  if (api.server !== undefined) return '';
  const command = commandFor(api, `calls show ${callId}`);
  // An `omnia-voice serve` (its answers say so) keeps its calls only while it runs.
  const serve = localAgentHost(api.apiBase);
  if (serve !== undefined) return `; later, while the local agent at ${serve} runs: ${command}`;
  return `; later: ${command}`;
}

/** Why a stopped local agent's call record cannot be read later. */
const FORGOTTEN =
  'a local agent keeps its calls only while it runs, so no later command can read this one';

/**
 * `omnia-voice agents`, with `--api-base <url>` when the agents are on a server of its own (as
 * {@link laterHint} names it), or `--local` for the built-in local agent (with a key configured,
 * the command alone asks Omnia), so the command lists the agents the call looked among.
 */
export function agentsCommand(api: ApiTarget): string {
  return commandFor(api, 'agents');
}

/** The summary with the record (or the note standing in for it). Pure. */
export function withRecord(summary: CallSummary, outcome: RecordOutcome | undefined): CallSummary {
  if (!outcome) return summary;
  return {
    ...summary,
    ...(outcome.record ? { record: outcome.record } : {}),
    ...(outcome.note ? { recordNote: outcome.note } : {}),
  };
}
