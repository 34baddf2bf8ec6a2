/**
 * Where each word of a reply starts in its audio, so the agent can stream a word's delta as its
 * audio goes out and, on barge-in, keep only the words the user heard. Pure.
 */

/** Starts (ms) of `count` words placed evenly over `totalMs`: exact for one beep per word. */
export function evenWordStarts(count: number, totalMs: number): number[] {
  return Array.from({ length: count }, (_, i) => (i / count) * totalMs);
}

/** How many words had started by `ms` into the audio: those whose start lies before it. */
export function wordsStartedBy(startsMs: readonly number[], ms: number): number {
  let n = 0;
  while (n < startsMs.length && startsMs[n]! < ms) n++;
  return n;
}
