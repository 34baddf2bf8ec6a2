/**
 * JSON requests to Omnia's REST API (`{apiBase}/api/v1/…`): the key in `X-API-Key`, the answer
 * checked against a zod schema, every failure an {@link ApiError} with one line for a user.
 */
import type * as z from 'zod';
import { ApiError, httpFailureToError, type RequestContext, requestIdPart } from './errors.js';
import { type HttpAnswer, headerValue, sendHttp } from './http.js';
import { LOCAL_AGENT_HEADER, localAgentAt } from './local-serve.js';
import { sanitizeServerText } from './sanitize.js';

/** Every documented endpoint lives under this path of the API base. */
export const API_PATH_PREFIX = '/api/v1';
// Keys are opaque tokens; anything outside visible ASCII cannot travel in a header intact.
const HEADER_SAFE_KEY = /^[\x21-\x7e]+$/;

/** Where the API is and how to reach it: enough for any request. */
export interface ApiTarget {
  /** Base URL, e.g. `https://api.omnia-voice.com` (a path prefix and trailing slash are fine). */
  readonly apiBase: string;
  /** Sent as `X-API-Key`; never shown, logged or put in an error. */
  readonly apiKey?: string;
  /**
   * Where the key came from, as errors name it (`OMNIA_API_KEY in the environment`, `apiKey in
   * …/config.json`): what a 401 or 403 tells the user to check. Absent: `OMNIA_API_KEY`.
   */
  readonly keyFrom?: string | undefined;
  /**
   * Where the API base came from, as errors name it (`--api-base`, `OMNIA_API_BASE in the
   * environment`, `apiBase in …/config.json`): what an answer unlike Omnia's tells the user to
   * check. Absent: `--api-base`.
   */
  readonly apiBaseFrom?: string | undefined;
  readonly connectTimeoutMs?: number;
  readonly responseTimeoutMs?: number;
  /**
   * Who answers, as error messages name it at a sentence's start: `Omnia` when absent, `The
   * local agent` for the built-in one.
   */
  readonly server?: string;
}

export { LOCAL_SERVER } from './command-hint.js';

export { serverOf } from './errors.js';

/** One request: what, where, and how to read the answer. */
export interface ApiRequest<T> {
  readonly method?: 'GET' | 'POST';
  /** Path below `/api/v1`, e.g. `/agents`; path segments from users must be encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** JSON body (POST). */
  readonly body?: unknown;
  /** The answer's shape; a 2xx answer of another shape is a `bad-response` error. */
  readonly schema: z.ZodType<T>;
  /** For messages: "list agents", "fetch call x". */
  readonly action: string;
  /** What a 404 means here, as a sentence start; or the whole message (see RequestContext). */
  readonly notFound?: RequestContext['notFound'];
  readonly signal?: AbortSignal;
}

/** A successful answer. */
export interface ApiResponse<T> {
  readonly data: T;
  /** X-Request-Id of the answer, when the server sent one. */
  readonly requestId?: string;
}

/** `{apiBase}/api/v1{path}?{query}`, keeping any path prefix of the base. Throws ApiError. */
export function apiUrl(
  apiBase: string,
  path: string,
  query: Readonly<Record<string, string | number | undefined>> = {},
): URL {
  let url: URL;
  try {
    url = new URL(apiBase.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    const shown = JSON.stringify(sanitizeServerText(apiBase, 120));
    throw new ApiError(
      'unreachable',
      `The API base ${shown} is not an http(s) URL. Check --api-base or OMNIA_API_BASE.`,
    );
  }
  // A base given with the API's own prefix (`https://…/api/v1`, as Omnia's docs print URLs)
  // means the same server: the prefix is not doubled.
  const base = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  url.pathname = `${base}${API_PATH_PREFIX}${path}`;
  url.hash = '';
  url.search = '';
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  }
  return url;
}

/** The key, checked for what a header can carry. Throws ApiError. */
export function headerSafeKey(apiKey: string | undefined): string | undefined {
  const key = apiKey?.trim();
  if (!key) return undefined;
  if (!HEADER_SAFE_KEY.test(key)) {
    throw new ApiError(
      'auth',
      'The API key contains spaces or characters that cannot be sent. Check OMNIA_API_KEY.',
    );
  }
  return key;
}

/** Request headers for the API: JSON both ways, the key when there is one. */
export function apiHeaders(apiKey: string | undefined, withBody: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'User-Agent': 'omnia-voice',
  };
  if (withBody) headers['Content-Type'] = 'application/json';
  if (apiKey) headers['X-API-Key'] = apiKey;
  return headers;
}

/** Sends one request and checks the answer. Rejects with ApiError only. */
export async function apiRequest<T>(
  target: ApiTarget,
  request: ApiRequest<T>,
): Promise<ApiResponse<T>> {
  const url = apiUrl(target.apiBase, request.path, request.query);
  const apiKey = headerSafeKey(target.apiKey);
  const context: RequestContext = {
    host: url.host,
    apiBase: target.apiBase,
    action: request.action,
  };
  if (apiKey) context.apiKey = apiKey;
  if (apiKey && target.keyFrom !== undefined) context.keyFrom = target.keyFrom;
  if (target.apiBaseFrom !== undefined) context.apiBaseFrom = target.apiBaseFrom;
  if (request.notFound !== undefined) context.notFound = request.notFound;
  if (target.server !== undefined) {
    context.server = target.server;
    context.localAgent = true;
  }
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  const answer = await sendHttp(
    {
      url,
      method: request.method ?? 'GET',
      headers: apiHeaders(apiKey, body !== undefined),
      ...(body === undefined ? {} : { body }),
      ...(target.connectTimeoutMs ? { connectTimeoutMs: target.connectTimeoutMs } : {}),
      ...(target.responseTimeoutMs ? { responseTimeoutMs: target.responseTimeoutMs } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    },
    context,
  );
  if (answer.status < 200 || answer.status >= 300) throw failureOf(answer, context);
  const requestId = headerValue(answer.headers, 'x-request-id');
  return { data: parseAnswer(answer, request, context.host, requestId), requestId };
}

/** The ApiError for a non-2xx answer, with every header the message uses. */
export function failureOf(answer: HttpAnswer, asked: RequestContext): ApiError {
  const header = (name: string) => headerValue(answer.headers, name);
  // An `omnia-voice serve` at an `--api-base` refuses in its own name, not Omnia's.
  const context: RequestContext =
    asked.server === undefined && header(LOCAL_AGENT_HEADER) !== undefined
      ? { ...asked, server: localAgentAt(asked.host), localAgent: true }
      : asked;
  const optional = (name: string, value: string | undefined) =>
    value === undefined ? {} : { [name]: value };
  return httpFailureToError(
    {
      status: answer.status,
      body: answer.text,
      ...optional('notText', answer.notText),
      ...optional('retryAfter', header('retry-after')),
      ...optional('rateLimitReset', header('x-ratelimit-reset')),
      ...optional('rateLimitLimit', header('x-ratelimit-limit')),
      ...optional('rateLimitRemaining', header('x-ratelimit-remaining')),
      ...optional('requestId', header('x-request-id')),
      ...optional('location', header('location')),
    },
    context,
  );
}

/** What is wrong with an answer's body, in words that quote none of it. */
type JsonProblem = 'empty' | 'html' | 'cut' | 'trailing' | 'other';

const JSON_PROBLEM_TEXT: Record<JsonProblem, string> = {
  empty: 'an empty body',
  html: 'an HTML page, not JSON',
  cut: 'JSON cut off before its end',
  trailing: 'JSON followed by more text',
  other: 'something that is not JSON',
};

/**
 * The JSON of an answer's body, a leading byte order mark allowed (a server that writes UTF-8
 * "with BOM" still sends valid JSON); otherwise what the body is, in words that end "answered …
 * with": `JSON cut off before its end`, `a gzip-compressed body, …`. Never the parser's own
 * message: V8 quotes the text it failed on, and a body can hold a credential (a call
 * creation's `websocketUrl`).
 */
export function answerJson(
  answer: Pick<HttpAnswer, 'text' | 'notText'>,
): { json: unknown } | { problem: string } {
  if (answer.notText !== undefined) return { problem: answer.notText };
  const body = answer.text.replace(/^\ufeff/, '');
  try {
    return { json: JSON.parse(body) };
  } catch (error) {
    return { problem: JSON_PROBLEM_TEXT[jsonProblem(body, error)] };
  }
}

function jsonProblem(body: string, error: unknown): JsonProblem {
  const trimmed = body.trim();
  if (trimmed === '') return 'empty';
  if (trimmed.startsWith('<')) return 'html';
  const reason = error instanceof Error ? error.message : '';
  if (/after JSON/.test(reason)) return 'trailing';
  const at = /at position (\d+)/.exec(reason)?.[1];
  const cut =
    /end of JSON input|Unterminated/.test(reason) ||
    (at !== undefined && Number(at) >= body.trimEnd().length);
  return cut ? 'cut' : 'other';
}

function parseAnswer<T>(
  answer: HttpAnswer,
  request: ApiRequest<T>,
  host: string,
  requestId: string | undefined,
): T {
  const advice = `Check --api-base points at the Omnia API.${requestIdPart(requestId)}`;
  const parsed = answerJson(answer);
  if ('problem' in parsed) {
    throw new ApiError(
      'bad-response',
      `${host} answered the request to ${request.action} with ${parsed.problem}. ${advice}`,
      { status: answer.status },
    );
  }
  const result = request.schema.safeParse(parsed.json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at "${issue.path.map(String).join('.')}"` : '';
  throw new ApiError(
    'bad-response',
    `${host} answered the request to ${request.action} in an unexpected shape${where}. ${advice}`,
    { status: answer.status },
  );
}
