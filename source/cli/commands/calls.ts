/**
 * `omnia-voice calls [--limit N] [--since DATE] [--status S] [--json]`: recent calls, newest
 * first; `omnia-voice calls show ID [--format md|txt|json] [--out FILE]`: one call's record
 * and transcript.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type CallLog,
  describeEndReason,
  formatCost,
  getCallLog,
  listCallLogs,
  recordFacts,
} from '../../api/call-logs.js';
import { writeFileAtomic } from '../../transcript/atomic.js';
import { transcriptFromCallLog } from '../../transcript/call-log.js';
import {
  formatFromPath,
  formatTranscript,
  type TranscriptFormat,
} from '../../transcript/format.js';
import { formatDuration } from '../../transcript/summary.js';
import { type ApiFlags, commandApi } from './api-target.js';
import { formatTable } from './table.js';

/** A bad `calls` argument: one line, exit 2. */
export class CallsUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CallsFlags extends ApiFlags {
  limit?: number;
  since?: string;
  status?: string;
  json?: boolean;
}

/** Calls listed when `--limit` is not given. */
export const DEFAULT_CALLS_LIMIT = 20;

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** `--since`: a date (`2026-05-01`, any ISO time) or an age (`30m`, `12h`, `7d`, `2w`). */
export function parseSince(value: string, nowMs: number = Date.now()): Date {
  const age = /^(\d+)\s*([mhdw])$/i.exec(value.trim());
  if (age) return new Date(nowMs - Number(age[1]) * (UNIT_MS[age[2]!.toLowerCase()] ?? 0));
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new CallsUsageError(
      `--since ${JSON.stringify(value)} is not a date: use 2026-05-01, an ISO time, or an age such as 12h or 7d.`,
    );
  }
  return new Date(ms);
}

export async function runCallsCommand(
  flags: CallsFlags,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const since = flags.since === undefined ? undefined : parseSince(flags.since);
  const { api, local } = await commandApi(flags, err);
  const calls = await listCallLogs(api, {
    limit: flags.limit ?? DEFAULT_CALLS_LIMIT,
    ...(since ? { since } : {}),
    ...(flags.status ? { status: flags.status } : {}),
  });
  if (flags.json) {
    out(JSON.stringify(calls.map(recordFacts), null, 2));
    return 0;
  }
  for (const line of formatCalls(calls)) out(line);
  err(`${calls.length} call${calls.length === 1 ? '' : 's'}, newest first.`);
  if (local && calls.length === 0) {
    err('The built-in local agent keeps the calls it served while it runs: see omnia-voice serve.');
  }
  return 0;
}

/** `2026-05-01 14:03` in local time, as a user reads a clock. */
function localTime(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The calls as a table: start, agent, duration, end reason, cost, short summary, id. Pure. */
export function formatCalls(calls: readonly CallLog[]): string[] {
  if (calls.length === 0) return [];
  const rows = calls.map(recordFacts);
  return formatTable(rows, [
    { heading: 'START', value: (r) => localTime(r.startedAt) },
    { heading: 'AGENT', value: (r) => r.agentName ?? r.agentId ?? '-', maxWidth: 24 },
    {
      heading: 'DURATION',
      value: (r) => (r.durationMs === undefined ? '-' : formatDuration(r.durationMs)),
    },
    {
      heading: 'END REASON',
      value: (r) =>
        r.endReason ? describeEndReason(r.endReason) : r.complete ? '-' : 'in progress',
      maxWidth: 36,
    },
    {
      heading: 'COST',
      value: (r) => (r.costCents === undefined ? '-' : formatCost(r.costCents, r.currency)),
    },
    { heading: 'ID', value: (r) => r.callId },
    { heading: 'SUMMARY', value: (r) => r.shortSummary ?? r.summary ?? '', maxWidth: 60 },
  ]);
}

export interface CallsShowFlags extends ApiFlags {
  format?: 'md' | 'txt' | 'json';
  out?: string;
}

/** Prints one call's record and transcript, or saves it to `--out`. */
export async function runCallsShowCommand(
  id: string,
  flags: CallsShowFlags,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  let format: TranscriptFormat = flags.format ?? 'md';
  if (flags.out && !flags.format) {
    try {
      format = formatFromPath(flags.out);
    } catch (error) {
      throw new CallsUsageError((error as Error).message);
    }
  }
  const { api } = await commandApi(flags, err);
  const log = await getCallLog(api, id);
  const text = formatTranscript(format, transcriptFromCallLog(log));
  if (!flags.out) {
    out(text.replace(/\n$/, ''));
    return 0;
  }
  mkdirSync(dirname(flags.out), { recursive: true });
  writeFileAtomic(flags.out, text);
  err(`call ${recordFacts(log).callId} saved to ${flags.out}`);
  return 0;
}
