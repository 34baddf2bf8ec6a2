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
  return `no answer ${Math.max(0, Math.floor((now - since) / 1_000))} s`;
}
