/**
 * A length of time in words for messages: `10 s`, `1.5 s`, `0.3 s` (whole seconds whole,
 * otherwise one decimal). Timeouts, waits and retries all say their time this way.
 */
export function secondsText(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
