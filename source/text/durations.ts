import type { FileStop } from '../audio/types.js';

/**
 * A length of time in words for messages: `10 s`, `1.5 s`, `0.3 s` (whole seconds whole,
 * otherwise one decimal). Timeouts, waits and retries all say their time this way.
 */
export function secondsText(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * How long the server has been quiet, as the rtt fact says it while no pong comes: `no answer
 * 7 s` (whole seconds since its last sign of life, `Snapshot.serverQuiet.since`).
 */
export function noAnswerText(since: number, now: number): string {
  return `no answer ${wholeSecondsText(now - since)}`;
}

/** `6 s`: a silence in whole seconds, as the quiet server's lines say it. */
export function wholeSecondsText(ms: number): string {
  return `${Math.max(0, Math.floor(ms / 1_000))} s`;
}

/** `no answer from the server for 6 s`: the quiet server's warning, and the lost call's reason. */
export function noAnswerFromServer(ms: number): string {
  return `no answer from the server for ${wholeSecondsText(ms)}`;
}

/** "0:07", "12:34", "1:02:03" for an elapsed time in ms. */
export function formatClock(ms: number): string {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const ss = String(seconds).padStart(2, '0');
  if (hours > 0) return `${hours}:${String(minutes).padStart(2, '0')}:${ss}`;
  return `${minutes}:${ss}`;
}

/**
 * `stopped at 0:42: the disk is full`: where a call's file stopped, and why when known (the
 * summary's `Recording:` line, and the info pane's `record` fact).
 */
export function stoppedText(stop: FileStop): string {
  return `stopped at ${formatClock(stop.atMs)}${stop.reason ? `: ${stop.reason}` : ''}`;
}
