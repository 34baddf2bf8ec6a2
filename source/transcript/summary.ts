import { type CallRecordFacts, describeEndReason, formatCost } from '../api/record-facts.js';
import type { Snapshot } from '../session/types.js';

/** What the end-of-call summary says. Pure data, computed by {@link summarize}. */
export interface CallSummary {
  /**
   * Socket open to end (or to `now` for a call still running); absent if it never started, or,
   * for a call log (`record` not complete), while the call still runs.
   */
  readonly durationMs?: number;
  readonly turns: number;
  readonly userTurns: number;
  readonly agentTurns: number;
  /**
   * Times the agent was cut off (barge-in or local interrupt). Absent when nobody could count
   * them: a call's record (`calls show`) does not say which turns were cut off.
   */
  readonly interruptions?: number;
  /** The call's end cut off a reply still playing (marked interrupted, not an interruption). */
  readonly replyCutByEnd?: true;
  /** The audio output stopped mid-call during a reply (marked interrupted, not an interruption). */
  readonly replyCutByOutput?: true;
  /** How many response latencies were measured. */
  readonly latencyCount: number;
  /** Median of the measured response latencies (end of user speech to first agent audio). */
  readonly medianLatencyMs?: number;
  /** Largest measured response latency. */
  readonly worstLatencyMs?: number;
  readonly transcriptPath?: string;
  /** The transcript file's last write failed: why, one line naming the path. */
  readonly transcriptProblem?: string;
  readonly endReason?: string;
  /** The call's record on the server (`GET /calls/{id}`), when it was fetched. */
  readonly record?: CallRecordFacts;
  /** Why there is no complete record: skipped, not complete in time, failed. One line. */
  readonly recordNote?: string;
}

/** The parts of a {@link Snapshot} a summary needs; a whole snapshot fits. */
export type SummaryInput = Pick<Snapshot, 'turns' | 'interruptions' | 'responseLatenciesMs'> &
  Partial<
    Pick<
      Snapshot,
      | 'startedAt'
      | 'endedAt'
      | 'transcriptPath'
      | 'endReason'
      | 'replyCutByEnd'
      | 'replyCutByOutput'
    >
  >;

/**
 * What a transcript read from a call's record cannot say: Omnia documents a record's
 * `transcript` as who said what, not how (spoken or typed) nor whether a turn was cut off.
 */
export const RECORD_TURNS_NOTE = 'the call record does not say which were typed or cut off';

/**
 * Why a summary read from a call's record has no response latency: the app measures it while it
 * holds the call (its end-of-call summary and saved transcript have it); the record has none.
 */
export const RECORD_LATENCY_NOTE =
  'not in the call record (measured by the app during the call only)';

/** Median of a list of numbers (mean of the two middle values for even counts). Pure. */
export function median(values: readonly number[]): number | undefined {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return undefined;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid];
  return ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Computes the end-of-call summary. `now` stands in for `endedAt` while the call runs. Pure. */
export function summarize(input: SummaryInput, now: number = Date.now()): CallSummary {
  const latencies = input.responseLatenciesMs.filter((v) => Number.isFinite(v));
  const userTurns = input.turns.filter((t) => t.role === 'user').length;
  const agentTurns = input.turns.length - userTurns;
  const end = input.endedAt ?? now;
  return {
    durationMs: input.startedAt === undefined ? undefined : Math.max(0, end - input.startedAt),
    turns: input.turns.length,
    userTurns,
    agentTurns,
    interruptions: input.interruptions,
    ...(input.replyCutByEnd ? { replyCutByEnd: true as const } : {}),
    ...(input.replyCutByOutput ? { replyCutByOutput: true as const } : {}),
    latencyCount: latencies.length,
    medianLatencyMs: median(latencies),
    worstLatencyMs: latencies.length > 0 ? Math.max(...latencies) : undefined,
    transcriptPath: input.transcriptPath,
    endReason: input.endReason,
  };
}

/** `1h 02m 03s`, `4m 05s`, `7s`. Pure. */
export function formatDuration(ms: number): string {
  const totalS = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

/** The summary as short lines for plain mode and the TUI. Pure. */
export function formatSummary(summary: CallSummary): string[] {
  const lines: string[] = [];
  lines.push(
    summary.durationMs !== undefined
      ? `Call lasted ${formatDuration(summary.durationMs)}`
      : summary.record && !summary.record.complete
        ? // A call log (`calls show`) of a call still running: no length, no end time yet.
          'Call still in progress: no end time yet'
        : 'Call did not start',
  );
  if (summary.endReason) lines.push(`Ended: ${summary.endReason}`);
  lines.push(
    `Turns: ${summary.turns} (user ${summary.userTurns}, agent ${summary.agentTurns})` +
      (summary.interruptions === undefined
        ? `; ${RECORD_TURNS_NOTE}`
        : `, interruptions: ${summary.interruptions}` +
          (summary.replyCutByOutput ? '; a reply was cut off when the audio output stopped' : '') +
          (summary.replyCutByEnd ? "; a reply was cut off by the call's end" : '')),
  );
  if (summary.medianLatencyMs === undefined || summary.worstLatencyMs === undefined) {
    // No interruptions count is a summary of a call's record (`calls show`): its latency was
    // perhaps measured during the call, but the record cannot say.
    lines.push(
      `Response latency: ${summary.interruptions === undefined ? RECORD_LATENCY_NOTE : 'not measured'}`,
    );
  } else {
    lines.push(
      `Response latency: median ${Math.round(summary.medianLatencyMs)} ms, ` +
        `worst ${Math.round(summary.worstLatencyMs)} ms (${summary.latencyCount} ${summary.latencyCount === 1 ? 'turn' : 'turns'})`,
    );
  }
  lines.push(...formatRecord(summary.record, summary.recordNote));
  if (summary.transcriptProblem) lines.push(`Transcript: NOT saved: ${summary.transcriptProblem}`);
  else if (summary.transcriptPath) lines.push(`Transcript: ${summary.transcriptPath}`);
  return lines;
}

/**
 * The server's record as summary lines: end reason; duration, billed minutes and cost; the
 * server's summary. A note stands in for what is missing. Pure.
 */
export function formatRecord(record: CallRecordFacts | undefined, note?: string): string[] {
  const lines: string[] = [];
  if (record) {
    if (record.endReason) lines.push(`Server end reason: ${describeEndReason(record.endReason)}`);
    const facts: string[] = [];
    if (record.durationMs !== undefined) facts.push(`lasted ${formatDuration(record.durationMs)}`);
    if (record.billedMinutes !== undefined) {
      facts.push(`billed ${record.billedMinutes} min`);
    }
    if (record.costCents !== undefined)
      facts.push(`cost ${formatCost(record.costCents, record.currency)}`);
    if (facts.length > 0) lines.push(`Server: ${facts.join(', ')}`);
    const said = record.summary ?? record.shortSummary;
    if (said) lines.push(`Server summary: ${said}`);
  }
  if (note) lines.push(`Call record: ${note}`);
  return lines;
}
