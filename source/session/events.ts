/**
 * Words for what happens on the call socket: events-log lines for server messages and
 * rejected frames, and the end reason for a close code. Pure; the store stamps ids and times.
 */
import type { ParsedMessage, ServerMessage } from '../protocol/messages.js';
import { sanitizeLine } from '../protocol/sanitize.js';
import type { EventKind } from './types.js';

/** Events kept for the events pane; older ones are dropped (a flood stays bounded). */
export const MAX_EVENTS = 500;

/** Longest server-supplied text put into one events-log line. */
export const MAX_EVENT_CHARS = 500;

/** An events-log entry before the store gives it an id and a time. */
export interface EventDraft {
  readonly kind: EventKind;
  /** One line, sanitised. */
  readonly message: string;
}

/**
 * An event's words under its label: a tool call's line without its leading `tool` (the label
 * says it: `tool   lookup(…)` in the transcript and events panes, `[tool] lookup(…) running` in
 * plain mode; not `tool   tool lookup(…)`). The store keeps the line whole, for the `.jsonl`
 * event records, which have no label beside it.
 */
export function eventText(event: { readonly kind: EventKind; readonly message: string }): string {
  return event.kind === 'tool' ? event.message.replace(/^tool /, '') : event.message;
}

/** How a call ended, for the status line and the exit code. */
export interface CloseOutcome {
  /** One line for the user. */
  readonly endReason: string;
  /** True when the user should see this as an error (exit code 1). */
  readonly isError: boolean;
}

/**
 * The events-log line for a server message, or `undefined` for messages the UI shows in its
 * own way (state, transcript, pong, playback clears).
 */
export function eventForMessage(msg: ServerMessage): EventDraft | undefined {
  switch (msg.type) {
    case 'call_started':
      return { kind: 'info', message: `call started (${sanitizeLine(msg.callId, 100)})` };
    case 'debug':
      return { kind: 'debug', message: sanitizeLine(msg.message, MAX_EVENT_CHARS) };
    case 'error':
      return { kind: 'error', message: `server: ${sanitizeLine(msg.message, MAX_EVENT_CHARS)}` };
    case 'client_tool_invocation':
      return {
        kind: 'tool',
        message: `agent called client tool "${sanitizeLine(msg.toolName, 100)}"`,
      };
    default:
      return undefined;
  }
}

/** The events-log line for a frame that was not a usable known message. */
export function eventForParsed(parsed: ParsedMessage): EventDraft | undefined {
  if (parsed.kind === 'message') return eventForMessage(parsed.message);
  if (parsed.kind === 'unknown') return eventForUnknown(parsed.type);
  return eventForInvalid(parsed.reason);
}

/** For the connection's `unknown` event. */
export function eventForUnknown(type: string): EventDraft {
  return {
    kind: 'unknown',
    message: `ignored message of unknown type "${sanitizeLine(type, 64)}"`,
  };
}

/** For the connection's `invalid` event. */
export function eventForInvalid(reason: string): EventDraft {
  return {
    kind: 'invalid',
    message: `ignored invalid message: ${sanitizeLine(reason, MAX_EVENT_CHARS)}`,
  };
}

/**
 * What a close means. 1000 is a normal end; so is anything after we hung up ourselves. Every
 * other code is an error shown to the user, with the server's reason when it gave one.
 */
export function describeClose(code: number, reason: string, byUs: boolean): CloseOutcome {
  const why = sanitizeLine(reason, 200);
  if (byUs) return { endReason: 'call ended', isError: false };
  if (code === 1000) {
    return {
      endReason: why ? `the agent ended the call: ${why}` : 'the agent ended the call',
      isError: false,
    };
  }
  const meaning = CLOSE_MEANINGS[code] ?? (code >= 4000 ? 'closed by the server' : 'closed');
  return {
    endReason: `call socket ${meaning} (code ${code})${why ? `: ${why}` : ''}`,
    isError: true,
  };
}

const CLOSE_MEANINGS: Record<number, string> = {
  1001: 'closed: the server is going away',
  1002: 'closed: protocol error',
  1003: 'closed: unsupported data',
  1005: 'closed without a status',
  1006: 'lost',
  1007: 'closed: invalid data',
  1008: 'closed: policy violation',
  1009: 'closed: message too big',
  1011: 'closed: server error',
  1012: 'closed: the server is restarting',
  1013: 'closed: try again later',
  1015: 'closed: TLS failure',
};
