/**
 * Call logs: `GET /calls` (newest first, cursor paging) and `GET /calls/{id}`, the record Omnia
 * fills in after a call ends (end reason, duration, billing, summary, transcript). There are no
 * webhooks: a client that wants the record polls until `endTime` is set.
 */
import * as z from 'zod';
import { sanitizeText } from '../protocol/sanitize.js';
import { ApiError } from './errors.js';
import { optionalNumber, optionalText } from './fields.js';
import { patientRequests, pause } from './rate-wait.js';
import { type CallRecordFacts, isLiveStatus } from './record-facts.js';
import { type ApiTarget, apiRequest } from './request.js';
import { sanitizeServerText, withWholeJson } from './sanitize.js';
import { onThisMachine } from './this-machine.js';

export {
  type CallRecordFacts,
  describeEndReason,
  formatCost,
  isLiveStatus,
} from './record-facts.js';

/** Omnia pages call logs at most this many at a time. */
export const CALLS_PAGE_LIMIT = 100;
/** A listing stops after this many pages whatever `limit` asked (10,000 calls). */
const MAX_CALL_PAGES = 100;

const text = optionalText;
const number = optionalNumber;

const billingSchema = z.looseObject({
  durationMinutes: number,
  costCents: number,
  costDollars: number,
  pricePerMinuteCents: number,
  currency: text,
  billedAt: text,
});

/** One call log as Omnia describes it; only the fields used are checked. */
export const callLogSchema = z.looseObject({
  id: z.string().min(1),
  startTime: text,
  endTime: text,
  durationMs: number,
  durationSeconds: number,
  status: text,
  summary: text,
  shortSummary: text,
  transcript: z.unknown().optional(),
  billing: billingSchema.nullish(),
  agentId: text,
  agentName: text,
  agent: z.looseObject({ id: text, name: text }).nullish(),
});

const callLogsPageSchema = z.looseObject({
  data: z.array(callLogSchema),
  pagination: z.looseObject({ next: z.string().nullish(), total: number }).nullish(),
});

/** A call log, as the API sent it (validated). */
export type CallLog = z.infer<typeof callLogSchema>;

/** One line of a call log's transcript, whatever shape the server used. */
export interface CallLogTurn {
  /** `user`, `agent`, or the server's own word (`tool`, `system`). */
  readonly role: string;
  readonly text: string;
  /** Epoch ms, when the server said. */
  readonly at?: number;
}

/** True once Omnia has finished the record. */
export function isRecordComplete(log: CallLog): boolean {
  return typeof log.endTime === 'string' && log.endTime.trim() !== '';
}

/** Longest summary shown; the record's JSON has it whole. */
const MAX_SUMMARY_CHARS = 2_000;

function epochMs(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A text of the record as kept: `undefined` for none; `max` is the longest shown. */
type Clean = (value: string | undefined, max?: number) => string | undefined;

/**
 * The facts of a call log, cleaned for terminals and files (one line each, cut: the summary to
 * 2,000 characters, the rest shorter). Their JSON (`JSON.stringify`: `calls --json`, the
 * `summary.record` of json and jsonl transcripts) is the server's values whole instead: nothing
 * cut or removed (JSON escapes control characters).
 */
export function recordFacts(log: CallLog): CallRecordFacts {
  const facts = factsOf(log, (value, max = 200) =>
    value === undefined ? undefined : sanitizeServerText(value, max) || undefined,
  );
  const data = factsOf(log, (value) => value || undefined);
  return withWholeJson(facts, data);
}

function factsOf(log: CallLog, clean: Clean): CallRecordFacts {
  const billing = log.billing ?? undefined;
  const durationMs =
    log.durationMs ?? (log.durationSeconds === undefined ? undefined : log.durationSeconds * 1000);
  const costCents =
    billing?.costCents ??
    (billing?.costDollars === undefined
      ? undefined
      : Math.round(billing.costDollars * 10_000) / 100);
  const facts: Record<string, unknown> = {
    callId: clean(log.id) ?? log.id,
    complete: isRecordComplete(log),
    // A live call's `in_progress` is no end reason: the record says `complete: false`.
    endReason:
      !isRecordComplete(log) && log.status !== undefined && isLiveStatus(log.status)
        ? undefined
        : clean(log.status, 80),
    durationMs,
    billedMinutes: billing?.durationMinutes,
    costCents,
    currency: clean(billing?.currency, 8),
    summary: clean(log.summary, MAX_SUMMARY_CHARS),
    shortSummary: clean(log.shortSummary),
    startedAt: epochMs(log.startTime),
    agentId: clean(log.agent?.id ?? log.agentId, 120),
    agentName: clean(log.agent?.name ?? log.agentName, 120),
  };
  for (const key of Object.keys(facts)) if (facts[key] === undefined) delete facts[key];
  return facts as unknown as CallRecordFacts;
}

/**
 * A turn's text as kept: whole, its lines kept (the formats put it on one line where they need
 * to), escape sequences, control characters and bidi controls removed.
 */
function turnText(text: string): string {
  return sanitizeText(text.replace(/[\u2028\u2029]/g, '\n'), Number.MAX_SAFE_INTEGER).trim();
}

/**
 * The turns of a call log's transcript: a list of `{role|speaker, text|message|content}`, or
 * text with a `role: words` line a turn. Each turn's text is whole, however long.
 */
export function callLogTurns(log: CallLog): CallLogTurn[] {
  const transcript = log.transcript;
  if (typeof transcript === 'string') {
    return transcript
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .map((line) => {
        const match = /^(user|agent|assistant|caller|bot)\s*:\s*(.*)$/i.exec(line);
        return match
          ? { role: roleWord(match[1] ?? ''), text: turnText(match[2] ?? '') }
          : { role: 'agent', text: turnText(line) };
      });
  }
  if (!Array.isArray(transcript)) return [];
  const turns: CallLogTurn[] = [];
  for (const item of transcript) {
    if (typeof item !== 'object' || item === null) continue;
    const record = item as Record<string, unknown>;
    const said = [record.text, record.message, record.content].find((v) => typeof v === 'string');
    if (typeof said !== 'string') continue;
    const who = [record.role, record.speaker].find((v) => typeof v === 'string');
    const when = [record.timestamp, record.time, record.createdAt, record.startTime].find(
      (v) => typeof v === 'string' || typeof v === 'number',
    );
    const at = typeof when === 'number' ? when : epochMs(when as string | undefined);
    turns.push({
      role: roleWord(typeof who === 'string' ? who : 'agent'),
      text: turnText(said),
      ...(at === undefined ? {} : { at }),
    });
  }
  return turns;
}

/**
 * Why a call log's transcript gave no turns though it has one, in words (`an object, not a list
 * of turns`); undefined when it was read, or there is none (absent, null, empty).
 */
export function transcriptProblem(log: CallLog): string | undefined {
  const transcript = log.transcript;
  if (transcript === undefined || transcript === null || typeof transcript === 'string') {
    return undefined;
  }
  if (!Array.isArray(transcript)) {
    const what = typeof transcript === 'object' ? 'an object' : `a ${typeof transcript}`;
    return `it is ${what}, not a list of turns`;
  }
  if (transcript.length === 0 || callLogTurns(log).length > 0) return undefined;
  return transcript.length === 1
    ? 'its one item is not a turn with a role and a text'
    : `none of its ${transcript.length} items is a turn with a role and a text`;
}

function roleWord(who: string): string {
  const word = who.toLowerCase();
  if (word === 'user' || word === 'caller' || word === 'human' || word === 'customer')
    return 'user';
  if (word === 'agent' || word === 'assistant' || word === 'bot' || word === 'ai') return 'agent';
  return sanitizeServerText(word, 20) || 'agent';
}

/**
 * One call log by id. A local agent's 404 says that it keeps calls only while it runs, unless
 * `whyMissing` is false: for an id that cannot be one of its calls (`calls show 4`, too short),
 * where forgetting is not why.
 */
export async function getCallLog(
  target: ApiTarget,
  id: string,
  signal?: AbortSignal,
  { whyMissing = true }: { readonly whyMissing?: boolean } = {},
): Promise<CallLog> {
  const shown = JSON.stringify(sanitizeServerText(id, 80));
  const { data } = await apiRequest(target, {
    path: `/calls/${encodeURIComponent(id)}`,
    schema: callLogSchema,
    action: `fetch call ${shown}`,
    notFound: (who, http, localAgent) =>
      !localAgent
        ? `${who} has no call ${shown} in this workspace (${http}).`
        : whyMissing
          ? `${who} has no call ${shown} (${http}): it keeps calls only while it runs, and forgets them when it stops.`
          : `${who} has no call ${shown} (${http}).`,
    signal,
  });
  return data;
}

export interface ListCallLogsOptions {
  /** At most this many calls (newest first). */
  readonly limit: number;
  /** Calls started at or after this time. */
  readonly since?: Date;
  /** Calls started at or before this time. */
  readonly until?: Date;
  /** Only calls with this status (end reason). */
  readonly status?: string;
  readonly signal?: AbortSignal;
  /** Told, in one line, before a short rate limit is waited out (see `rate-wait.ts`). */
  readonly onWait?: (line: string) => void;
}

/** The newest calls, following the cursor until `limit` or the end. */
export async function listCallLogs(
  target: ApiTarget,
  options: ListCallLogsOptions,
): Promise<{ calls: CallLog[]; more: boolean }> {
  const calls: CallLog[] = [];
  let cursor: string | undefined;
  // Whether the server has calls past those read (a page past the limit, or one more in it).
  let more = false;
  // One short 429 between two pages must not throw the pages read away.
  const request = patientRequests({
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onWait ? { onWait: options.onWait } : {}),
  });
  for (let page = 0; page < MAX_CALL_PAGES && calls.length < options.limit; page++) {
    const { data } = await request(
      target,
      {
        path: '/calls',
        query: {
          pageSize: Math.min(CALLS_PAGE_LIMIT, options.limit - calls.length),
          cursor,
          status: options.status,
          startDate: options.since?.toISOString(),
          endDate: options.until?.toISOString(),
        },
        schema: callLogsPageSchema,
        action: 'list calls',
        signal: options.signal,
      },
      `page ${page + 1} of the calls`,
    );
    const room = options.limit - calls.length;
    calls.push(...data.data.slice(0, room));
    const next = data.pagination?.next ?? undefined;
    more = data.data.length > room || (calls.length >= options.limit && Boolean(next));
    if (!next || next === cursor || data.data.length === 0) break;
    cursor = next;
  }
  return { calls, more };
}

/** How long to poll for a finished record before showing what there is. */
export const DEFAULT_RECORD_WAIT_MS = 20_000;
/** Pause between polls: well inside the rate limit (1,000 requests an hour). */
export const DEFAULT_RECORD_POLL_MS = 1_000;

export interface WaitForRecordOptions {
  readonly signal?: AbortSignal;
  readonly maxWaitMs?: number;
  readonly pollMs?: number;
  /** Told before each request (1, 2, …), e.g. to show progress. */
  readonly onPoll?: (attempt: number) => void;
  /**
   * Ask once, within `maxWaitMs`, and neither poll nor try again: for a server already given up
   * (it stopped answering the call's socket), whose silence a wait would only prolong.
   */
  readonly once?: boolean;
}

/** Failures that may pass on their own: a server having trouble, a record not made yet, a cut. */
const PASSING_FAILURES = new Set<ApiError['kind']>([
  'rate-limit',
  'server',
  'not-found',
  'unreachable',
  'timeout',
]);
/** The longest pause between two tries after failures (the pause doubles up to it). */
const MAX_BACKOFF_MS = 5_000;
/**
 * How long a record is asked for again after a 404 or a server that cannot be reached: Omnia
 * makes the record within moments of the call's end, and a server with no call records (an
 * `--api-base` of one's own) or one that is gone should not hold every call's end (or a redial)
 * for the whole wait.
 */
const SHORT_WAIT_MS = 5_000;
const SHORT_WAIT_FAILURES = new Set<ApiError['kind']>(['not-found', 'unreachable']);
/** A try is given at least this long, even at the end of the wait. */
const MIN_TRY_MS = 1_000;

/**
 * Polls `GET /calls/{id}` until the record is complete or `maxWaitMs` has passed; the last
 * record seen either way. A failure that may pass (a 5xx, a 404 before Omnia has made the
 * record, a cut connection, a 429) is tried again within the same budget, the pause doubling
 * from `pollMs` (at least what a Retry-After asks); when the budget runs out first, it rejects
 * with the last failure, saying how many tries it took. Other failures (a wrong key) reject at
 * once. Rejects with ApiError (kind `cancelled` when the signal aborts).
 */
export async function waitForCallRecord(
  target: ApiTarget,
  id: string,
  options: WaitForRecordOptions = {},
): Promise<{ log: CallLog; complete: boolean }> {
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_RECORD_WAIT_MS;
  const pollMs = options.pollMs ?? DEFAULT_RECORD_POLL_MS;
  const started = Date.now();
  const deadline = started + maxWaitMs;
  let last: CallLog | undefined;
  let failures = 0;
  for (let attempt = 1; ; attempt++) {
    options.onPoll?.(attempt);
    let waitMs = pollMs;
    // Each try ends with the wait: a server that stalls cannot hold the call's end past it.
    const tryTimeout = AbortSignal.timeout(Math.max(MIN_TRY_MS, deadline - Date.now()));
    const trySignal = options.signal ? AbortSignal.any([options.signal, tryTimeout]) : tryTimeout;
    try {
      last = await getCallLog(target, id, trySignal);
      failures = 0;
      if (isRecordComplete(last)) return { log: last, complete: true };
      if (options.once) return { log: last, complete: false };
    } catch (caught) {
      const error =
        tryTimeout.aborted && !options.signal?.aborted
          ? new ApiError('timeout', 'The call record did not arrive in time.')
          : caught;
      if (!(error instanceof ApiError) || !PASSING_FAILURES.has(error.kind)) throw error;
      if (refusedHere(error, target)) throw goneHere(error, target);
      if (options.once) throw error;
      failures++;
      const short = SHORT_WAIT_FAILURES.has(error.kind);
      // After a 404 the wait is the short one: the pause ends with it, and the last try falls
      // there (a 4 s pause from 3 s ran it to 7 s).
      const remainingMs =
        Math.min(deadline, short ? started + SHORT_WAIT_MS : deadline) - Date.now();
      const askedMs = (error.retryAfterSeconds ?? 0) * 1000;
      if (remainingMs <= 0 || askedMs > remainingMs) {
        if (last) return { log: last, complete: false };
        throw gaveUp(error, attempt, Date.now() - started);
      }
      // The last try falls at the deadline rather than after it.
      const backoffMs = Math.min(MAX_BACKOFF_MS, pollMs * 2 ** (failures - 1));
      await pause(Math.min(remainingMs, Math.max(backoffMs, askedMs)), options.signal, RECORD_WAIT);
      continue;
    }
    if (Date.now() + waitMs > deadline) {
      if (last) return { log: last, complete: false };
      waitMs = Math.max(0, deadline - Date.now());
      if (waitMs === 0) throw new ApiError('timeout', 'The call record did not arrive in time.');
    }
    await pause(waitMs, options.signal, RECORD_WAIT);
  }
}

/**
 * A connection refused by this machine (`127.0.0.1`, `localhost`, `::1`): nothing listens on
 * that port, which a moment does not change (the `serve` or the server of one's own the call
 * used has stopped). Asked again, it only held the call's end (or a redial) for 5 s. A remote
 * server's refusal (a balancer between two backends, a restart) may pass, and is asked again.
 */
function refusedHere(error: ApiError, target: ApiTarget): boolean {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return (
    error.kind === 'unreachable' && code === 'ECONNREFUSED' && loopbackHost(target) !== undefined
  );
}

/** The API base's `host:port` when it is this machine, else undefined. */
function loopbackHost(target: ApiTarget): string | undefined {
  let url: URL;
  try {
    url = new URL(target.apiBase);
  } catch {
    return undefined;
  }
  return onThisMachine(url) ? url.host : undefined;
}

/** The failures {@link goneHere} made: the server at the API base has stopped. */
const goneFailures = new WeakSet<ApiError>();

/** {@link refusedHere}'s failure, in words that say the server is gone, not the network. */
function goneHere(error: ApiError, target: ApiTarget): ApiError {
  const gone = new ApiError(
    'unreachable',
    `Nothing answers at ${loopbackHost(target)} any more (connection refused): the server there has stopped.`,
    { cause: error },
  );
  goneFailures.add(gone);
  return gone;
}

/** Whether {@link waitForCallRecord} failed because the server on this machine has stopped. */
export function serverStopped(error: unknown): boolean {
  return error instanceof ApiError && goneFailures.has(error);
}

/** The last failure, saying it was not the first try: `… Tried 5 times in 19 s.` */
function gaveUp(error: ApiError, tries: number, elapsedMs: number): ApiError {
  if (tries === 1) return error;
  const seconds = Math.max(1, Math.round(elapsedMs / 1000));
  return new ApiError(error.kind, `${error.message} Tried ${tries} times in ${seconds} s.`, {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.serverMessage === undefined ? {} : { serverMessage: error.serverMessage }),
    ...(error.code === undefined ? {} : { code: error.code }),
    ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    cause: error,
  });
}

/** What a cancelled wait for the record says (`Cancelled: waiting for the call record.`). */
const RECORD_WAIT = 'waiting for the call record';
