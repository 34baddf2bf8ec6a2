/**
 * One HTTP exchange with the Omnia API over node:http/https. Not fetch: only a socket of our own
 * tells a connect timeout (wrong host, firewall) from a slow answer (overloaded server), and each
 * gets its own advice. Every failure without an HTTP answer becomes an {@link ApiError}.
 */
import type http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type https from 'node:https';
import type { Socket } from 'node:net';
import {
  ApiError,
  cutAnswerToError,
  networkFailureToError,
  type RequestContext,
  type TimeoutPhase,
} from './errors.js';
import { noteLocalAgent } from './local-serve.js';
import { nodeHttp, nodeHttps } from './node-http.js';

/** Time allowed for DNS, TCP and TLS before giving up on reaching the server. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Time allowed, once connected, for the server to send its whole answer. */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 20_000;
/** Largest answer read; a page of 100 call logs with transcripts fits well below it. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** What to send. */
export interface HttpRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly connectTimeoutMs?: number;
  readonly responseTimeoutMs?: number;
  readonly maxResponseBytes?: number;
  /** Aborting rejects with an ApiError of kind `cancelled` and drops the socket. */
  readonly signal?: AbortSignal;
}

/** Whatever the server answered, success or not. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /**
   * Set when the body is no text to show, saying what it is instead: compressed (the app never
   * asks for that, and does not unpack it) or binary. `text` is then not to be shown.
   */
  readonly notText?: string;
}

/**
 * Sends one request; resolves with a complete answer or with any refusal (300 and more, even
 * one whose body stalled or was cut at the size cap), rejects when there was no answer, or a
 * success stalled or was too large.
 */
export function sendHttp(request: HttpRequest, context: RequestContext): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const connectTimeoutMs = request.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const responseTimeoutMs = request.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
    const maxBytes = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const { url, signal } = request;
    const headers = { ...request.headers };
    if (request.body !== undefined)
      headers['Content-Length'] = String(Buffer.byteLength(request.body));

    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let outgoing: http.ClientRequest | undefined;
    const finish = (outcome: { answer: HttpAnswer } | { error: ApiError }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if ('answer' in outcome) resolve(outcome.answer);
      else reject(outcome.error);
    };
    const onAbort = (): void => {
      finish({
        error: new ApiError('cancelled', `Cancelled: ${context.action ?? 'the request'}.`),
      });
      outgoing?.destroy();
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    // The answer's status line and headers came: a timeout now is a body that stalled.
    let answering: { status: number; headers: IncomingHttpHeaders; chunks: Buffer[] } | undefined;
    // A refusal whose body stalled, was cut or broke is still a refusal: its status and headers
    // say what went wrong (a wrong key, a limit and its Retry-After), whatever of the body came.
    const refusalSoFar = (): boolean => {
      if (!answering || answering.status < 300) return false;
      const { status, headers, chunks } = answering;
      finish({ answer: answerOf(status, headers, chunks) });
      return true;
    };
    const failed = (error: unknown): void => {
      if (!refusalSoFar()) finish({ error: networkFailureToError(error, context) });
    };
    const startTimer = (phase: TimeoutPhase, ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!refusalSoFar()) {
          const stalled = answering ? { phase: 'body' as const, status: answering.status } : {};
          finish({
            error: networkFailureToError(undefined, context, { phase, ms, ...stalled }),
          });
        }
        outgoing?.destroy();
      }, ms);
    };

    // Not ES imports of node:http/https: see node-http.ts.
    const transport: typeof http | typeof https =
      url.protocol === 'https:' ? nodeHttps() : nodeHttp();
    try {
      // agent: false gives a fresh socket, so "connected" really means this request connected.
      outgoing = transport.request(url, { method: request.method, headers, agent: false });
    } catch (error) {
      finish({ error: networkFailureToError(error, context) });
      return;
    }
    const req = outgoing;
    startTimer('connect', connectTimeoutMs);
    req.once('socket', (socket: Socket) => {
      const connectedEvent = url.protocol === 'https:' ? 'secureConnect' : 'connect';
      socket.once(connectedEvent, () => {
        if (!settled) startTimer('response', responseTimeoutMs);
      });
    });
    req.on('error', failed);
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      answering = { status: response.statusCode ?? 0, headers: response.headers, chunks };
      noteLocalAgent(url, response.headers);
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        const status = response.statusCode ?? 0;
        if (received > maxBytes && status >= 300) {
          // A refusal with a huge body (an error page, a dump) is still a refusal: its status
          // says what went wrong (a wrong key, no credits), the first bytes are enough to read.
          chunks.push(chunk.subarray(0, chunk.length - (received - maxBytes)));
          finish({ answer: answerOf(status, response.headers, chunks) });
          req.destroy();
          return;
        }
        if (received > maxBytes) {
          finish({
            error: new ApiError(
              'bad-response',
              `${context.host} sent an answer larger than ${maxBytes} bytes. Check --api-base points at the Omnia API.`,
              { status: response.statusCode },
            ),
          });
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      // The body broke off: a malformed body is reported by the request's 'error' first.
      const cut = (error: unknown): void => {
        if (!refusalSoFar()) {
          finish({ error: cutAnswerToError(error, response.statusCode ?? 0, context) });
        }
      };
      response.on('error', cut);
      response.on('aborted', () => cut(connectionReset()));
      response.on('end', () =>
        finish({ answer: answerOf(response.statusCode ?? 0, response.headers, chunks) }),
      );
    });
    req.end(request.body);
  });
}

/** The answer from its parts, with what its body is when it is no text to show. */
function answerOf(status: number, headers: IncomingHttpHeaders, chunks: Buffer[]): HttpAnswer {
  const bytes = Buffer.concat(chunks);
  const text = bytes.toString('utf8');
  const notText = notTextBody(headers, bytes);
  return notText === undefined ? { status, headers, text } : { status, headers, text, notText };
}

/** What a body is when it is no text: compressed (by its header or gzip's magic bytes), binary. */
function notTextBody(headers: IncomingHttpHeaders, bytes: Buffer): string | undefined {
  const encoding = headerValue(headers, 'content-encoding')?.trim().toLowerCase();
  const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
  if ((encoding !== undefined && encoding !== '' && encoding !== 'identity') || gzip) {
    const name = encoding && /^[a-z0-9-]{1,20}$/.test(encoding) ? encoding : 'gzip';
    return `a ${name}-compressed body, which omnia-voice did not ask for and does not show`;
  }
  if (bytes.includes(0))
    return `a binary body of ${bytes.length} bytes, which omnia-voice does not show`;
  return undefined;
}

function connectionReset(): Error {
  return Object.assign(new Error('the connection closed before the answer was complete'), {
    code: 'ECONNRESET',
  });
}

/** The value of a header that may be repeated: the first one. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
