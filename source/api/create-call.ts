import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import {
  CallCreationError,
  httpFailureToError,
  networkFailureToError,
  type RequestContext,
  type TimeoutPhase,
} from './errors.js';
import { sanitizeServerText } from './sanitize.js';

export { CallCreationError, type CallCreationErrorKind } from './errors.js';
export { maskKey } from './mask-key.js';

/** Time allowed for DNS, TCP and TLS before giving up on reaching the server. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Time allowed, once connected, for the server to send its whole answer. */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 20_000;
/** An answer to "create a call" is a few hundred bytes; anything this large is not one. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
const CREATE_CALL_PATH = '/api/v1/calls/create';
// Keys are opaque tokens; anything outside visible ASCII cannot travel in a header intact.
const HEADER_SAFE_KEY = /^[\x21-\x7e]+$/;

/** What is needed to ask Omnia for a new WebSocket call. */
export interface CreateCallOptions {
  /** Base URL of the Omnia API, e.g. `https://dashboard.omnia-voice.com` (trailing slash ok). */
  apiBase: string;
  /** Sent as `X-API-Key` when given; never shown, logged or put in an error. */
  apiKey?: string;
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
  /**
   * Accepted for interface compatibility; the request always goes through node:http/https,
   * which is the only way to tell a connect timeout from a response timeout.
   */
  fetch?: typeof fetch;
}

/** A call Omnia created: open `websocketUrl` next (within about 30 s). */
export interface CreatedCall {
  /** The ws:// or wss:// URL of the call socket. */
  websocketUrl: string;
  /** The call id, when the server gave one. */
  callId?: string;
  /** The parsed JSON answer, for diagnostics. */
  raw: unknown;
}

/** `{apiBase}/api/v1/calls/create`, keeping any path prefix of the base and its slashes sane. */
export function createCallUrl(apiBase: string): URL {
  const url = new URL(apiBase.trim());
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${CREATE_CALL_PATH}`;
  url.hash = '';
  return url;
}

/** The JSON body Omnia expects for a WebSocket call with raw PCM. */
export function createCallBody(options: CreateCallOptions): string {
  return JSON.stringify({
    agentId: options.agentId,
    connectionType: 'websocket',
    websocket: {
      inputSampleRate: options.inputSampleRate,
      outputSampleRate: options.outputSampleRate,
      codec: 'pcm',
    },
  });
}

/**
 * Creates a call over REST and returns the WebSocket URL to join. Every failure is a
 * {@link CallCreationError} whose one-line message says what went wrong and what to do.
 */
export function createCall(options: CreateCallOptions): Promise<CreatedCall> {
  let url: URL;
  try {
    url = createCallUrl(options.apiBase);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    const shown = JSON.stringify(sanitizeServerText(options.apiBase, 120));
    return Promise.reject(
      new CallCreationError(
        'unreachable',
        `The API base ${shown} is not an http(s) URL. Check --api-base or OMNIA_API_BASE.`,
      ),
    );
  }
  const context: RequestContext = {
    host: url.host,
    agentId: options.agentId,
    inputSampleRate: options.inputSampleRate,
    outputSampleRate: options.outputSampleRate,
  };
  const apiKey = options.apiKey?.trim();
  if (apiKey) {
    context.apiKey = apiKey;
    if (!HEADER_SAFE_KEY.test(apiKey)) {
      return Promise.reject(
        new CallCreationError(
          'auth',
          'The API key contains spaces or characters that cannot be sent. Check OMNIA_API_KEY.',
        ),
      );
    }
  }
  return new Promise<CreatedCall>((resolve, reject) => {
    sendRequest(url, options, context, apiKey, resolve, reject);
  });
}

function sendRequest(
  url: URL,
  options: CreateCallOptions,
  context: RequestContext,
  apiKey: string | undefined,
  resolve: (call: CreatedCall) => void,
  reject: (error: CallCreationError) => void,
): void {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const responseTimeoutMs = options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
  const body = createCallBody(options);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    'User-Agent': 'omnia-voice',
  };
  if (apiKey) headers['X-API-Key'] = apiKey;

  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (outcome: { call: CreatedCall } | { error: CallCreationError }): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if ('call' in outcome) resolve(outcome.call);
    else reject(outcome.error);
  };
  const startTimer = (phase: TimeoutPhase, ms: number): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      finish({ error: networkFailureToError(undefined, context, { phase, ms }) });
      request.destroy();
    }, ms);
  };

  const transport = url.protocol === 'https:' ? https : http;
  let request: http.ClientRequest;
  try {
    // agent: false gives a fresh socket, so "connected" really means this request connected.
    request = transport.request(url, { method: 'POST', headers, agent: false });
  } catch (error) {
    finish({ error: networkFailureToError(error, context) });
    return;
  }
  startTimer('connect', connectTimeoutMs);
  request.once('socket', (socket: Socket) => {
    const connectedEvent = url.protocol === 'https:' ? 'secureConnect' : 'connect';
    socket.once(connectedEvent, () => {
      if (!settled) startTimer('response', responseTimeoutMs);
    });
  });
  request.on('error', (error) => finish({ error: networkFailureToError(error, context) }));
  request.on('response', (response) => {
    const chunks: Buffer[] = [];
    let received = 0;
    response.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_RESPONSE_BYTES) {
        finish({
          error: new CallCreationError(
            'bad-response',
            `${context.host} sent an answer larger than ${MAX_RESPONSE_BYTES} bytes. Check --api-base points at the Omnia API.`,
            { status: response.statusCode },
          ),
        });
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    response.on('error', (error) => finish({ error: networkFailureToError(error, context) }));
    response.on('aborted', () =>
      finish({ error: networkFailureToError(connectionReset(), context) }),
    );
    response.on('end', () => {
      const status = response.statusCode ?? 0;
      const text = Buffer.concat(chunks).toString('utf8');
      if (status >= 200 && status < 300) {
        finish(parseSuccess(status, text, context));
        return;
      }
      const retryAfter = response.headers['retry-after'];
      const location = response.headers.location;
      finish({
        error: httpFailureToError(
          {
            status,
            body: text,
            ...(retryAfter === undefined ? {} : { retryAfter }),
            ...(location === undefined ? {} : { location }),
          },
          context,
        ),
      });
    });
  });
  request.end(body);
}

function connectionReset(): Error {
  return Object.assign(new Error('the connection closed before the answer was complete'), {
    code: 'ECONNRESET',
  });
}

/** Checks a 2xx answer: JSON with a ws:// or wss:// `websocketUrl`. */
export function parseSuccess(
  status: number,
  text: string,
  context: Pick<RequestContext, 'host' | 'apiKey'>,
): { call: CreatedCall } | { error: CallCreationError } {
  const advice = 'Check --api-base points at the Omnia API.';
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    const preview = sanitizeServerText(text, 80);
    const shown = preview === '' ? 'an empty body' : `"${preview}"`;
    return {
      error: new CallCreationError(
        'bad-response',
        `${context.host} answered HTTP ${status} with ${shown}, not JSON. ${advice}`,
        { status, cause },
      ),
    };
  }
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const websocketUrl = record.websocketUrl;
  if (typeof websocketUrl !== 'string' || websocketUrl.trim() === '') {
    return {
      error: new CallCreationError(
        'bad-response',
        `${context.host} answered HTTP ${status} without a websocketUrl. ${advice}`,
        { status },
      ),
    };
  }
  if (!isWebSocketUrl(websocketUrl)) {
    const shown = sanitizeServerText(websocketUrl.split('?')[0] ?? '', 80);
    return {
      error: new CallCreationError(
        'bad-response',
        `${context.host} answered with a websocketUrl that is not ws:// or wss:// ("${shown}"). ${advice}`,
        { status },
      ),
    };
  }
  const call: CreatedCall = { websocketUrl: websocketUrl.trim(), raw };
  const callId = [record.callId, record.id, record.call_id].find(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  if (callId !== undefined) call.callId = callId;
  return { call };
}

function isWebSocketUrl(value: string): boolean {
  try {
    const protocol = new URL(value.trim()).protocol;
    return protocol === 'ws:' || protocol === 'wss:';
  } catch {
    return false;
  }
}
