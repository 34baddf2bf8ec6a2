/**
 * A call's record as the summary and the transcript files show it, and the words for it. Kept
 * apart from the API code (and zod) because every call loads it at start-up.
 */

/** A call's record, reduced to what a summary shows; every string safe for a terminal. */
export interface CallRecordFacts {
  readonly callId: string;
  /** False while Omnia is still filling the record in (no `endTime` yet). */
  readonly complete: boolean;
  /** Omnia's end reason (`status`), e.g. `agent_hangup`. */
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

/** `the agent hung up (agent_hangup)`. */
export function describeEndReason(status: string): string {
  const words = END_REASONS[status.toLowerCase()];
  return words === undefined ? status.replace(/_/g, ' ') : `${words} (${status})`;
}

/** `$0.42` for USD, `0.42 EUR` otherwise, `42 ¢` with no currency. */
export function formatCost(costCents: number, currency: string | undefined): string {
  const amount = (costCents / 100).toFixed(2);
  if (currency === undefined) return `${costCents} ¢`;
  return currency.toUpperCase() === 'USD' ? `$${amount}` : `${amount} ${currency.toUpperCase()}`;
}
