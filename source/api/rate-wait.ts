/**
 * The pages of a listing (agents, calls) asked with patience for a short rate limit: a 429 that
 * asks for a wait of a few seconds is waited out, a few times at most, as the call record's
 * polling waits one out; a longer wait, or one more, fails the listing as before.
 */
import { ApiError } from './errors.js';
import {
  type ApiRequest,
  type ApiResponse,
  type ApiTarget,
  apiRequest,
  serverOf,
} from './request.js';

/** The longest wait a listing sits out (the call record's longest pause between tries). */
export const MAX_LISTING_WAIT_S = 5;
/** How many 429s one listing waits out, at most. */
export const MAX_LISTING_WAITS = 3;

export interface PatienceOptions {
  readonly signal?: AbortSignal;
  /** Told, in one line, before each wait (a command prints it on stderr). */
  readonly onWait?: (line: string) => void;
}

/**
 * A request function for the pages of one listing: each page is `apiRequest`, and a 429 whose
 * Retry-After (or X-RateLimit-Reset) is at most {@link MAX_LISTING_WAIT_S} is waited out and the
 * page asked again, up to {@link MAX_LISTING_WAITS} times in all the listing's pages. `what`
 * names the page in the line (`page 2 of the agents`). Rejects with ApiError.
 */
export function patientRequests(
  options: PatienceOptions = {},
): <T>(target: ApiTarget, request: ApiRequest<T>, what: string) => Promise<ApiResponse<T>> {
  let waits = 0;
  return async (target, request, what) => {
    for (;;) {
      try {
        return await apiRequest(target, request);
      } catch (error) {
        const seconds = shortWait(error);
        if (seconds === undefined || waits >= MAX_LISTING_WAITS) throw error;
        waits++;
        options.onWait?.(
          `${serverOf(target)} is limiting requests (HTTP 429): waiting ${seconds} s, as it asked, then asking for ${what} again.`,
        );
        await pause(seconds * 1000, options.signal, request.action);
      }
    }
  };
}

/** The seconds a 429 asks to wait when they are few enough to sit out (a wait over: 1 s). */
function shortWait(error: unknown): number | undefined {
  if (!(error instanceof ApiError) || error.kind !== 'rate-limit') return undefined;
  const seconds = error.retryAfterSeconds;
  if (seconds === undefined || seconds > MAX_LISTING_WAIT_S) return undefined;
  return Math.max(1, seconds);
}

/**
 * Waits `ms`; an abort rejects as an aborted request does (`Cancelled: list agents.`, or
 * `Cancelled: waiting for the call record.`).
 */
export function pause(ms: number, signal: AbortSignal | undefined, action: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => new ApiError('cancelled', `Cancelled: ${action}.`);
    if (signal?.aborted) {
      reject(cancelled());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
