import { ApiError, type RequestContext, requestIdPart } from './errors.js';
import { type HttpAnswer, headerValue, sendHttp } from './http.js';
import { answerJson, apiHeaders, apiUrl, failureOf, headerSafeKey } from './request.js';
import { sanitizeServerText } from './sanitize.js';

export { CallCreationError, type CallCreationErrorKind } from './errors.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_RESPONSE_TIMEOUT_MS } from './http.js';
export { maskKey } from './mask-key.js';

/** An answer to "create a call" is a few hundred bytes; anything this large is not one. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
const CREATE_CALL_PATH = '/calls/create';

/** What is needed to ask Omnia for a new WebSocket call. */
export interface CreateCallOptions {
  /** Base URL of the Omnia API, e.g. `https://api.omnia-voice.com` (trailing slash ok). */
  apiBase: string;
  /** Sent as `X-API-Key` when given; never shown, logged or put in an error. */
  apiKey?: string;
  /** Where the key came from, for messages (`ApiTarget.keyFrom`). */
  keyFrom?: string | undefined;
  /** Where the API base came from, for messages (`ApiTarget.apiBaseFrom`). */
  apiBaseFrom?: string | undefined;
  /** The agent to talk to. */
  agentId: string;
  /** Rate (Hz) of the PCM the client will send. */
  inputSampleRate: number;
  /** Rate (Hz) of the PCM the client wants to receive. */
  outputSampleRate: number;
  /** DNS + TCP + TLS budget; default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs?: number;
  /** Budget for the whole answer once connected; default {@link DEFAULT_RESPONSE_TIMEOUT_MS}. */
  responseTimeoutMs?: number;
  /** Aborting rejects with an error of kind `cancelled`. */
  signal?: AbortSignal;
  /** Who answers, for messages (`ApiTarget.server`). */
  server?: string | undefined;
  /**
   * Accepted for interface compatibility; the request always goes through node:http/https,
   * which is the only way to tell a connect timeout from a response timeout.
   */
  fetch?: typeof fetch;
}

/**
 * A call Omnia created: open `websocketUrl` next (within about 30 s). The URL is short-lived,
 * single-use and is itself the credential of the call: never print, log or save it.
 */
export interface CreatedCall {
  /** The ws:// or wss:// URL of the call socket. */
  websocketUrl: string;
  /** The call id, when the server gave one. */
  callId?: string;
  /** The agent the call is with, as the server named it (agent calls only). */
  agent?: { id: string; name?: string };
}

/** `{apiBase}/api/v1/calls/create`, keeping any path prefix of the base and its slashes sane. */
export function createCallUrl(apiBase: string): URL {
  return apiUrl(apiBase, CREATE_CALL_PATH);
}

/** The `websocket` part of every call body: raw PCM at our rates (Omnia's default is g711). */
export function websocketOptions(rates: { inputSampleRate: number; outputSampleRate: number }) {
  return {
    inputSampleRate: rates.inputSampleRate,
    outputSampleRate: rates.outputSampleRate,
    codec: 'pcm',
  };
}

/** The JSON body Omnia expects for a WebSocket call with raw PCM. */
export function createCallBody(options: CreateCallOptions): string {
  return JSON.stringify({
    agentId: options.agentId,
    connectionType: 'websocket',
    websocket: websocketOptions(options),
  });
}

/**
 * Creates a call over REST and returns the WebSocket URL to join. Every failure is a
 * {@link CallCreationError} whose one-line message says what went wrong and what to do.
 */
export function createCall(options: CreateCallOptions): Promise<CreatedCall> {
  return postCall({
    apiBase: options.apiBase,
    apiKey: options.apiKey,
    keyFrom: options.keyFrom,
    apiBaseFrom: options.apiBaseFrom,
    path: CREATE_CALL_PATH,
    body: createCallBody(options),
    context: {
      ...(options.server === undefined ? {} : { server: options.server }),
      agentId: options.agentId,
      inputSampleRate: options.inputSampleRate,
      outputSampleRate: options.outputSampleRate,
    },
    connectTimeoutMs: options.connectTimeoutMs,
    responseTimeoutMs: options.responseTimeoutMs,
    signal: options.signal,
  });
}

/** One call-creating POST (`/calls/create` or `/calls/inline`). */
export interface PostCallRequest {
  apiBase: string;
  apiKey?: string | undefined;
  /** Where the key came from, for messages (`ApiTarget.keyFrom`). */
  keyFrom?: string | undefined;
  /** Where the API base came from, for messages (`ApiTarget.apiBaseFrom`). */
  apiBaseFrom?: string | undefined;
  /** Below `/api/v1`. */
  path: string;
  /** The JSON body, already encoded. */
  body: string;
  /** How the messages describe the request (the host and key are filled in). */
  context: Omit<RequestContext, 'host' | 'apiBase' | 'apiBaseFrom' | 'apiKey' | 'keyFrom'>;
  connectTimeoutMs?: number | undefined;
  responseTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Posts a call request and reads the created call. Rejects with ApiError only. */
export async function postCall(request: PostCallRequest): Promise<CreatedCall> {
  const url = apiUrl(request.apiBase, request.path);
  const apiKey = headerSafeKey(request.apiKey);
  const context: RequestContext = {
    host: url.host,
    apiBase: request.apiBase,
    ...request.context,
    createsCall: true,
  };
  if (apiKey) context.apiKey = apiKey;
  if (apiKey && request.keyFrom !== undefined) context.keyFrom = request.keyFrom;
  if (request.apiBaseFrom !== undefined) context.apiBaseFrom = request.apiBaseFrom;
  const answer = await sendHttp(
    {
      url,
      method: 'POST',
      headers: apiHeaders(apiKey, true),
      body: request.body,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      ...(request.connectTimeoutMs ? { connectTimeoutMs: request.connectTimeoutMs } : {}),
      ...(request.responseTimeoutMs ? { responseTimeoutMs: request.responseTimeoutMs } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    },
    context,
  );
  if (answer.status < 200 || answer.status >= 300) throw failureOf(answer, context);
  const outcome = parseSuccess(answer, context);
  if ('error' in outcome) {
    const id = requestIdPart(headerValue(answer.headers, 'x-request-id'));
    if (id === '') throw outcome.error;
    throw new ApiError(outcome.error.kind, `${outcome.error.message}${id}`, {
      status: answer.status,
    });
  }
  return outcome.call;
}

/** The longest id, and agent name, the app shows from a created call. */
const ID_CHARS = 200;
const NAME_CHARS = 200;

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** `value` as one safe terminal line of at most `maxChars`, or nothing when nothing is left. */
function cleanField(value: string | undefined, maxChars: number): string | undefined {
  if (value === undefined) return undefined;
  const clean = sanitizeServerText(value, maxChars);
  return clean === '' ? undefined : clean;
}

/** Checks a 2xx answer: JSON with a ws:// or wss:// `websocketUrl`. */
export function parseSuccess(
  answer: Pick<HttpAnswer, 'status' | 'text' | 'notText'>,
  context: Pick<RequestContext, 'host' | 'apiKey'>,
): { call: CreatedCall } | { error: ApiError } {
  const { status } = answer;
  const advice = 'Check --api-base points at the Omnia API.';
  const parsed = answerJson(answer);
  if ('problem' in parsed) {
    // Never quoted: this body is where the socket address and its token are (even cut off).
    return {
      error: new ApiError(
        'bad-response',
        `${context.host} answered HTTP ${status} with ${parsed.problem}. ${advice}`,
        { status },
      ),
    };
  }
  const raw = parsed.json;
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const websocketUrl = record.websocketUrl;
  if (typeof websocketUrl !== 'string' || websocketUrl.trim() === '') {
    return {
      error: new ApiError(
        'bad-response',
        `${context.host} answered HTTP ${status} without a websocketUrl. ${advice}`,
        { status },
      ),
    };
  }
  const problem = webSocketUrlProblem(websocketUrl);
  if (problem) {
    return {
      error: new ApiError(
        'bad-response',
        `${context.host} answered with a websocketUrl that ${problem}. ${advice}`,
        { status },
      ),
    };
  }
  const call: CreatedCall = { websocketUrl: websocketUrl.trim() };
  // The ids and the name are printed (`[call] connected (call …)`, the summary's `calls show …`):
  // no escape sequence or endless line from the server reaches a terminal through them.
  const callId = cleanField([record.callId, record.id, record.call_id].find(isText), ID_CHARS);
  if (callId !== undefined) call.callId = callId;
  const agent = record.agent;
  if (typeof agent === 'object' && agent !== null) {
    const { id: rawId, name: rawName } = agent as Record<string, unknown>;
    const id = cleanField(isText(rawId) ? rawId : undefined, ID_CHARS);
    const name = cleanField(isText(rawName) ? rawName : undefined, NAME_CHARS);
    if (id !== undefined) call.agent = { id, ...(name === undefined ? {} : { name }) };
  }
  return { call };
}

/**
 * What is wrong with a socket address, in words that name only its scheme (the rest of it is the
 * call's credential); undefined when it is a usable ws:// or wss:// URL.
 */
function webSocketUrlProblem(value: string): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(value.trim())?.[1]?.toLowerCase();
  if (scheme !== 'ws' && scheme !== 'wss') {
    const shown = scheme ? ` ("${sanitizeServerText(`${scheme}:`, 20)}")` : '';
    return `is not ws:// or wss://${shown}`;
  }
  try {
    new URL(value.trim());
    return undefined;
  } catch {
    // ws:// with a port out of range, a host that is no host name, …
    return `is not a valid ${scheme}:// address (its host or port)`;
  }
}
