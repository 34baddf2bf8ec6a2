/**
 * After a call: its record from Omnia (`GET /calls/{id}`), polled until complete, for the
 * end-of-call summary and the transcript files. Abortable, so a key or Ctrl+C skips the wait.
 */

import { commandFor } from '../api/command-hint.js';
import type { CallRecordFacts } from '../api/record-facts.js';
import type { ApiTarget } from '../api/request.js';
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
}

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
  const [{ waitForCallRecord, recordFacts }, { ApiError }] = await Promise.all([
    import('../api/call-logs.js'),
    import('../api/errors.js'),
  ]);
  try {
    const { log, complete } = await waitForCallRecord(api, callId, options);
    const record = recordFacts(log);
    if (complete) return { record };
    const waited = Math.round((options.maxWaitMs ?? 20_000) / 1000);
    return { record, note: `not complete after ${waited} s${later}` };
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'cancelled') {
      return { note: `skipped${later}` };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { note: `could not be fetched: ${message.replace(/\.$/, '')}${later}` };
  }
}

/**
 * `; later: omnia-voice calls show <id>`, where the record can be read later: not from the
 * built-in local agent, whose calls end with the app (a later `calls` asks a new one). With an
 * API base of its own (`--api-base`, a `serve`), the command names it: without, it asked Omnia.
 */
export function laterHint(api: ApiTarget, callId: string): string {
  if (api.server !== undefined) return '';
  return `; later: ${commandFor(api, `calls show ${callId}`)}`;
}

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
