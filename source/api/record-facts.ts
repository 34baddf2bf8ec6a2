/**
 * A call's record as the summary and the transcript files show it, and the words for it. Kept
 * apart from the API code (and zod) because every call loads it at start-up.
 */

/** A call's record, reduced to what a summary shows; every string safe for a terminal. */
export interface CallRecordFacts {
  readonly callId: string;
  /** False while Omnia is still filling the record in (no `endTime` yet). */
  readonly complete: boolean;
  /**
   * Omnia's end reason (`status`), e.g. `agent_hangup`. Absent while the call is still running
   * (no `endTime`, and a status such as `in_progress` that names no ending).
   */
  readonly endReason?: string;
  /** The call's length as the server measured it. */
  readonly durationMs?: number;
  readonly billedMinutes?: number;
  /** Cost in cents of `currency`. */
  readonly costCents?: number;
  readonly currency?: string;
  readonly summary?: string;
  readonly shortSummary?: string;
  /** Epoch ms. */
  readonly startedAt?: number;
  readonly agentId?: string;
  readonly agentName?: string;
}

/** Words for Omnia's end reasons; anything else is shown as the server spelled it. */
const END_REASONS: Record<string, string> = {
  agent_hangup: 'the agent hung up',
  user_hangup: 'the caller hung up',
  client_hangup: 'the caller hung up',
  hangup: 'hung up',
  max_duration: 'the maximum duration was reached',
  inactivity: 'nobody spoke for too long',
  timeout: 'timed out',
  unjoined: 'nobody joined the call',
  error: 'an error ended it',
  completed: 'completed',
};

/** The end reasons this app has words for, as Omnia spells them. */
export const KNOWN_END_REASONS: readonly string[] = Object.keys(END_REASONS);

/**
 * Words a record may hold in `status` while the call is still running (Omnia documents `status`
 * as the end reason and fills it in after the call; the local agent says `in_progress`). With no
 * `endTime` yet, these are no end reason.
 */
const LIVE_STATUSES = new Set([
  'in_progress',
  'in-progress',
  'inprogress',
  'ongoing',
  'active',
  'live',
  'started',
  'running',
  'connected',
  'joined',
  'pending',
  'queued',
  'created',
  'initiated',
  'ringing',
  'connecting',
]);

/** True for a `status` that says the call is still running rather than how it ended. */
export function isLiveStatus(status: string): boolean {
  return LIVE_STATUSES.has(status.trim().toLowerCase());
}

/** `the agent hung up (agent_hangup)`. */
export function describeEndReason(status: string): string {
  const words = END_REASONS[status.toLowerCase()];
  // A code that is its own words (`completed`) is said once.
  if (words === undefined || words === status) return status.replace(/_/g, ' ');
  return `${words} (${status})`;
}

/** `$0.42` for USD, `0.42 EUR` otherwise, `42 ¢` with no currency. */
export function formatCost(costCents: number, currency: string | undefined): string {
  const amount = (costCents / 100).toFixed(2);
  if (currency === undefined) return `${costCents} ¢`;
  return currency.toUpperCase() === 'USD' ? `$${amount}` : `${amount} ${currency.toUpperCase()}`;
}
