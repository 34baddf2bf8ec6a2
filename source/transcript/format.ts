/**
 * Transcript file formats. Pure: data in, file text out. The writer decides when to write.
 */
import type { CallEvent, CallLabel, PendingText, ToolCall, Turn } from '../session/types.js';
import { blankSecrets, registeredSecrets } from '../text/secrets.js';
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
  /** What the call was with (agent, or prompt file and hash): named in the call's header. */
  readonly label?: CallLabel;
  readonly turns: readonly Turn[];
  /** Client tool invocations, shown in the conversation after the turn they followed. */
  readonly toolCalls?: readonly ToolCall[];
  /**
   * Messages the user typed and sent that the server had not put in its transcript when the file
   * was written (the snapshot's `pendingTexts`): kept, marked {@link UNCONFIRMED_MARK}, where
   * they were sent, and never counted as turns.
   */
  readonly unconfirmed?: readonly PendingText[];
  readonly events?: readonly CallEvent[];
  readonly summary?: CallSummary;
  /**
   * Calls made before this one in the same session (redial): the file holds each, oldest
   * first, every one with its own header.
   */
  readonly earlier?: readonly TranscriptData[];
  /**
   * The turns come from a call's record (`calls show`), which says who said what, not how
   * (voice or typed) nor whether a turn was cut off: json and jsonl leave `medium`, `typed`
   * and `interrupted` out rather than state a guess, and md and txt mark none.
   */
  readonly fromRecord?: boolean;
}

/** One turn as json/jsonl transcripts store it. */
export interface TurnRecord {
  readonly role: Turn['role'];
  /** Absent for a turn from a call's record, which does not say it (as `typed`, `interrupted`). */
  readonly medium?: Turn['medium'];
  readonly text: string;
  readonly ordinal: number;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly interrupted?: boolean;
  /** Cut off before any of its audio was heard (`Turn.unheard`); only when so. */
  readonly unheard?: boolean;
  readonly typed?: boolean;
  /** False for a turn without its final text: in progress, or left unfinished when the call ended. */
  readonly final: boolean;
  /** A reply's response latency, ms (the user's last speech to its first audio heard). */
  readonly latencyMs?: number;
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

/**
 * How a typed message the server never confirmed is marked: sent by the user, but not in the
 * call's transcript (the agent may never have had it).
 */
export const UNCONFIRMED_MARK = 'sent, not confirmed';

/** One unconfirmed message as json/jsonl transcripts store it. */
export interface UnconfirmedRecord {
  readonly text: string;
  /** Epoch ms when it was sent. */
  readonly sentAt: number;
  /** Ordinal of the latest turn when it was sent (-1 before any): it stands after that turn. */
  readonly afterOrdinal: number;
}

/**
 * The ordinal of the turn an unconfirmed message follows: the one it was sent after, or, when
 * that was not kept, the last turn that started before it was sent (-1 for none).
 */
function unconfirmedAfter(text: PendingText, turns: readonly Turn[]): number {
  if (text.afterOrdinal !== undefined) return text.afterOrdinal;
  let after = -1;
  for (const turn of turns) if (turn.startedAt <= text.at) after = Math.max(after, turn.ordinal);
  return after;
}

/** The json/jsonl shape of an unconfirmed message that follows turn `afterOrdinal`. */
function unconfirmedRecord(text: PendingText, afterOrdinal: number): UnconfirmedRecord {
  return { text: cleanText(text.text, false), sentAt: text.at, afterOrdinal };
}

/**
 * One `.txt` line (no newline) for an unconfirmed message: `User (typed): … [sent, not
 * confirmed]`; plain mode prints the same line.
 */
export function formatTxtUnconfirmed(text: PendingText): string {
  return `User (typed): ${cleanText(text.text)} [${UNCONFIRMED_MARK}]`;
}

/**
 * The json/jsonl shape of a turn; `fromRecord`: a turn read from a call's record, which does
 * not say how it was said or whether it was cut off (those fields left out). `withLatency`:
 * a reply's `latencyMs` (false for `.jsonl`, where it is an event: see the writer).
 */
export function turnRecord(turn: Turn, fromRecord = false, withLatency = true): TurnRecord {
  return {
    role: turn.role,
    ...(fromRecord ? {} : { medium: turn.medium }),
    text: cleanText(turn.text, false),
    ordinal: turn.ordinal,
    startedAt: turn.startedAt,
    endedAt: turn.endedAt,
    ...(fromRecord ? {} : { interrupted: turn.interrupted, typed: turn.typed }),
    ...(turn.unheard ? { unheard: true } : {}),
    final: turn.final,
    ...(turn.latencyMs === undefined || !withLatency ? {} : { latencyMs: turn.latencyMs }),
  };
}

/**
 * What a call with no saved agent is called: a call Omnia knows (it has an id) whose record names
 * no agent and no prompt label, as `calls show` reads the record of a `--prompt` call. A call
 * this app makes always has a label.
 */
export const INLINE_CALL_LABEL = 'none (inline prompt)';

/** The label of `data`'s call: its own, or {@link INLINE_CALL_LABEL} for a call with no agent. */
function labelText(data: TranscriptData): string | undefined {
  if (data.label) return cleanText(data.label.text);
  if (data.agentId === undefined && data.callId !== undefined && !data.local) {
    return INLINE_CALL_LABEL;
  }
  return undefined;
}

/** Facts about the call for the json `call` object and the jsonl `call` line. */
export function callFacts(data: TranscriptData): Record<string, unknown> {
  const label = data.label;
  return {
    agentId: data.agentId === undefined ? undefined : cleanText(data.agentId),
    callId: data.callId === undefined ? undefined : cleanText(data.callId),
    local: data.local,
    label: labelText(data),
    agentName: label?.agentName === undefined ? undefined : cleanText(label.agentName),
    promptFile: label?.promptFile === undefined ? undefined : cleanText(label.promptFile),
    promptHash: label?.promptHash,
    prompt: label?.promptText === undefined ? undefined : cleanText(label.promptText, false),
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

/** How a turn that never got its final text is marked: still running, or left so (`ended`). */
function openMark(ended: boolean): string {
  return ended ? 'unfinished' : 'in progress';
}

/** Cut off (barge-in, `i`, a hang-up over its audio) says more than "not final": it comes first, as in plain mode. */
export function turnSuffix(turn: Turn, ended: boolean): string {
  if (turn.interrupted) return turn.unheard ? ' [interrupted, not heard]' : ' [interrupted]';
  return turn.final ? '' : ` [${openMark(ended)}]`;
}

/**
 * One `.txt` line (no newline): `User: …`, `User (typed): …`, `Agent: … [interrupted]`; a turn
 * not final is `[in progress]`, or `[unfinished]` once the call has `ended` (as plain mode says).
 */
export function formatTxtTurn(turn: Turn, ended = false): string {
  const who = turn.typed ? `${roleName(turn)} (typed)` : roleName(turn);
  return `${who}: ${cleanText(turn.text)}${turnSuffix(turn, ended)}`;
}

/** One jsonl line (no newline). */
export function jsonlLine(
  type: 'call' | 'turn' | 'tool' | 'unconfirmed' | 'event' | 'summary',
  body: object,
): string {
  return JSON.stringify({ type, ...body });
}

/**
 * The json/jsonl shape of a tool call: the parameters as the JSON object the agent sent (a string
 * only when they were too large to keep whole), the result as the agent was given it, newlines
 * and all.
 */
export function toolRecord(call: ToolCall): Record<string, unknown> {
  return {
    invocationId: cleanText(call.invocationId),
    name: cleanText(call.name),
    parameters: parametersValue(call.parameters),
    status: call.status,
    result: call.result === undefined ? undefined : cleanText(call.result, false),
    error: call.error === undefined ? undefined : cleanText(call.error),
    startedAt: call.startedAt,
    endedAt: call.endedAt,
    durationMs: call.durationMs,
    afterOrdinal: call.afterOrdinal,
  };
}

/**
 * Kept parameters (JSON text) as their value, every string in it cleaned as turn text is; the
 * text itself when it is not JSON (cut, being too large).
 */
function parametersValue(text: string): unknown {
  try {
    return JSON.parse(text, (_key, value: unknown) => {
      if (typeof value === 'string') return cleanText(value, false);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
      // Keys are server text too.
      const entries = Object.entries(value).map(([k, v]) => [cleanText(k), v] as const);
      return Object.fromEntries(entries);
    }) as unknown;
  } catch {
    return cleanText(text);
  }
}

/** `lookup({"id":7}) → {"ok":1} (120 ms)`, `… failed: timed out after 10 s (10000 ms)`. */
function toolText(call: ToolCall): string {
  const head = `${cleanText(call.name)}(${cleanText(call.parameters)})`;
  const took = call.durationMs === undefined ? '' : ` (${call.durationMs} ms)`;
  if (call.status === 'running') return `${head} [running]`;
  if (call.status === 'ok') return `${head} → ${cleanText(call.result ?? '')}${took}`;
  return `${head} failed: ${cleanText(call.error ?? '')}${took}`;
}

/** One `.txt` line for a tool call (no newline): `Tool: lookup({"id":7}) → … (120 ms)`. */
export function formatTxtTool(call: ToolCall): string {
  return `Tool: ${toolText(call)}`;
}

/**
 * A turn, a tool call placed after the turn it followed, or a typed message the server never
 * confirmed, placed after the turn it was sent after.
 */
export type ConversationItem =
  | { readonly kind: 'turn'; readonly turn: Turn }
  | { readonly kind: 'tool'; readonly call: ToolCall }
  | { readonly kind: 'unconfirmed'; readonly text: PendingText; readonly afterOrdinal: number };

/**
 * Turns in ordinal order with each tool call after the turn it followed (`afterOrdinal`) and
 * each unconfirmed message after the turn it was sent after; tool calls and messages in the
 * order they happened. Pure.
 */
export function conversationItems(
  turns: readonly Turn[],
  toolCalls: readonly ToolCall[] = [],
  unconfirmed: readonly PendingText[] = [],
): ConversationItem[] {
  const ordered = byOrdinal(turns);
  const extras: { at: number; after: number; item: ConversationItem }[] = [
    ...toolCalls.map((call) => ({
      at: call.startedAt,
      after: call.afterOrdinal,
      item: { kind: 'tool', call } as const,
    })),
    ...unconfirmed.map((text) => {
      const after = unconfirmedAfter(text, ordered);
      return {
        at: text.at,
        after,
        item: { kind: 'unconfirmed', text, afterOrdinal: after } as const,
      };
    }),
  ].sort((a, b) => a.at - b.at);
  const items: ConversationItem[] = [];
  let next = 0;
  for (const turn of ordered) {
    while (next < extras.length && extras[next]!.after < turn.ordinal) {
      items.push(extras[next++]!.item);
    }
    items.push({ kind: 'turn', turn });
  }
  while (next < extras.length) items.push(extras[next++]!.item);
  return items;
}

/** The calls a file holds, oldest first. */
function callsOf(data: TranscriptData): TranscriptData[] {
  return [...(data.earlier ?? []), { ...data, earlier: undefined }];
}

/** `Front desk (agt_1)` or `prompt.md · 3f2a9c1b`, with the call id and start: one line. */
function callHeaderParts(data: TranscriptData): string[] {
  const parts: string[] = [];
  const label = labelText(data);
  if (label) parts.push(label);
  else if (data.agentId) parts.push(`agent ${cleanText(data.agentId)}`);
  if (data.callId) parts.push(`call ${cleanText(data.callId)}`);
  const started = isoOrUndefined(data.startedAt);
  if (started) parts.push(started);
  return parts;
}

/** The jsonl line for one event. */
export function eventRecord(event: CallEvent): Record<string, unknown> {
  return { id: event.id, at: event.at, kind: event.kind, message: cleanText(event.message) };
}

function byOrdinal(turns: readonly Turn[]): Turn[] {
  return [...turns].sort((a, b) => a.ordinal - b.ordinal);
}

/** The longest run of `char` in `text` (a fence around it must be longer). */
function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

function relative(ms: number): string {
  const totalS = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = pad2(totalS % 60);
  return h > 0 ? `+${h}:${pad2(m)}:${s}` : `+${m}:${s}`;
}

function formatMarkdown(data: TranscriptData): string {
  const calls = callsOf(data);
  if (calls.length === 1) return markdownCall(data, '# Omnia Voice call');
  return calls
    .map((call, index) => markdownCall(call, `# Omnia Voice call ${index + 1}`))
    .join('\n---\n\n');
}

function markdownCall(data: TranscriptData, heading: string): string {
  const turns = byOrdinal(data.turns);
  const origin = data.startedAt ?? turns[0]?.startedAt ?? 0;
  const out: string[] = [heading, ''];
  const where = data.local ? ' (built-in local agent)' : '';
  const label = data.label;
  if (label?.kind === 'prompt') {
    out.push(`- **Prompt:** ${cleanText(label.text)}${where}`);
  } else {
    const agent = labelText(data) ?? (data.agentId ? cleanText(data.agentId) : 'unknown');
    out.push(`- **Agent:** ${agent}${where}`);
  }
  if (data.callId) out.push(`- **Call ID:** ${cleanText(data.callId)}`);
  if (data.startedAt !== undefined) out.push(`- **Started:** ${isoOrUndefined(data.startedAt)}`);
  out.push(
    `- **Duration:** ${
      data.startedAt !== undefined && data.endedAt !== undefined
        ? formatDuration(data.endedAt - data.startedAt)
        : 'in progress'
    }`,
  );
  if (label?.kind === 'prompt' && label.promptText !== undefined) {
    // The prompt as sent: which words gave these answers, for the next edit of the file.
    const text = cleanText(label.promptText, false);
    const fence = '`'.repeat(Math.max(3, longestRun(text, '`') + 1));
    out.push('', '## Prompt', '', fence, text, fence);
  }
  out.push('', '## Conversation', '');
  if (turns.length === 0 && !data.unconfirmed?.length) {
    // A call record fetched while the call runs (`calls show`) has no transcript yet.
    const running = data.summary?.record !== undefined && !data.summary.record.complete;
    out.push(
      running
        ? '_(no transcript in the record yet: the call is still in progress)_'
        : '_(nothing said yet)_',
      '',
    );
  }
  for (const item of conversationItems(turns, data.toolCalls, data.unconfirmed)) {
    if (item.kind === 'tool') {
      out.push(`**Tool** (${relative(item.call.startedAt - origin)}): ${toolText(item.call)}`, '');
      continue;
    }
    if (item.kind === 'unconfirmed') {
      const when = relative(item.text.at - origin);
      const text = cleanText(item.text.text);
      out.push(`**User** (typed, ${when}): ${text} _(${UNCONFIRMED_MARK})_`, '');
      continue;
    }
    const { turn } = item;
    const when = relative(turn.startedAt - origin);
    const latency = turn.latencyMs === undefined ? '' : `, reply in ${turn.latencyMs} ms`;
    const tags = `${turn.typed ? `typed, ${when}` : when}${latency}`;
    const suffix = turn.interrupted
      ? turn.unheard
        ? ' _(interrupted, not heard)_'
        : ' _(interrupted)_'
      : turn.final
        ? ''
        : ` _(${openMark(data.endedAt !== undefined)})_`;
    out.push(`**${roleName(turn)}** (${tags}): ${cleanText(turn.text)}${suffix}`, '');
  }
  if (data.summary) {
    out.push('## Summary', '');
    for (const line of formatSummary(data.summary)) out.push(`- ${cleanText(line)}`);
    out.push('');
  }
  return out.join('\n');
}

/**
 * The `.txt` header line of a call: `=== Call 2 · prompt.md · 3f2a9c1b · call c0ffee12 · <ISO
 * start> ===`. Only for a call with a label (a call with no saved agent has
 * {@link INLINE_CALL_LABEL}) or a file of several calls: a plain transcript of one unnamed call
 * stays just the conversation.
 */
export function txtCallHeader(data: TranscriptData, number?: number): string | undefined {
  if (labelText(data) === undefined && number === undefined) return undefined;
  const parts = [number === undefined ? 'Call' : `Call ${number}`, ...callHeaderParts(data)];
  return `=== ${parts.join(' · ')} ===`;
}

/**
 * The calls in an append format (`.txt`, `.jsonl`), oldest first; `numbered` gives each `.txt`
 * call a numbered header. What the writer puts first when a call follows earlier ones.
 */
export function formatCalls(
  format: 'txt' | 'jsonl',
  calls: readonly TranscriptData[],
  numbered: boolean,
): string {
  if (format === 'jsonl') return calls.map((call) => `${jsonlCall(call).join('\n')}\n`).join('');
  const blocks = calls.map((call, index) => textCall(call, numbered ? index + 1 : undefined));
  return blocks.filter((block) => block !== '').join('\n');
}

function formatText(data: TranscriptData): string {
  const calls = callsOf(data);
  return formatCalls('txt', calls, calls.length > 1);
}

function textCall(data: TranscriptData, number: number | undefined): string {
  const lines: string[] = [];
  const header = txtCallHeader(data, number);
  if (header) lines.push(header);
  for (const item of conversationItems(data.turns, data.toolCalls, data.unconfirmed)) {
    lines.push(
      item.kind === 'turn'
        ? formatTxtTurn(item.turn, data.endedAt !== undefined)
        : item.kind === 'tool'
          ? formatTxtTool(item.call)
          : formatTxtUnconfirmed(item.text),
    );
  }
  if (data.summary) lines.push('', ...formatSummary(data.summary).map((l) => cleanText(l)));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function jsonCall(data: TranscriptData): Record<string, unknown> {
  return {
    call: callFacts(data),
    turns: byOrdinal(data.turns).map((turn) => turnRecord(turn, data.fromRecord)),
    toolCalls: data.toolCalls?.map(toolRecord),
    unconfirmed: data.unconfirmed?.length
      ? data.unconfirmed.map((text) => unconfirmedRecord(text, unconfirmedAfter(text, data.turns)))
      : undefined,
    events: data.events?.map(eventRecord),
    summary: data.summary,
  };
}

function formatJson(data: TranscriptData): string {
  const calls = callsOf(data);
  // One call: the document is that call. Several (redial): `{ calls: [...] }`, oldest first.
  const doc = calls.length === 1 ? jsonCall(data) : { calls: calls.map(jsonCall) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * The jsonl lines of one call: `call`, the turns with each tool call after the turn it followed
 * and each unconfirmed message after the turn it was sent after (as `.md` and `.txt` have them),
 * events, summary.
 */
export function jsonlCall(data: TranscriptData): string[] {
  const lines = [jsonlLine('call', callFacts(data))];
  for (const item of conversationItems(data.turns, data.toolCalls, data.unconfirmed)) {
    lines.push(
      item.kind === 'turn'
        ? jsonlLine('turn', turnRecord(item.turn, data.fromRecord, false))
        : item.kind === 'tool'
          ? jsonlLine('tool', toolRecord(item.call))
          : jsonlLine('unconfirmed', unconfirmedRecord(item.text, item.afterOrdinal)),
    );
  }
  for (const event of data.events ?? []) lines.push(jsonlLine('event', eventRecord(event)));
  if (data.summary) lines.push(jsonlLine('summary', data.summary));
  return lines;
}

function formatJsonl(data: TranscriptData): string {
  return formatCalls('jsonl', callsOf(data), false);
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
  const own = (secrets ?? []).filter((secret) => secret.length > 0);
  // This call's secrets and every other the run has (an earlier call's socket address echoed
  // in this one), with the same rules as the screen's (`blankSecrets`).
  let out = blankSecrets(text, own);
  for (const secret of new Set([...registeredSecrets(), ...own])) {
    // A JSON file stores some characters escaped; catch the escaped spelling too.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) out = out.split(escaped).join('[redacted]');
  }
  return out;
}
