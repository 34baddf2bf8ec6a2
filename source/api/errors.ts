import { secondsText } from '../text/durations.js';
import { commandFor, shownApiBase } from './command-hint.js';
import { DEFAULT_API_BASE, TOP_UP_HINT } from './default-base.js';
import { localAgentAt, localAgentHost } from './local-serve.js';
import { maskKey, redactKey } from './mask-key.js';
import { sanitizeServerText } from './sanitize.js';

/** Why a request to the Omnia API failed; each kind asks the user for a different remedy. */
export type ApiErrorKind =
  | 'bad-request'
  | 'auth'
  | 'credits'
  | 'not-found'
  | 'rate-limit'
  | 'server'
  | 'unreachable'
  | 'dns'
  | 'tls'
  | 'timeout'
  | 'bad-response'
  | 'cancelled';

/** The kinds a failed call creation can have (every API error kind). */
export type CallCreationErrorKind = ApiErrorKind;

/** Extra facts about a failed request, all safe to show (no key). */
export interface ApiErrorDetails {
  /** HTTP status when the server answered. */
  status?: number;
  /** Seconds the server asked us to wait (Retry-After, else X-RateLimit-Reset), when it said. */
  retryAfterSeconds?: number;
  /** The server's own explanation, already sanitised and free of the key. */
  serverMessage?: string;
  /** Omnia's error code (`VALIDATION_ERROR`, `UPSTREAM_ERROR`, …) when the body had one. */
  code?: string;
  /** The X-Request-Id of the answer, for a report to Omnia. */
  requestId?: string;
  /** The underlying error (network or parser), never containing the key. */
  cause?: unknown;
  /** The server does not answer like Omnia (an HTML 404 of a web server): its status says nothing. */
  notOmnia?: boolean;
}

/**
 * A request to the Omnia API failed. `message` is one line for a user: what happened, the
 * server's words when it gave any, what to do, and the request id when the server sent one. It
 * never contains the API key.
 */
export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly serverMessage?: string;
  readonly code?: string;
  readonly requestId?: string;
  /** See {@link ApiErrorDetails.notOmnia}. */
  readonly notOmnia?: boolean;

  constructor(kind: ApiErrorKind, message: string, details: ApiErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ApiError';
    this.kind = kind;
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
    if (details.serverMessage !== undefined) this.serverMessage = details.serverMessage;
    if (details.code !== undefined) this.code = details.code;
    if (details.requestId !== undefined) this.requestId = details.requestId;
    if (details.notOmnia) this.notOmnia = true;
  }
}

/** Call creation fails with the same errors as every other request. */
export { ApiError as CallCreationError };

/** What the error messages need to know about the attempted request. */
export interface RequestContext {
  /** `host[:port]` of the API base, without credentials. */
  host: string;
  /** The API base as given: the commands a message prints name it when it is not Omnia's. */
  apiBase?: string;
  /**
   * Where the API base came from, as errors name it (`--api-base`, `OMNIA_API_BASE in the
   * environment`, `apiBase in …/config.json`): what an answer unlike Omnia's tells the user to
   * check. Absent: `--api-base`.
   */
  apiBaseFrom?: string;
  apiKey?: string;
  /**
   * Where the key came from, as errors name it (`OMNIA_API_KEY in the environment`, `apiKey in
   * …/config.json`): what a 401 or 403 tells the user to check. Absent: `OMNIA_API_KEY`.
   */
  keyFrom?: string;
  /**
   * What the request was for, as the end of "Omnia rejected the request to …" ("list agents").
   * Absent: call creation, whose messages name the agent and the sample rates.
   */
  action?: string;
  /**
   * What a 404 means for this request, as a sentence start ("Omnia has no call \"x\""); or the
   * whole message from who answered, the HTTP part, and whether it is the local agent.
   */
  notFound?: string | ((who: string, http: string, localAgent: boolean) => string);
  /**
   * The built-in local agent answered (`--local`, or an `omnia-voice serve` at the API base, as
   * its answers' header says): it has no workspace, and keeps calls only while it runs.
   */
  localAgent?: boolean;
  /** Who answers, as the messages name it at a sentence's start: Omnia unless said. */
  server?: string;
  /** The request creates a call (`/calls/create`, `/calls/inline`): one may exist after a failure. */
  createsCall?: boolean;
  agentId?: string;
  inputSampleRate?: number;
  outputSampleRate?: number;
}

/** A received HTTP answer that was not a success. */
export interface HttpFailure {
  status: number;
  body: string;
  /**
   * What the body is when it is no text (`a gzip-compressed body, which omnia-voice did not ask
   * for and does not show`): the app's own words, shown in place of the body whole, never
   * searched for the key (a key `k` made them `did not as… for`).
   */
  notText?: string;
  /** Value of the Retry-After header, if any. */
  retryAfter?: string;
  /** Value of the X-RateLimit-Reset header, if any. */
  rateLimitReset?: string;
  /** Value of the X-RateLimit-Limit header, if any. */
  rateLimitLimit?: string;
  /** Value of the X-RateLimit-Remaining header, if any. */
  rateLimitRemaining?: string;
  /** Value of the X-Request-Id header, if any. */
  requestId?: string;
  /** Value of the Location header, if any (redirects). */
  location?: string;
}

/** What an error body says, whatever its shape. */
export interface ServerExplanation {
  /** One line: the message, with field errors when the body listed them. */
  message?: string;
  /** Omnia's error code, when the body had one. */
  code?: string;
}

/**
 * The server's own explanation from an error body. Omnia documents two shapes: call endpoints
 * answer `{"error": {"message", "code", "upstreamStatus"?, "upstream"?}}`, the others
 * `{"error": "…", "details"?: {"formErrors": [...], "fieldErrors": {...}}}`; other servers send
 * `{"message"}`, `{"detail"}` or plain text. Sanitised for a terminal and stripped of the key.
 */
export function explainErrorBody(body: string, apiKey?: string): ServerExplanation {
  const trimmed = body.trim();
  if (trimmed === '') return {};
  let parsed: unknown;
  let text: string | undefined;
  let code: string | undefined;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    // Not JSON: the body itself is the message (plain text or an HTML error page).
    text = trimmed.startsWith('<') ? stripTags(trimmed) : trimmed;
  }
  if (parsed !== undefined) {
    const documented = documentedShape(parsed);
    text = documented?.message ?? messageFromJson(parsed);
    code = documented?.code;
  }
  const safe = text === undefined ? '' : sanitizeServerText(redactKey(text, apiKey));
  const explanation: ServerExplanation = {};
  if (safe !== '') explanation.message = safe;
  // An empty code (`"code": ""`, or one of only control characters) is no code: not `HTTP 400 `.
  const safeCode = code === undefined ? '' : sanitizeServerText(code, 40);
  if (safeCode !== '') explanation.code = safeCode;
  return explanation;
}

/**
 * The server's message from an error body, whatever shape it used (see
 * {@link explainErrorBody}). Undefined when the body says nothing.
 */
export function extractServerMessage(body: string, apiKey?: string): string | undefined {
  return explainErrorBody(body, apiKey).message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The two shapes Omnia documents, read into one line; undefined for any other body. */
function documentedShape(value: unknown): { message: string; code?: string } | undefined {
  if (!isRecord(value)) return undefined;
  const error = value.error;
  if (isRecord(error) && typeof error.message === 'string') {
    const code = typeof error.code === 'string' ? error.code : undefined;
    const parts = [error.message];
    if (typeof error.upstreamStatus === 'number') {
      parts.push(`upstream HTTP ${error.upstreamStatus}`);
    }
    const upstream = isRecord(error.upstream) ? messageFromJson(error.upstream) : undefined;
    if (upstream !== undefined && upstream !== error.message) parts.push(`upstream: ${upstream}`);
    return { message: parts.join('; '), ...(code === undefined ? {} : { code }) };
  }
  if (typeof error === 'string') {
    const details = isRecord(value.details) ? value.details : {};
    // Field errors first: they name what to fix (`agentId: …`), and a long message is cut at
    // its end, where the form errors (about the body as a whole) then go.
    const problems: string[] = [];
    if (isRecord(details.fieldErrors)) {
      for (const [field, list] of Object.entries(details.fieldErrors)) {
        const texts = Array.isArray(list) ? list.filter((t) => typeof t === 'string') : [];
        if (texts.length > 0) problems.push(`${field}: ${texts.join(', ')}`);
      }
    }
    if (Array.isArray(details.formErrors)) {
      for (const item of details.formErrors) if (typeof item === 'string') problems.push(item);
    }
    return { message: problems.length > 0 ? `${error} (${problems.join('; ')})` : error };
  }
  return undefined;
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
  // Whole seconds are the standard; a fraction is rounded up (never a shorter wait than asked),
  // and a negative number means now.
  if (/^-?\d+(\.\d+)?$/.test(value)) return Math.max(0, Math.ceil(Number(value)));
  const dateMs = Date.parse(value);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, Math.ceil((dateMs - nowMs) / 1000));
}

/** Epoch seconds are above this; smaller numbers are seconds from now. */
const EPOCH_SECONDS_FLOOR = 1_000_000_000;
/** Epoch milliseconds are above this. */
const EPOCH_MS_FLOOR = 1_000_000_000_000;

/**
 * When the rate limit resets, from X-RateLimit-Reset: epoch seconds (the common form), epoch
 * milliseconds, seconds from now, or a date. Epoch ms; undefined when absent or unreadable.
 */
export function parseRateLimitReset(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    if (n >= EPOCH_MS_FLOOR) return n;
    if (n >= EPOCH_SECONDS_FLOOR) return n * 1000;
    return nowMs + n * 1000;
  }
  const dateMs = Date.parse(value);
  return Number.isNaN(dateMs) ? undefined : dateMs;
}

/** ` (key ending …abcd)` when the key is long enough to show its tail, else nothing. */
function keyHint(apiKey: string | undefined): string {
  if (!apiKey) return '';
  const masked = maskKey(apiKey);
  return masked === '…' ? '' : ` (key ending ${masked})`;
}

/** Where the key a request sent came from, as the settings name it; `OMNIA_API_KEY` if not said. */
function keyPlace(context: RequestContext): string {
  return context.keyFrom ?? 'OMNIA_API_KEY';
}

function httpPart(status: number, explanation: ServerExplanation): string {
  const { message, code } = explanation;
  if (message === undefined)
    return code === undefined ? `HTTP ${status}` : `HTTP ${status} ${code}`;
  return code === undefined ? `HTTP ${status}: ${message}` : `HTTP ${status} ${code}: ${message}`;
}

function waitAdvice(retryAfterSeconds: number | undefined, fallback: string): string {
  if (retryAfterSeconds === undefined) return fallback;
  return `${tryAgain(retryAfterSeconds)}.`;
}

/** `Try again in 42 s`; `Try again shortly` for a wait already over (a past date, 0, -5). */
function tryAgain(seconds: number): string {
  return seconds <= 0 ? 'Try again shortly' : `Try again in ${waitText(seconds)}`;
}

/**
 * A server's wait as a person reads it: `42 s` (up to 10 minutes), then `95 min` (up to two
 * hours), `2 h 1 min`, `3 days 4 h`, and `more than a year` (a server that says 99999999999 s
 * means "not soon"). The smaller unit is rounded up, so the wait is never understated.
 */
function waitText(seconds: number): string {
  if (seconds <= 600) return `${seconds} s`;
  if (seconds <= 2 * 3600) return `${Math.ceil(seconds / 60)} min`;
  if (seconds <= 2 * 86_400) return twoUnits(seconds, 3600, 60, 'h', 'min');
  if (seconds <= 365 * 86_400) return twoUnits(seconds, 86_400, 3600, 'days', 'h');
  return 'more than a year';
}

function twoUnits(seconds: number, big: number, small: number, bigName: string, smallName: string) {
  let whole = Math.floor(seconds / big);
  let rest = Math.ceil((seconds - whole * big) / small);
  if (rest * small >= big) {
    whole += 1;
    rest = 0;
  }
  return rest === 0 ? `${whole} ${bigName}` : `${whole} ${bigName} ${rest} ${smallName}`;
}

/** ` Request id: abc.` when the server sent one: what Omnia's support asks for. */
export function requestIdPart(requestId: string | undefined): string {
  if (requestId === undefined || requestId.trim() === '') return '';
  return ` Request id: ${sanitizeServerText(requestId, 100)}.`;
}

/** Turns a non-2xx answer into the error a user sees. */
export function httpFailureToError(
  failure: HttpFailure,
  context: RequestContext,
  nowMs: number = Date.now(),
): ApiError {
  const error = describeFailure(failure, context, nowMs);
  // What Omnia's support asks for: the local agent's own ids help no one.
  const id = context.localAgent ? '' : requestIdPart(failure.requestId);
  if (id === '') return error;
  const details: ApiErrorDetails = { requestId: sanitizeServerText(failure.requestId ?? '', 100) };
  if (error.status !== undefined) details.status = error.status;
  if (error.retryAfterSeconds !== undefined) details.retryAfterSeconds = error.retryAfterSeconds;
  if (error.serverMessage !== undefined) details.serverMessage = error.serverMessage;
  if (error.code !== undefined) details.code = error.code;
  return new ApiError(error.kind, `${error.message}${id}`, details);
}

/**
 * An error answer that is not Omnia's JSON (an HTML page, text, an empty or compressed body) from
 * an API base that is not Omnia's own: the server there does not answer like Omnia, and advice
 * that assumes it does (`Omnia had a server problem … try again`, `Omnia has no call "x"`) sends
 * the user the wrong way. Omnia's own JSON answers, and every answer of the built-in local agent
 * or of Omnia's own host, are said as they are; a 429 keeps its wait, said of that server. A
 * redirect from such a base is said the same way (Omnia's API does not redirect; a web server
 * does, for a folder's slash). The kind stays the status's (a 5xx is still tried again where
 * that is done).
 */
function describeFailure(failure: HttpFailure, context: RequestContext, nowMs: number): ApiError {
  const error = describeOmniaFailure(failure, context, nowMs);
  if (failure.status < 300 || context.server !== undefined || isDefaultHost(context.host)) {
    return error;
  }
  const base = shownApiBase(context.apiBase) ?? context.host;
  const check = `Check ${context.apiBaseFrom ?? '--api-base'}: it should point at the Omnia API`;
  if (failure.status < 400) {
    // Omnia's API answers, it does not redirect: a redirect is a web server's (a folder's slash).
    const where = redirectTarget(failure);
    const https =
      where.startsWith('https:') && base.startsWith('http:') ? ' (https:// for http://?)' : '';
    return new ApiError(
      error.kind,
      `The server at ${base} does not answer like Omnia (HTTP ${failure.status}, a redirect${where ? ` to ${where}` : ''}). ${check}${https}.`,
      { status: failure.status, notOmnia: true },
    );
  }
  if (failure.notText === undefined && isJson(failure.body)) return error;
  // A rate limit's wait (Retry-After) is HTTP's, not Omnia's: said, of the server that asked.
  if (failure.status === 429) {
    return describeOmniaFailure(failure, { ...context, server: `The server at ${base}` }, nowMs);
  }
  const http = httpPart(failure.status, {
    ...(error.serverMessage === undefined ? {} : { message: error.serverMessage }),
  });
  const details: ApiErrorDetails = { status: failure.status, notOmnia: true };
  if (error.serverMessage !== undefined) details.serverMessage = error.serverMessage;
  if (error.retryAfterSeconds !== undefined) details.retryAfterSeconds = error.retryAfterSeconds;
  return new ApiError(
    error.kind,
    `The server at ${base} does not answer like Omnia (${http}). ${check}.`,
    details,
  );
}

/** Where a redirect points, without its query (a redirect can carry a token there); '' for none. */
function redirectTarget(failure: HttpFailure): string {
  return failure.location ? sanitizeServerText(failure.location.replace(/[?#].*$/s, ''), 120) : '';
}

/** Whether a body is JSON (a leading byte order mark allowed), whatever its shape. */
function isJson(body: string): boolean {
  const text = body.replace(/^\ufeff/, '').trim();
  if (text === '') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function describeOmniaFailure(
  failure: HttpFailure,
  context: RequestContext,
  nowMs: number,
): ApiError {
  const { status } = failure;
  const explanation: ServerExplanation =
    failure.notText === undefined
      ? explainErrorBody(failure.body, context.apiKey)
      : { message: failure.notText };
  const retryAfterSeconds = retryDelaySeconds(failure, nowMs);
  const details: ApiErrorDetails = { status };
  if (explanation.message !== undefined) details.serverMessage = explanation.message;
  if (explanation.code !== undefined) details.code = explanation.code;
  if (retryAfterSeconds !== undefined) details.retryAfterSeconds = retryAfterSeconds;
  const http = httpPart(status, explanation);
  const who = serverOf(context);
  const agent = JSON.stringify(sanitizeServerText(context.agentId ?? '', 80));

  if (status === 401) {
    const message = context.apiKey
      ? `${who} rejected the API key (${http}). Check ${keyPlace(context)}${keyHint(context.apiKey)}.`
      : `${who} needs an API key (${http}). Set OMNIA_API_KEY in the environment or a .env file.`;
    return new ApiError('auth', message, details);
  }
  if (status === 402) {
    return new ApiError(
      'credits',
      `Your Omnia workspace is out of credits (${http}). ${TOP_UP_HINT}`,
      details,
    );
  }
  if (status === 403) {
    const what =
      context.agentId === undefined
        ? `may ${context.action ?? 'do this'}`
        : `may use agent ${agent}`;
    return new ApiError(
      'auth',
      `${who} refused access (${http}). Check that ${keyPlace(context)}${keyHint(context.apiKey)} ${what}.`,
      details,
    );
  }
  if (status === 404) {
    const message =
      typeof context.notFound === 'function'
        ? context.notFound(who, http, context.localAgent === true)
        : context.notFound !== undefined
          ? `${context.notFound} (${http}).`
          : context.agentId !== undefined
            ? `${who} does not know agent ${agent}, or it is not active (${http}). Check the agent id (--agent or OMNIA_AGENT_ID; ${commandFor(context, 'agents')} lists them) and --api-base.`
            : `${who} has no such thing (${http}). Check --api-base points at the Omnia API.`;
    return new ApiError('not-found', message, details);
  }
  if (status === 429) {
    const advice = rateLimitAdvice(failure, retryAfterSeconds, nowMs);
    return new ApiError(
      'rate-limit',
      `${who} is limiting calls or requests right now (${http}${usedUp(failure)}). ${advice}`,
      details,
    );
  }
  if (status >= 500) {
    const advice = waitAdvice(retryAfterSeconds, 'Try again in a few minutes.');
    return new ApiError('server', `${who} had a server problem (${http}). ${advice}`, details);
  }
  if (status >= 400) {
    if (context.action === undefined) {
      const rates = `${context.inputSampleRate}/${context.outputSampleRate} Hz`;
      return new ApiError(
        'bad-request',
        `${who} rejected the call request (${http}). Check the agent id ${agent} and the sample rates (${rates}).`,
        details,
      );
    }
    return new ApiError(
      'bad-request',
      `${who} rejected the request to ${context.action} (${http}).`,
      details,
    );
  }
  if (status >= 300 && status < 400) {
    const where = redirectTarget(failure);
    return new ApiError(
      'bad-response',
      `${who} answered with a redirect (HTTP ${status}${where ? ` to ${where}` : ''}). Check --api-base (for example https:// instead of http://).`,
      details,
    );
  }
  return new ApiError(
    'bad-response',
    `${who} answered with unexpected HTTP ${status}. Check --api-base points at the Omnia API.`,
    details,
  );
}

/** Seconds to wait: Retry-After when given, else until X-RateLimit-Reset (429 only). */
function retryDelaySeconds(failure: HttpFailure, nowMs: number): number | undefined {
  const retryAfter = parseRetryAfter(failure.retryAfter, nowMs);
  if (retryAfter !== undefined || failure.status !== 429) return retryAfter;
  const resetMs = parseRateLimitReset(failure.rateLimitReset, nowMs);
  return resetMs === undefined ? undefined : Math.max(0, Math.ceil((resetMs - nowMs) / 1000));
}

function rateLimitAdvice(failure: HttpFailure, seconds: number | undefined, nowMs: number): string {
  const resetMs = parseRateLimitReset(failure.rateLimitReset, nowMs);
  const at = resetMs === undefined ? '' : ` (the limit resets at ${clockTime(resetMs, nowMs)})`;
  if (seconds === undefined) return `Wait a minute and try again${at}.`;
  return `${tryAgain(seconds)}${at}.`;
}

/** `; 0 of 1000 requests left` when the server said how many remain. */
function usedUp(failure: HttpFailure): string {
  const remaining = failure.rateLimitRemaining?.trim();
  const limit = failure.rateLimitLimit?.trim();
  if (remaining === undefined || !/^\d+$/.test(remaining)) return '';
  return limit !== undefined && /^\d+$/.test(limit)
    ? `; ${remaining} of ${limit} requests left`
    : `; ${remaining} requests left`;
}

/** `14:05:09 UTC`: a reset time a user can compare with a clock; with its date a day or more away. */
function clockTime(ms: number, nowMs: number): string {
  const iso = new Date(ms).toISOString();
  const time = iso.slice(11, 19);
  return ms - nowMs >= 86_400_000 ? `${iso.slice(0, 10)} ${time} UTC` : `${time} UTC`;
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

/**
 * Omnia's own host, the default: a user who never set an API base is not told to check one
 * (the advice is the network, or DNS).
 */
function isDefaultHost(host: string): boolean {
  return host === new URL(DEFAULT_API_BASE).host;
}

/** ` and --api-base` after "Check your network" when the host is not the default. */
function apiBaseToo(host: string): string {
  return isDefaultHost(host) ? '' : ' and --api-base';
}

/**
 * Who answers at `host`, inside a sentence: `Omnia at api.omnia-voice.com`, `the local agent at
 * 127.0.0.1:8787` (a `serve`'s name has its host already: not said twice).
 */
function whoAt(who: string, host: string): string {
  const named = inSentence(who);
  return named.endsWith(` at ${host}`) ? named : `${named} at ${host}`;
}

/**
 * A server's name in a sentence after one that named its host: `It` when the name is by that
 * host already (`The local agent at 127.0.0.1:8787`), not the host said twice.
 */
function again(who: string, host: string): string {
  return who.endsWith(` at ${host}`) ? 'It' : who;
}

/** A server's name inside a sentence: `the local agent`, `Omnia`. */
export function inSentence(who: string): string {
  return who.startsWith('The ') ? `the ${who.slice(4)}` : who;
}

/**
 * The name messages give whoever answers (a target, a request's context): `server` when said
 * (the built-in local agent); `The local agent at 127.0.0.1:8787` for an API base where an
 * `omnia-voice serve` answered in this run (its answers say so), as its refusals are named;
 * else Omnia.
 */
export function serverOf(target: {
  readonly server?: string | undefined;
  readonly apiBase?: string | undefined;
}): string {
  if (target.server !== undefined) return target.server;
  const serve = target.apiBase === undefined ? undefined : localAgentHost(target.apiBase);
  return serve === undefined ? 'Omnia' : localAgentAt(serve);
}

/** Which phase a timeout hit, for the message. */
export type TimeoutPhase = 'connect' | 'response' | 'body';

/** Node's HTTP parser (llhttp) errors, in words: what was wrong with the answer. */
const MALFORMED_HTTP: Record<string, string> = {
  HPE_INVALID_CONSTANT: 'bytes that are not HTTP where an answer should begin',
  HPE_INVALID_VERSION: 'an HTTP version that is not one',
  HPE_INVALID_STATUS: 'a status code that is not one',
  HPE_INVALID_CHUNK_SIZE: 'a chunked body with a broken chunk size',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'two Content-Length headers, or one with chunked encoding',
  HPE_INVALID_CONTENT_LENGTH: 'a Content-Length that is not a length',
  HPE_INVALID_TRANSFER_ENCODING: 'a Transfer-Encoding that cannot be read',
  HPE_HEADER_OVERFLOW: 'headers larger than the 16 KB a client accepts',
  HPE_INVALID_HEADER_TOKEN: 'a header with characters a header may not hold',
  HPE_LF_EXPECTED: 'broken line endings',
  HPE_CR_EXPECTED: 'broken line endings',
  HPE_STRICT: 'broken line endings',
  HPE_INVALID_EOF_STATE: 'an answer that stopped in the middle',
  HPE_CLOSED_CONNECTION: 'bytes after the connection was to close',
};

/**
 * What was malformed in an HTTP answer Node's parser refused (`HPE_…` codes), in words; the
 * parser's own reason for a code not listed. Undefined for any other error.
 */
export function malformedHttpReason(error: unknown): string | undefined {
  const code = errorCode(error);
  if (!code.startsWith('HPE_')) return undefined;
  const known = MALFORMED_HTTP[code];
  if (known !== undefined) return known;
  const reason = (error as { reason?: unknown }).reason;
  const text =
    typeof reason === 'string' ? reason : messageOf(error).replace(/^Parse Error:\s*/, '');
  return `${sanitizeServerText(text, 80) || 'it could not be read'}: ${code}`;
}

/** ` (the call may have been created all the same, unopened)` for a request that creates one. */
function mayExist(context: RequestContext): string {
  return context.createsCall ? ' (the call may have been created all the same, unopened)' : '';
}

/**
 * The server began its answer (status and headers came) and closed the connection before the
 * body it announced was whole: a success that cannot be read, and a call that may exist.
 */
export function cutAnswerToError(
  error: unknown,
  status: number,
  context: RequestContext,
): ApiError {
  return new ApiError(
    'unreachable',
    `${context.host} began its answer (HTTP ${status}) but closed the connection before finishing it. ${again(serverOf(context), context.host)} may be having trouble: try again later${mayExist(context)}.`,
    { status, cause: safeCause(error, context.apiKey) },
  );
}

/** Turns a transport failure (no HTTP answer) into the error a user sees. */
export function networkFailureToError(
  error: unknown,
  context: RequestContext,
  timeout?: { phase: TimeoutPhase; ms: number; status?: number },
): ApiError {
  const cause = safeCause(error, context.apiKey);
  const host = context.host;
  const who = serverOf(context);
  if (timeout !== undefined) {
    const seconds = secondsText(timeout.ms);
    // After the host's name, a server named by it (a `serve`: `The local agent at <host>`) is `It`.
    const it = again(who, host);
    const message =
      timeout.phase === 'connect'
        ? `Timed out after ${seconds} connecting to ${host}. Check your network${apiBaseToo(host)}.`
        : timeout.phase === 'body'
          ? `${host} began its answer (HTTP ${timeout.status}) but did not finish it within ${seconds}. ${it} may be overloaded: try again later${mayExist(context)}.`
          : `${host} accepted the connection but did not answer within ${seconds}. ${it} may be overloaded: try again later.`;
    return new ApiError('timeout', message, { cause });
  }
  const malformed = malformedHttpReason(error);
  if (malformed !== undefined) {
    // The server got the request and began to answer: a call it creates may exist.
    const created = context.createsCall
      ? ' The call may have been created all the same, unopened.'
      : '';
    // Not the parser's error itself: its `rawPacket` holds the answer's bytes, which for a
    // call creation are the socket address and its token.
    const parserError = Object.assign(new Error(`${errorCode(error)}: ${malformed}`), {
      code: errorCode(error),
    });
    return new ApiError(
      'bad-response',
      `${host} answered with a malformed HTTP response (${malformed}). Check --api-base points at the Omnia API; if it does, it or a proxy on the way is broken: try again later.${created}`,
      { cause: parserError },
    );
  }
  const code = errorCode(error);
  if (DNS_CODES.has(code)) {
    return new ApiError(
      'dns',
      isDefaultHost(host)
        ? `Cannot find the host ${host} (${code}). Check your network or DNS.`
        : `Cannot find the host ${host} (${code}). Check the host name in --api-base and your network or DNS.`,
      { cause },
    );
  }
  if (code !== '' && isTlsErrorCode(code)) {
    const reason = TLS_ADVICE[code] ?? sanitizeServerText(messageOf(error), 120);
    return new ApiError(
      'tls',
      `Secure connection to ${host} failed (${code}: ${reason}). Check --api-base (https:// vs http://), the system clock and certificates.`,
      { cause },
    );
  }
  if (code === 'ETIMEDOUT') {
    return new ApiError(
      'timeout',
      `Timed out connecting to ${host} (ETIMEDOUT). Check your network${apiBaseToo(host)}.`,
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
    return new ApiError(
      'unreachable',
      `Cannot reach ${whoAt(who, host)} (${what}). Check your network${apiBaseToo(host)}.`,
      { cause },
    );
  }
  const detail = sanitizeServerText(redactKey(messageOf(error), context.apiKey), 120);
  return new ApiError(
    'unreachable',
    `Cannot reach ${whoAt(who, host)} (${code || detail || 'network error'}). Check your network${apiBaseToo(host)}.`,
    { cause },
  );
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
