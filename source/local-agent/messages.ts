/**
 * The local agent's own small encoding of the Omnia data messages (it deliberately does not share
 * code with source/protocol, so the two can check each other). Pure.
 */
import { cutAtGrapheme } from '../text/graphemes.js';

export type AgentTurnState = 'idle' | 'listening' | 'thinking' | 'speaking';
export type TranscriptRole = 'user' | 'agent';
export type TranscriptMedium = 'voice' | 'text';

/** Every message the demo agent sends. */
export type ServerMessage =
  | { type: 'call_started'; callId: string }
  | { type: 'state'; state: AgentTurnState }
  | {
      type: 'transcript';
      role: TranscriptRole;
      medium: TranscriptMedium;
      ordinal: number;
      final: boolean;
      text?: string;
      delta?: string;
    }
  | { type: 'playback_clear_buffer' }
  | { type: 'pong'; timestamp: unknown }
  | {
      type: 'client_tool_invocation';
      toolName: string;
      invocationId: string;
      parameters: Record<string, unknown>;
    }
  | { type: 'debug'; message: string }
  | { type: 'error'; message: string }
  | { type: 'hangup'; reason: string };

/** Every client message the demo agent acts on; anything else is `ignored`. */
export type ClientMessage =
  | { type: 'ping'; timestamp: unknown }
  | { type: 'user_text_message'; text: string; urgency: 'immediate' | 'soon' | 'later' }
  | { type: 'set_output_medium'; medium: TranscriptMedium }
  | { type: 'hang_up'; message: string | undefined }
  | {
      type: 'client_tool_result';
      invocationId: string;
      result: string | undefined;
      /** Omnia's failure field: the reason the agent talks about. */
      error: string | undefined;
      errorType: string | undefined;
      errorMessage: string | undefined;
    }
  | { type: 'forced_agent_message'; content: string };

/** Result of reading one text frame from the client. */
export type ParsedClientFrame =
  | { kind: 'message'; raw: Record<string, unknown>; message: ClientMessage }
  /** A JSON object with a string `type`, but one the agent does not act on or with bad fields. */
  | { kind: 'ignored'; raw: Record<string, unknown>; reason: string }
  /** Not a JSON object with a string `type`. */
  | { kind: 'invalid'; reason: string };

export function encodeServerMessage(message: ServerMessage): string {
  return JSON.stringify(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Reads one client text frame. Never throws: junk is reported, not fatal. */
export function parseClientFrame(text: string): ParsedClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  if (!isRecord(value)) return { kind: 'invalid', reason: 'not a JSON object' };
  const raw = value;
  if (typeof raw.type !== 'string') return { kind: 'invalid', reason: 'no string "type"' };
  const ignored = (reason: string): ParsedClientFrame => ({ kind: 'ignored', raw, reason });
  switch (raw.type) {
    case 'ping':
      return { kind: 'message', raw, message: { type: 'ping', timestamp: raw.timestamp } };
    case 'user_text_message': {
      if (typeof raw.text !== 'string') return ignored('user_text_message without text');
      const urgency = raw.urgency === 'immediate' || raw.urgency === 'later' ? raw.urgency : 'soon';
      return {
        kind: 'message',
        raw,
        message: { type: 'user_text_message', text: raw.text, urgency },
      };
    }
    case 'set_output_medium':
      if (raw.medium !== 'voice' && raw.medium !== 'text') {
        return ignored('set_output_medium with unknown medium');
      }
      return { kind: 'message', raw, message: { type: 'set_output_medium', medium: raw.medium } };
    case 'hang_up':
      return {
        kind: 'message',
        raw,
        message: { type: 'hang_up', message: optionalString(raw.message) },
      };
    case 'client_tool_result':
      if (typeof raw.invocationId !== 'string') return ignored('client_tool_result without id');
      return {
        kind: 'message',
        raw,
        message: {
          type: 'client_tool_result',
          invocationId: raw.invocationId,
          result: optionalString(raw.result),
          error: optionalString(raw.error),
          errorType: optionalString(raw.errorType),
          errorMessage: optionalString(raw.errorMessage),
        },
      };
    case 'forced_agent_message':
      if (typeof raw.content !== 'string') return ignored('forced_agent_message without content');
      return {
        kind: 'message',
        raw,
        message: { type: 'forced_agent_message', content: raw.content },
      };
    default:
      return ignored(`unknown type "${oneLine(raw.type, 40)}"`);
  }
}

/**
 * Client text made safe to repeat in a reply, a log line or espeak's argv: control characters
 * (escape sequences included) removed, whitespace collapsed, length capped.
 */
export function oneLine(text: string, maxChars = 200): string {
  // Zero-width space and direction marks go; the joiners (U+200C, U+200D) stay: they are part
  // of emoji sequences (a family, a flag with a modifier) and of Persian and Indic words.
  const clean = text
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > maxChars ? `${cutAtGrapheme(clean, maxChars - 1)}…` : clean;
}
