/** Small, pure formatting helpers for the call facts and state lines. */

import { formatClock } from '../text/durations.js';

export { formatClock };

/**
 * A call's time: the running clock (whole seconds passed) while it lasts, and once it ended its
 * length rounded to the second, as the summary and the transcript give it.
 */
export function formatCallTime(
  startedAt: number,
  endedAt: number | undefined,
  now: number,
): string {
  if (endedAt === undefined) return formatClock(now - startedAt);
  return formatClock(Math.round((endedAt - startedAt) / 1000) * 1000);
}

/** "0s", "12s", "3m05s" for how long a state has lasted (whole seconds: a calm display). */
export function formatSince(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < 60_000) return `${Math.floor(safe / 1000)}s`;
  const minutes = Math.floor(safe / 60_000);
  return `${minutes}m${String(Math.floor((safe % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** "85 ms", "1.24 s", or "—" when unknown. */
export function formatLatency(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** "48 kHz", "16 kHz", "44.1 kHz". */
export function formatRate(hz: number): string {
  if (!Number.isFinite(hz) || hz <= 0) return '—';
  const khz = hz / 1000;
  return `${Number.isInteger(khz) ? khz : khz.toFixed(1)} kHz`;
}

/** "-23 dB" with the floor shown as "-∞". */
export function formatDb(db: number, floorDb: number): string {
  if (!Number.isFinite(db) || db <= floorDb) return '-∞ dB';
  return `${Math.round(db)} dB`;
}
