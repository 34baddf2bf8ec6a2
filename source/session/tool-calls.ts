/**
 * Client tool invocations as the snapshot keeps them (`Snapshot.toolCalls`) and the events-log
 * line for each. Pure; the store does the I/O and stamps the times.
 */
import type { ToolOutcome } from '../tools/types.js';
import type { ToolCall } from './types.js';

/** Parameters and results are shown on a line or two; the agent still gets the whole result. */
export const MAX_TOOL_TEXT_CHARS = 500;
/** Tool calls kept in the snapshot; older ones drop off (a flood stays bounded). */
export const MAX_TOOL_CALLS = 500;

/** One line of text with at most `max` characters, an ellipsis when cut. */
function cap(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Turns untrusted text into what the snapshot may hold (sanitising, redacting). */
export type Cleaner = (text: string) => string;

/** A new, running tool call. */
export function startToolCall(
  invocation: { invocationId: string; toolName: string; parameters: Record<string, unknown> },
  at: number,
  afterOrdinal: number,
  clean: Cleaner,
): ToolCall {
  let parameters: string;
  try {
    parameters = JSON.stringify(invocation.parameters);
  } catch {
    parameters = '{}';
  }
  return {
    invocationId: clean(invocation.invocationId),
    name: clean(invocation.toolName),
    parameters: cap(clean(parameters), MAX_TOOL_TEXT_CHARS),
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
  clean: Cleaner,
): ToolCall {
  const base = { ...call, endedAt: at, durationMs: Math.max(0, at - call.startedAt) };
  return outcome.ok
    ? { ...base, status: 'ok', result: cap(clean(outcome.result), MAX_TOOL_TEXT_CHARS) }
    : { ...base, status: 'error', error: cap(clean(outcome.error), MAX_TOOL_TEXT_CHARS) };
}

/** The list with `call` added or replacing the one with its invocation id. */
export function putToolCall(list: readonly ToolCall[], call: ToolCall): readonly ToolCall[] {
  const index = list.findLastIndex((c) => c.invocationId === call.invocationId);
  if (index >= 0) {
    const next = list.slice();
    next[index] = call;
    return next;
  }
  const next = [...list, call];
  return next.length > MAX_TOOL_CALLS ? next.slice(-MAX_TOOL_CALLS) : next;
}

/**
 * The events-log line: `tool lookup({"id":7}) running`, `tool lookup({"id":7}) → {"ok":1}
 * (120 ms)`, `tool lookup({"id":7}) failed: timed out after 10 s (10000 ms)`.
 */
export function describeToolCall(call: ToolCall): string {
  const head = `tool ${call.name}(${call.parameters})`;
  const took = call.durationMs === undefined ? '' : ` (${call.durationMs} ms)`;
  if (call.status === 'running') return `${head} running`;
  if (call.status === 'ok') return `${head} → ${call.result ?? ''}${took}`;
  return `${head} failed: ${call.error ?? 'unknown error'}${took}`;
}
