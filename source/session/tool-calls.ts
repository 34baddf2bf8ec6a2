/**
 * Client tool invocations as the snapshot keeps them (`Snapshot.toolCalls`) and the events-log
 * line for each. Pure; the store does the I/O and stamps the times.
 *
 * A call keeps what the agent was given, whole (its lines too): the transcript files are written
 * from it. The screen shows the short one-line form of {@link describeToolCall}.
 */
import { sanitizeText, truncate } from '../protocol/sanitize.js';
import { MAX_TOOL_OUTPUT_BYTES, type ToolOutcome } from '../tools/types.js';
import type { ToolCall } from './types.js';

/**
 * The most kept of one call's parameters or result, in UTF-16 code units. The runner never
 * passes on a result over {@link MAX_TOOL_OUTPUT_BYTES} bytes, which is never more characters, so
 * a result is always kept whole; only parameters larger than this (from the server) are cut.
 */
export const MAX_TOOL_TEXT_CHARS = MAX_TOOL_OUTPUT_BYTES;
/**
 * The most tool text a call keeps in all (parameters and results of every kept call, about 8 MiB
 * of memory at worst). Past it, the oldest calls' texts are cut to {@link CUT_TEXT_CHARS} with a
 * note saying so, newest last; the newest call is always whole.
 */
export const MAX_TOOL_TEXT_TOTAL_CHARS = 4 * 1024 * 1024;
/** What an old call's parameters or result are cut to when the total is over. */
export const CUT_TEXT_CHARS = 500;
/** Texts up to this long are never cut for the total: cutting them would save next to nothing. */
const UNCUT_CHARS = 1_000;
/** Parameters and result on the events line (the events pane, the transcript pane, `[tool]`). */
export const TOOL_LINE_PART_CHARS = 120;
/** Tool calls kept in the snapshot; older ones drop off (a flood stays bounded). */
export const MAX_TOOL_CALLS = 500;

/** One line of text with at most `max` characters, an ellipsis when cut. */
function cap(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * How the store makes untrusted text safe to keep: `line` for one-line names and ids
 * (sanitised, redacted, short), `redact` for a call's parameters and result, which are kept
 * whole (secrets replaced, nothing else changed: the text is sanitised here first).
 */
export interface Cleaners {
  readonly line: (text: string) => string;
  readonly redact: (text: string) => string;
}

/**
 * `text` as a call keeps it: escape sequences and control characters gone, line breaks kept
 * (tabs become spaces), at most {@link MAX_TOOL_TEXT_CHARS}, secrets redacted.
 */
function keep(text: string, clean: Cleaners): string {
  // Redacted before it is cut: a key across the cut would leave its first part standing.
  return truncate(clean.redact(sanitizeText(text, Number.MAX_SAFE_INTEGER)), MAX_TOOL_TEXT_CHARS);
}

/** A new, running tool call. */
export function startToolCall(
  invocation: { invocationId: string; toolName: string; parameters: Record<string, unknown> },
  at: number,
  afterOrdinal: number,
  clean: Cleaners,
): ToolCall {
  let parameters: string;
  try {
    parameters = JSON.stringify(invocation.parameters);
  } catch {
    parameters = '{}';
  }
  return {
    invocationId: clean.line(invocation.invocationId),
    name: clean.line(invocation.toolName),
    parameters: keep(parameters, clean),
    status: 'running',
    startedAt: at,
    afterOrdinal,
  };
}

/** The same call, answered. */
export function finishToolCall(
  call: ToolCall,
  outcome: ToolOutcome,
  at: number,
  clean: Cleaners,
): ToolCall {
  const base = { ...call, endedAt: at, durationMs: Math.max(0, at - call.startedAt) };
  return outcome.ok
    ? { ...base, status: 'ok', result: keep(outcome.result, clean) }
    : { ...base, status: 'error', error: keep(outcome.error, clean) };
}

/**
 * The list with `call` added or replacing the one with its invocation id; at most
 * {@link MAX_TOOL_CALLS} calls and {@link MAX_TOOL_TEXT_TOTAL_CHARS} of their text.
 */
export function putToolCall(list: readonly ToolCall[], call: ToolCall): readonly ToolCall[] {
  const index = list.findLastIndex((c) => c.invocationId === call.invocationId);
  let next: ToolCall[];
  if (index >= 0) {
    next = list.slice();
    next[index] = call;
  } else {
    next = [...list, call];
    if (next.length > MAX_TOOL_CALLS) next = next.slice(-MAX_TOOL_CALLS);
  }
  return withinTotal(next);
}

function textChars(call: ToolCall): number {
  return call.parameters.length + (call.result?.length ?? 0) + (call.error?.length ?? 0);
}

/** `list` with the oldest calls' long texts cut until all of them fit the total. */
function withinTotal(list: ToolCall[]): ToolCall[] {
  let total = 0;
  for (const call of list) total += textChars(call);
  for (let i = 0; i < list.length - 1 && total > MAX_TOOL_TEXT_TOTAL_CHARS; i++) {
    const call = list[i]!;
    const cut: ToolCall = {
      ...call,
      parameters: cutOld(call.parameters),
      ...(call.result === undefined ? {} : { result: cutOld(call.result) }),
    };
    total -= textChars(call) - textChars(cut);
    list[i] = cut;
  }
  return list;
}

/** An old call's text, cut to its first {@link CUT_TEXT_CHARS} with a note saying so. */
function cutOld(text: string): string {
  if (text.length <= UNCUT_CHARS) return text;
  const total = MAX_TOOL_TEXT_TOTAL_CHARS.toLocaleString('en-US');
  return (
    `${Array.from(text).slice(0, CUT_TEXT_CHARS).join('')}… (cut: the first ${CUT_TEXT_CHARS} of ${text.length} ` +
    `characters are kept; a call keeps at most ${total} characters of tool text)`
  );
}

/** A short one-line form of kept text, for the events line. */
function short(text: string): string {
  return cap(text.replace(/\s+/g, ' ').trim(), TOOL_LINE_PART_CHARS);
}

/**
 * The events-log line, short and on one line (the files have the whole text): `tool
 * lookup({"id":7}) running`, `tool lookup({"id":7}) → {"ok":1} (120 ms)`, `tool lookup({"id":7})
 * failed: timed out after 10 s (10000 ms)`.
 */
export function describeToolCall(call: ToolCall): string {
  const head = `tool ${call.name}(${short(call.parameters)})`;
  const took = call.durationMs === undefined ? '' : ` (${call.durationMs} ms)`;
  if (call.status === 'running') return `${head} running`;
  if (call.status === 'ok') return `${head} → ${short(call.result ?? '')}${took}`;
  return `${head} failed: ${(call.error ?? 'unknown error').replace(/\s+/g, ' ')}${took}`;
}
