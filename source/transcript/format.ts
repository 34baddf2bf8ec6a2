/**
 * Transcript file formats. Pure: data in, file text out. The writer decides when to write.
 */
import type { CallEvent, Turn } from '../session/types.js';
import { type CallSummary, formatDuration, formatSummary } from './summary.js';

/** The four transcript file formats, named by their file extension. */
export type TranscriptFormat = 'md' | 'txt' | 'json' | 'jsonl';

export const TRANSCRIPT_FORMATS: readonly TranscriptFormat[] = ['md', 'txt', 'json', 'jsonl'];

/** Everything a transcript file can show. Usually built from a store snapshot. */
export interface TranscriptData {
  readonly agentId?: string;
  readonly callId?: string;
  /** Epoch ms when the call started (socket opened). */
  readonly startedAt?: number;
  readonly endedAt?: number;
  /** True when the call was with the built-in local agent. */
  readonly local: boolean;
  readonly turns: readonly Turn[];
  readonly events?: readonly CallEvent[];
  readonly summary?: CallSummary;
}

/** One turn as json/jsonl transcripts store it. */
export interface TurnRecord {
  readonly role: Turn['role'];
  readonly medium: Turn['medium'];
  readonly text: string;
  readonly ordinal: number;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly interrupted: boolean;
  readonly typed: boolean;
  /** False only for a turn still in progress when the file was written. */
  readonly final: boolean;
}

// ESC/CSI sequences first (so their parameters go too), then any other control character.
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|.)?/g;
const CONTROL_KEEP_NEWLINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const NEWLINES = /[\r\n\t]+/g;

/**
 * Server text should arrive sanitised already; files are opened in terminals and editors, so
 * strip escape sequences and control characters again rather than trust every producer.
 */
export function cleanText(text: string, oneLine = true): string {
  const stripped = text.replace(ESCAPE_SEQUENCE, '').replace(CONTROL_KEEP_NEWLINES, '');
  return oneLine ? stripped.replace(NEWLINES, ' ') : stripped;
}

/** Picks the format from a file name's extension; throws a user-facing message otherwise. */
export function formatFromPath(path: string): TranscriptFormat {
  const match = /\.([A-Za-z0-9]+)$/.exec(path);
  const ext = match?.[1]?.toLowerCase();
  if (ext === 'md' || ext === 'markdown') return 'md';
  if (ext === 'txt' || ext === 'text') return 'txt';
  if (ext === 'json') return 'json';
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  throw new Error(
    `cannot tell the transcript format of "${cleanText(path)}": ` +
      'use a file name ending in .md, .txt, .json or .jsonl',
  );
}

function fileSafe(value: string, maxChars: number): string {
  return value
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, maxChars);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * `2026-11-25_19-08-38_<agent>_<callid8>.md`: local time (what the user sees on the clock),
 * only letters, digits and dashes in the variable parts, so it is safe on every file system.
 */
export function defaultTranscriptName(opts: {
  startedAt?: number;
  agentId?: string;
  callId?: string;
  format: TranscriptFormat;
}): string {
  const d = new Date(opts.startedAt ?? Date.now());
  const stamp =
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}_` +
    `${pad2(d.getHours())}-${pad2(d.getMinutes())}-${pad2(d.getSeconds())}`;
  const parts = [stamp, fileSafe(opts.agentId ?? '', 40) || 'agent'];
  const call = fileSafe(opts.callId ?? '', 8);
  if (call) parts.push(call);
  return `${parts.join('_')}.${opts.format}`;
}

/** The json/jsonl shape of a turn. */
export function turnRecord(turn: Turn): TurnRecord {
  return {
    role: turn.role,
    medium: turn.medium,
    text: cleanText(turn.text, false),
    ordinal: turn.ordinal,
    startedAt: turn.startedAt,
    endedAt: turn.endedAt,
    interrupted: turn.interrupted,
    typed: turn.typed,
    final: turn.final,
  };
}

/** Facts about the call for the json `call` object and the jsonl `call` line. */
export function callFacts(data: TranscriptData): Record<string, unknown> {
  return {
    agentId: data.agentId === undefined ? undefined : cleanText(data.agentId),
    callId: data.callId === undefined ? undefined : cleanText(data.callId),
    local: data.local,
    startedAt: data.startedAt,
    startedAtIso: isoOrUndefined(data.startedAt),
    endedAt: data.endedAt,
    endedAtIso: isoOrUndefined(data.endedAt),
    durationMs:
      data.startedAt !== undefined && data.endedAt !== undefined
        ? Math.max(0, data.endedAt - data.startedAt)
        : undefined,
  };
}

function isoOrUndefined(ms: number | undefined): string | undefined {
  return ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString();
}

function roleName(turn: Turn): string {
  return turn.role === 'user' ? 'User' : 'Agent';
}

function turnSuffix(turn: Turn): string {
  if (!turn.final) return ' [in progress]';
  return turn.interrupted ? ' [interrupted]' : '';
}

/** One `.txt` line (no newline): `User: …`, `User (typed): …`, `Agent: … [interrupted]`. */
export function formatTxtTurn(turn: Turn): string {
  const who = turn.typed ? `${roleName(turn)} (typed)` : roleName(turn);
  return `${who}: ${cleanText(turn.text)}${turnSuffix(turn)}`;
}

/** One jsonl line (no newline). */
export function jsonlLine(type: 'call' | 'turn' | 'event' | 'summary', body: object): string {
  return JSON.stringify({ type, ...body });
}

/** The jsonl line for one event. */
export function eventRecord(event: CallEvent): Record<string, unknown> {
  return { id: event.id, at: event.at, kind: event.kind, message: cleanText(event.message) };
}

function byOrdinal(turns: readonly Turn[]): Turn[] {
  return [...turns].sort((a, b) => a.ordinal - b.ordinal);
}

function relative(ms: number): string {
  const totalS = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = pad2(totalS % 60);
  return h > 0 ? `+${h}:${pad2(m)}:${s}` : `+${m}:${s}`;
}

function formatMarkdown(data: TranscriptData): string {
  const turns = byOrdinal(data.turns);
  const origin = data.startedAt ?? turns[0]?.startedAt ?? 0;
  const out: string[] = ['# Omnia Voice call', ''];
  const agent = data.agentId ? cleanText(data.agentId) : 'unknown';
  out.push(`- **Agent:** ${agent}${data.local ? ' (built-in local agent)' : ''}`);
  if (data.callId) out.push(`- **Call ID:** ${cleanText(data.callId)}`);
  if (data.startedAt !== undefined) out.push(`- **Started:** ${isoOrUndefined(data.startedAt)}`);
  out.push(
    `- **Duration:** ${
      data.startedAt !== undefined && data.endedAt !== undefined
        ? formatDuration(data.endedAt - data.startedAt)
        : 'in progress'
    }`,
  );
  out.push('', '## Conversation', '');
  if (turns.length === 0) out.push('_(nothing said yet)_', '');
  for (const turn of turns) {
    const when = relative(turn.startedAt - origin);
    const tags = turn.typed ? `typed, ${when}` : when;
    const suffix = !turn.final ? ' _(in progress)_' : turn.interrupted ? ' _(interrupted)_' : '';
    out.push(`**${roleName(turn)}** (${tags}): ${cleanText(turn.text)}${suffix}`, '');
  }
  if (data.summary) {
    out.push('## Summary', '');
    for (const line of formatSummary(data.summary)) out.push(`- ${cleanText(line)}`);
    out.push('');
  }
  return out.join('\n');
}

function formatText(data: TranscriptData): string {
  const lines = byOrdinal(data.turns).map(formatTxtTurn);
  if (data.summary) lines.push('', ...formatSummary(data.summary).map((l) => cleanText(l)));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function formatJson(data: TranscriptData): string {
  const doc = {
    call: callFacts(data),
    turns: byOrdinal(data.turns).map(turnRecord),
    events: data.events?.map(eventRecord),
    summary: data.summary,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function formatJsonl(data: TranscriptData): string {
  const lines = [jsonlLine('call', callFacts(data))];
  for (const turn of byOrdinal(data.turns)) lines.push(jsonlLine('turn', turnRecord(turn)));
  for (const event of data.events ?? []) lines.push(jsonlLine('event', eventRecord(event)));
  if (data.summary) lines.push(jsonlLine('summary', data.summary));
  return `${lines.join('\n')}\n`;
}

/** The whole transcript file in the given format. Pure. */
export function formatTranscript(format: TranscriptFormat, data: TranscriptData): string {
  switch (format) {
    case 'md':
      return formatMarkdown(data);
    case 'txt':
      return formatText(data);
    case 'json':
      return formatJson(data);
    case 'jsonl':
      return formatJsonl(data);
  }
}

/**
 * Removes secrets from text about to be written. Applied to the finished file text, so it
 * also catches a secret that reached a file through any field. Empty secrets are ignored.
 */
export function redactSecrets(text: string, secrets: readonly string[] | undefined): string {
  if (!secrets) return text;
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    out = out.split(secret).join('[redacted]');
    // A JSON file stores some characters escaped; catch the escaped spelling too.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) out = out.split(escaped).join('[redacted]');
  }
  return out;
}
