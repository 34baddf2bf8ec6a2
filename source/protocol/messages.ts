/**
 * The JSON data messages of the call socket (see docs/protocol.md): schemas, inferred types,
 * parsing that never throws, and encoding. Server messages are validated because one missing
 * field must not crash a call; unknown types are tolerated because servers add them over time.
 */
import * as z from 'zod';
import { sanitizeLine } from './sanitize.js';

/** Text frames larger than this are rejected before JSON.parse (1 MiB). */
export const MAX_TEXT_FRAME_BYTES = 1024 * 1024;

/** Longest `type` string we repeat back in `unknown` results and reasons. */
const MAX_TYPE_CHARS = 64;

// Servers are loose about optional fields: `null` counts as absent.
const optionalBoolean = z
  .boolean()
  .nullish()
  .transform((v) => v ?? false);

/** Agent turn states the server reports. */
export const AGENT_STATES = ['idle', 'listening', 'thinking', 'speaking'] as const;

// ---- server -> client ---------------------------------------------------------------------

export const callStartedSchema = z.object({
  type: z.literal('call_started'),
  callId: z.string(),
});

export const stateSchema = z.object({
  type: z.literal('state'),
  state: z.enum(AGENT_STATES),
});

export const transcriptSchema = z
  .object({
    type: z.literal('transcript'),
    role: z.enum(['user', 'agent']),
    medium: z
      .enum(['voice', 'text'])
      .nullish()
      .transform((v) => v ?? 'voice'),
    ordinal: z.number().int().min(0),
    text: z
      .string()
      .nullish()
      .transform((v) => v ?? undefined),
    delta: z
      .string()
      .nullish()
      .transform((v) => v ?? undefined),
    final: optionalBoolean,
  })
  .refine((m) => m.text !== undefined || m.delta !== undefined, {
    message: 'needs "text" or "delta" (a string)',
  });

export const playbackClearBufferSchema = z.object({ type: z.literal('playback_clear_buffer') });

export const pongSchema = z.object({ type: z.literal('pong'), timestamp: z.number() });

export const clientToolInvocationSchema = z.object({
  type: z.literal('client_tool_invocation'),
  toolName: z.string(),
  invocationId: z.string(),
  parameters: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((v) => v ?? {}),
});

export const debugSchema = z.object({ type: z.literal('debug'), message: z.string() });

export const errorSchema = z.object({ type: z.literal('error'), message: z.string() });

// Omnia documents no fields for `hangup`; a reason may come under either name.
const optionalText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

export const hangupSchema = z.object({
  type: z.literal('hangup'),
  reason: optionalText,
  message: optionalText,
});

/** `call_started`: the call is live. */
export type CallStartedMessage = z.infer<typeof callStartedSchema>;
/** `state`: the agent's turn state changed. */
export type StateMessage = z.infer<typeof stateSchema>;
/**
 * `transcript`: `text` replaces the turn's text, `delta` appends to it, `final` closes it.
 * After parsing at least one of `text`/`delta` is set, `medium` and `final` have defaults.
 */
export type TranscriptMessage = z.infer<typeof transcriptSchema>;
/** `playback_clear_buffer`: drop all queued agent audio now (barge-in). */
export type PlaybackClearBufferMessage = z.infer<typeof playbackClearBufferSchema>;
/** `pong`: echo of our `ping` timestamp (float seconds). */
export type PongMessage = z.infer<typeof pongSchema>;
/** `client_tool_invocation`: must be answered with a `client_tool_result`. */
export type ClientToolInvocationMessage = z.infer<typeof clientToolInvocationSchema>;
/** `debug`: free text, no stable format. */
export type DebugMessage = z.infer<typeof debugSchema>;
/** `error`: Omnia-specific server-side problem to show the user. */
export type ErrorMessage = z.infer<typeof errorSchema>;
/** `hangup`: Omnia-specific, the agent (or the server) ends the call; the socket closes next. */
export type HangupMessage = z.infer<typeof hangupSchema>;

/** Every server → client message type omnia-voice understands. */
export type ServerMessage =
  | CallStartedMessage
  | StateMessage
  | TranscriptMessage
  | PlaybackClearBufferMessage
  | PongMessage
  | ClientToolInvocationMessage
  | DebugMessage
  | ErrorMessage
  | HangupMessage;

export type ServerMessageType = ServerMessage['type'];

const serverSchemas: Record<ServerMessageType, z.ZodType<ServerMessage>> = {
  call_started: callStartedSchema,
  state: stateSchema,
  transcript: transcriptSchema,
  playback_clear_buffer: playbackClearBufferSchema,
  pong: pongSchema,
  client_tool_invocation: clientToolInvocationSchema,
  debug: debugSchema,
  error: errorSchema,
  hangup: hangupSchema,
};

// ---- client -> server ---------------------------------------------------------------------

export const pingSchema = z.object({ type: z.literal('ping'), timestamp: z.number() });

export const userTextMessageSchema = z.object({
  type: z.literal('user_text_message'),
  text: z.string(),
  urgency: z.enum(['immediate', 'soon', 'later']).optional(),
});

export const setOutputMediumSchema = z.object({
  type: z.literal('set_output_medium'),
  medium: z.enum(['voice', 'text']),
});

export const hangUpSchema = z.object({
  type: z.literal('hang_up'),
  message: z.string().optional(),
});

export const clientToolResultSchema = z.object({
  type: z.literal('client_tool_result'),
  invocationId: z.string(),
  result: z.string().optional(),
  /** Omnia's failure field: a reason the agent talks about. */
  error: z.string().optional(),
  /** Ultravox's failure fields; a failure carries both these and `error`. */
  errorType: z.enum(['undefined', 'implementation-error']).optional(),
  errorMessage: z.string().optional(),
  agentReaction: z.enum(['speaks', 'listens', 'speaks-once']).optional(),
  responseType: z.string().optional(),
});

export const forcedAgentMessageSchema = z.looseObject({
  type: z.literal('forced_agent_message'),
  content: z.string(),
  urgency: z.enum(['immediate', 'soon', 'later']).optional(),
});

/** `ping`: `timestamp` in float seconds of the client clock. */
export type PingMessage = z.infer<typeof pingSchema>;
/** `user_text_message`: text the agent treats as if the user had said it. */
export type UserTextMessage = z.infer<typeof userTextMessageSchema>;
/** `set_output_medium`: ask the agent to answer in voice or text only. */
export type SetOutputMediumMessage = z.infer<typeof setOutputMediumSchema>;
/** `hang_up`: end the call, optionally with a farewell for the agent to say. */
export type HangUpMessage = z.infer<typeof hangUpSchema>;
/** `client_tool_result`: the answer to a `client_tool_invocation`. */
export type ClientToolResultMessage = z.infer<typeof clientToolResultSchema>;
/** `forced_agent_message`: make the agent say something (extra fields passed through). */
export type ForcedAgentMessage = z.infer<typeof forcedAgentMessageSchema>;

/** Every client → server message. */
export type ClientMessage =
  | PingMessage
  | UserTextMessage
  | SetOutputMediumMessage
  | HangUpMessage
  | ClientToolResultMessage
  | ForcedAgentMessage;

export type ClientMessageType = ClientMessage['type'];

const clientSchemas: Record<ClientMessageType, z.ZodType<ClientMessage>> = {
  ping: pingSchema,
  user_text_message: userTextMessageSchema,
  set_output_medium: setOutputMediumSchema,
  hang_up: hangUpSchema,
  client_tool_result: clientToolResultSchema,
  forced_agent_message: forcedAgentMessageSchema,
};

// ---- parsing ------------------------------------------------------------------------------

/** Result of parsing one text frame. Never thrown; every case is a value. */
export type Parsed<M> =
  /** A known, valid message. */
  | { readonly kind: 'message'; readonly message: M }
  /** A JSON object with a string `type` we do not know: tolerated, logged at most. */
  | { readonly kind: 'unknown'; readonly type: string; readonly raw: unknown }
  /** Anything else; `reason` is one sanitised line naming the problem (and the field). */
  | {
      readonly kind: 'invalid';
      readonly reason: string;
      /**
       * A `client_tool_invocation` that could not be read but names its invocation: it must
       * still be answered, or the agent waits for it forever.
       */
      readonly invocationId?: string;
      /** That invocation's tool name, when it could be read. */
      readonly toolName?: string;
    };

/** What {@link parseServerMessage} returns. */
export type ParsedMessage = Parsed<ServerMessage>;

/**
 * Parses one server text frame. Frames over `maxBytes` are rejected before JSON.parse so a
 * hostile server cannot make us build a giant object graph.
 */
export function parseServerMessage(
  text: string,
  maxBytes: number = MAX_TEXT_FRAME_BYTES,
): ParsedMessage {
  return parseWith(text, maxBytes, serverSchemas);
}

/**
 * Parses one client text frame (what the built-in local agent server receives). Same rules as
 * {@link parseServerMessage}.
 */
export function parseClientMessage(
  text: string,
  maxBytes: number = MAX_TEXT_FRAME_BYTES,
): Parsed<ClientMessage> {
  return parseWith(text, maxBytes, clientSchemas);
}

/** Serialises a client message for a text frame. */
export function encodeClientMessage(msg: ClientMessage): string {
  return JSON.stringify(msg);
}

/** True when `type` is a server message type this client understands. */
export function isKnownServerType(type: string): type is ServerMessageType {
  return Object.hasOwn(serverSchemas, type);
}

function parseWith<M extends { type: string }>(
  text: string,
  maxBytes: number,
  schemas: Record<string, z.ZodType<M>>,
): Parsed<M> {
  if (typeof text !== 'string') return invalid('not a text frame');
  // UTF-8 needs at least one byte per UTF-16 unit, so the cheap length check is exact enough
  // to reject most oversized frames without measuring them.
  const bytes =
    text.length > maxBytes || text.length * 3 > maxBytes ? Buffer.byteLength(text) : text.length;
  const tooLarge = frameTooLarge(bytes, maxBytes);
  if (tooLarge) return invalid(tooLarge);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return invalid(`not valid JSON (${formatBytes(bytes)})`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return invalid(`expected a JSON object, got ${describeValue(data)}`);
  }
  const record = data as Record<string, unknown>;
  const type = record.type;
  if (type === undefined) return invalid('message has no "type"');
  if (typeof type !== 'string')
    return invalid(`"type" expected a string, got ${describeValue(type)}`);
  if (type.length === 0) return invalid('"type" is empty');
  if (!Object.hasOwn(schemas, type)) {
    return { kind: 'unknown', type: sanitizeLine(type, MAX_TYPE_CHARS), raw: data };
  }
  const schema = schemas[type]!;
  const result = schema.safeParse(data);
  if (result.success) return { kind: 'message', message: result.data };
  const issue = result.error.issues[0];
  const reason = `${type}: ${issue ? describeIssue(issue, record) : 'invalid message'}`;
  const id = record.invocationId;
  if (type === 'client_tool_invocation' && typeof id === 'string' && id.length > 0) {
    const name = typeof record.toolName === 'string' ? record.toolName : undefined;
    return { kind: 'invalid', reason, invocationId: id, ...(name ? { toolName: name } : {}) };
  }
  return invalid(reason);
}

/** Longest invocation id or tool name looked for in a frame too large to parse. */
const MAX_UNREAD_FIELD_CHARS = 200;

/**
 * The invocation id (and tool name) of a `client_tool_invocation` frame too large to parse,
 * found by a search of its text, else undefined: such a call must still be answered (with an
 * error).
 */
export function toolCallOfUnread(
  frame: Buffer,
): { readonly invocationId: string; readonly toolName?: string } | undefined {
  const text = frame.toString('latin1');
  if (!/"type"\s*:\s*"client_tool_invocation"/.test(text)) return undefined;
  const field = (name: string) => {
    const value = new RegExp(`"${name}"\\s*:\\s*"([^"\\\\]{1,${MAX_UNREAD_FIELD_CHARS}})"`).exec(
      text,
    )?.[1];
    return value === undefined ? undefined : Buffer.from(value, 'latin1').toString('utf8');
  };
  const invocationId = field('invocationId');
  if (invocationId === undefined) return undefined;
  const toolName = field('toolName');
  return { invocationId, ...(toolName ? { toolName } : {}) };
}

/** The reason a text frame of `bytes` is rejected unparsed, or undefined when it may be parsed. */
export function frameTooLarge(bytes: number, maxBytes: number): string | undefined {
  if (bytes <= maxBytes) return undefined;
  return `text frame of ${formatBytes(bytes)} exceeds the ${formatBytes(maxBytes)} limit`;
}

function invalid(reason: string): { kind: 'invalid'; reason: string } {
  return { kind: 'invalid', reason };
}

/** Turns a zod issue into `"field" expected a number, got string` style text. */
function describeIssue(issue: z.core.$ZodIssue, record: Record<string, unknown>): string {
  const path = issue.path.map(String).join('.');
  const field = path ? `"${path}"` : 'message';
  const value = valueAt(record, issue.path);
  const got = value === undefined ? 'it is missing' : `got ${describeValue(value)}`;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'an integer' : withArticle(issue.expected);
      return `${field} expected ${expected}, ${got}`;
    }
    case 'invalid_value':
      return `${field} expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, ${got}`;
    case 'too_small':
      return `${field} must be >= ${String(issue.minimum)}, got ${describeValue(value)}`;
    case 'too_big':
      return `${field} must be <= ${String(issue.maximum)}, got ${describeValue(value)}`;
    default:
      return `${field} ${sanitizeLine(issue.message, 200)}`;
  }
}

function valueAt(record: Record<string, unknown>, path: readonly PropertyKey[]): unknown {
  let value: unknown = record;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function withArticle(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/** Names a value's kind without repeating untrusted content (except short numbers). */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number')
    return Number.isFinite(value) ? String(value) : 'a non-finite number';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'boolean' ? 'a boolean' : typeof value;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
