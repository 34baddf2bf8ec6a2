import { maskKey, redactKey } from './mask-key.js';
import { sanitizeServerText } from './sanitize.js';

/** Why a call could not be created; each kind asks the user for a different remedy. */
export type CallCreationErrorKind =
  | 'bad-request'
  | 'auth'
  | 'not-found'
  | 'rate-limit'
  | 'server'
  | 'unreachable'
  | 'dns'
  | 'tls'
  | 'timeout'
  | 'bad-response';

/** Extra facts about a failed call creation, all safe to show (no key). */
export interface CallCreationErrorDetails {
  /** HTTP status when the server answered. */
  status?: number;
  /** Seconds the server asked us to wait (Retry-After), when it said. */
  retryAfterSeconds?: number;
  /** The server's own explanation, already sanitised and free of the key. */
  serverMessage?: string;
  /** The underlying error (network or parser), never containing the key. */
  cause?: unknown;
}

/**
 * A call could not be created. `message` is one line for a user: what happened, the server's
 * words when it gave any, and what to do. It never contains the API key.
 */
export class CallCreationError extends Error {
  readonly kind: CallCreationErrorKind;
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly serverMessage?: string;

  constructor(
    kind: CallCreationErrorKind,
    message: string,
    details: CallCreationErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'CallCreationError';
    this.kind = kind;
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
    if (details.serverMessage !== undefined) this.serverMessage = details.serverMessage;
  }
}

/** What the error messages need to know about the attempted request. */
export interface RequestContext {
  /** `host[:port]` of the API base, without credentials. */
  host: string;
  agentId: string;
  apiKey?: string;
  inputSampleRate: number;
  outputSampleRate: number;
}

/** A received HTTP answer that was not a success. */
export interface HttpFailure {
  status: number;
  body: string;
  /** Value of the Retry-After header, if any. */
  retryAfter?: string;
  /** Value of the Location header, if any (redirects). */
  location?: string;
}

/**
 * The server's own explanation from an error body, whatever shape it used:
 * `{"error":{"message"}}`, `{"error":"…"}`, `{"message":…}`, `{"detail":…}` or plain text.
 * Sanitised for a terminal and stripped of the key. Undefined when the body says nothing.
 */
export function extractServerMessage(body: string, apiKey?: string): string | undefined {
  const trimmed = body.trim();
  if (trimmed === '') return undefined;
  let text: string | undefined = trimmed;
  try {
    text = messageFromJson(JSON.parse(trimmed));
  } catch {
    // Not JSON: the body itself is the message (plain text or an HTML error page).
    text = trimmed.startsWith('<') ? stripTags(trimmed) : trimmed;
  }
  if (text === undefined) return undefined;
  const safe = sanitizeServerText(redactKey(text, apiKey));
  return safe === '' ? undefined : safe;
}

function messageFromJson(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  for (const field of ['error', 'message', 'detail', 'error_description', 'title']) {
    const inner = record[field];
    if (typeof inner === 'string') return inner;
    if (Array.isArray(inner)) {
      // FastAPI-style validation errors: a list of {msg} objects.
      const parts = inner.map((item) => messageFromJson(item) ?? textField(item, 'msg'));
      const joined = parts.filter((part) => part !== undefined).join('; ');
      if (joined !== '') return joined;
    }
    const nested = typeof inner === 'object' ? messageFromJson(inner) : undefined;
    if (nested !== undefined) return nested;
  }
  return undefined;
}

function textField(value: unknown, field: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const inner = (value as Record<string, unknown>)[field];
  return typeof inner === 'string' ? inner : undefined;
}

function stripTags(html: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1];
  return title ?? html.replace(/<[^>]*>/g, ' ');
}

/**
 * Seconds to wait from a Retry-After header: either delay-seconds or an HTTP date.
 * Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number.parseInt(value, 10);
  const dateMs = Date.parse(value);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, Math.ceil((dateMs - nowMs) / 1000));
}

/** ` (key ending …abcd)` when the key is long enough to show its tail, else nothing. */
function keyHint(apiKey: string | undefined): string {
  if (!apiKey) return '';
  const masked = maskKey(apiKey);
  return masked === '…' ? '' : ` (key ending ${masked})`;
}

function httpPart(status: number, serverMessage: string | undefined): string {
  return serverMessage === undefined ? `HTTP ${status}` : `HTTP ${status}: ${serverMessage}`;
}

function waitAdvice(retryAfterSeconds: number | undefined, fallback: string): string {
  if (retryAfterSeconds === undefined) return fallback;
  return `Try again in ${retryAfterSeconds} s.`;
}

/** Turns a non-2xx answer into the error a user sees. */
export function httpFailureToError(
  failure: HttpFailure,
  context: RequestContext,
  nowMs: number = Date.now(),
): CallCreationError {
  const { status } = failure;
  const serverMessage = extractServerMessage(failure.body, context.apiKey);
  const retryAfterSeconds = parseRetryAfter(failure.retryAfter, nowMs);
  const details: CallCreationErrorDetails = { status };
  if (serverMessage !== undefined) details.serverMessage = serverMessage;
  if (retryAfterSeconds !== undefined) details.retryAfterSeconds = retryAfterSeconds;
  const http = httpPart(status, serverMessage);
  const agent = JSON.stringify(sanitizeServerText(context.agentId, 80));

  if (status === 401) {
    const message = context.apiKey
      ? `Omnia rejected the API key (${http}). Check OMNIA_API_KEY${keyHint(context.apiKey)}.`
      : `Omnia needs an API key (${http}). Set OMNIA_API_KEY in the environment or a .env file.`;
    return new CallCreationError('auth', message, details);
  }
  if (status === 403) {
    return new CallCreationError(
      'auth',
      `Omnia refused access (${http}). Check that OMNIA_API_KEY${keyHint(context.apiKey)} may use agent ${agent}.`,
      details,
    );
  }
  if (status === 404) {
    return new CallCreationError(
      'not-found',
      `Omnia does not know agent ${agent} (${http}). Check the agent id (--agent or OMNIA_AGENT_ID) and --api-base.`,
      details,
    );
  }
  if (status === 429) {
    const advice = waitAdvice(retryAfterSeconds, 'Wait a minute and try again.');
    return new CallCreationError(
      'rate-limit',
      `Omnia is limiting calls or requests right now (${http}). ${advice}`,
      details,
    );
  }
  if (status >= 500) {
    const advice = waitAdvice(retryAfterSeconds, 'Try again in a few minutes.');
    return new CallCreationError(
      'server',
      `Omnia had a server problem (${http}). ${advice}`,
      details,
    );
  }
  if (status >= 400) {
    const rates = `${context.inputSampleRate}/${context.outputSampleRate} Hz`;
    return new CallCreationError(
      'bad-request',
      `Omnia rejected the call request (${http}). Check the agent id ${agent} and the sample rates (${rates}).`,
      details,
    );
  }
  if (status >= 300 && status < 400) {
    const where = failure.location ? ` to ${sanitizeServerText(failure.location, 120)}` : '';
    return new CallCreationError(
      'bad-response',
      `Omnia answered with a redirect (HTTP ${status}${where}). Check --api-base (for example https:// instead of http://).`,
      details,
    );
  }
  return new CallCreationError(
    'bad-response',
    `Omnia answered with unexpected HTTP ${status}. Check --api-base points at the Omnia API.`,
    details,
  );
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EADDRNOTAVAIL',
]);

/** Node's TLS failures: certificate verification codes and OpenSSL protocol errors. */
export function isTlsErrorCode(code: string): boolean {
  return (
    code.startsWith('CERT_') ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('UNABLE_TO_') ||
    code.includes('SELF_SIGNED') ||
    code === 'EPROTO' ||
    code === 'HOSTNAME_MISMATCH' ||
    code === 'CERT_HAS_EXPIRED'
  );
}

const TLS_ADVICE: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server uses a self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain contains a self-signed certificate',
  CERT_HAS_EXPIRED: 'the server certificate has expired (or the system clock is wrong)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not match the host name',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate could not be verified',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS on that port',
};

/** Which phase a timeout hit, for the message. */
export type TimeoutPhase = 'connect' | 'response';

/** Turns a transport failure (no HTTP answer) into the error a user sees. */
export function networkFailureToError(
  error: unknown,
  context: RequestContext,
  timeout?: { phase: TimeoutPhase; ms: number },
): CallCreationError {
  const cause = safeCause(error, context.apiKey);
  const host = context.host;
  if (timeout !== undefined) {
    const seconds = formatSeconds(timeout.ms);
    const message =
      timeout.phase === 'connect'
        ? `Timed out after ${seconds} connecting to ${host}. Check your network and --api-base.`
        : `${host} accepted the connection but did not answer within ${seconds}. Omnia may be overloaded: try again later.`;
    return new CallCreationError('timeout', message, { cause });
  }
  const code = errorCode(error);
  if (DNS_CODES.has(code)) {
    return new CallCreationError(
      'dns',
      `Cannot find the host ${host} (${code}). Check the host name in --api-base and your network or DNS.`,
      { cause },
    );
  }
  if (code !== '' && isTlsErrorCode(code)) {
    const reason = TLS_ADVICE[code] ?? sanitizeServerText(messageOf(error), 120);
    return new CallCreationError(
      'tls',
      `Secure connection to ${host} failed (${code}: ${reason}). Check --api-base (https:// vs http://), the system clock and certificates.`,
      { cause },
    );
  }
  if (code === 'ETIMEDOUT') {
    return new CallCreationError(
      'timeout',
      `Timed out connecting to ${host} (ETIMEDOUT). Check your network and --api-base.`,
      { cause },
    );
  }
  if (UNREACHABLE_CODES.has(code)) {
    const what =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ECONNRESET'
          ? 'connection reset'
          : code;
    return new CallCreationError(
      'unreachable',
      `Cannot reach Omnia at ${host} (${what}). Check your network and --api-base.`,
      { cause },
    );
  }
  const detail = sanitizeServerText(redactKey(messageOf(error), context.apiKey), 120);
  return new CallCreationError(
    'unreachable',
    `Cannot reach Omnia at ${host} (${code || detail || 'network error'}). Check your network and --api-base.`,
    { cause },
  );
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The error to keep as `cause`: the original when no string in its chain contains the key,
 * otherwise a redacted copy (message and code only), so nothing downstream can leak it.
 */
export function safeCause(error: unknown, apiKey: string | undefined): unknown {
  if (!apiKey || !chainContains(error, apiKey, 0)) return error;
  const copy = new Error(redactKey(messageOf(error), apiKey));
  copy.stack = copy.message;
  const code = errorCode(error);
  if (code !== '') (copy as Error & { code?: string }).code = code;
  return copy;
}

const MAX_CAUSE_DEPTH = 8;

function chainContains(error: unknown, needle: string, depth: number): boolean {
  if (depth > MAX_CAUSE_DEPTH || error === undefined || error === null) return false;
  if (typeof error === 'string') return error.includes(needle);
  if (typeof error !== 'object') return String(error).includes(needle);
  const record = error as Record<string, unknown>;
  for (const field of ['message', 'stack']) {
    const value = record[field];
    if (typeof value === 'string' && value.includes(needle)) return true;
  }
  try {
    if (JSON.stringify(error)?.includes(needle)) return true;
  } catch {
    return true; // Unserialisable: assume the worst.
  }
  return chainContains(record.cause, needle, depth + 1);
}
