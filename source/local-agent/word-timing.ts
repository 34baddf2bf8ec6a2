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

/*
 * espeak-ng knows where each word starts, but only its library says so (word events, to a
 * callback): the command line the agent runs has no way to print them (`--pho` needs an mbrola
 * voice, `-m` marks go to the callback too), and Node cannot call the library without a native
 * addon. So the agent estimates, from the text alone, at no cost.
 *
 * How long espeak-ng takes over a word, in units of one letter's time (about 55 ms at its
 * default 175 words a minute). Fitted to the word positions espeak-ng 1.51's library reports
 * (its word events) for fourteen replies: the demo's own, sentences of long and short words,
 * counts, numbers, and a 34 s greeting that ends in a count to twenty-five. A word takes half
 * a unit plus one per letter, a digit about six (it is read out as a word), and the pause after
 * it about five for a comma or semicolon, six for a colon and eight for a full stop, `!` or `?`
 * (the audio's final pause is about as long). Spread by these weights, the count of words
 * heard at a moment of those replies is 0.18 words off espeak's own on average, two at worst
 * (short words like "me at" going by within 100 ms); spread evenly, it was 1.8 off on average,
 * and 9 on average and 16 at worst in the 34 s greeting.
 */
const WORD_UNITS = 0.5;
const DIGIT_UNITS = 6;
const PAUSE_UNITS: Readonly<Record<string, number>> = {
  ',': 5,
  ';': 5,
  ':': 6,
  '.': 8,
  '!': 8,
  '?': 8,
  '…': 8,
};
/** A word's last punctuation mark, behind any closing quotes or brackets. */
const TRAILING_MARK = /([,;:.!?…])[\p{Pe}\p{Pf}"']*$/u;

/** espeak-ng's time over `word` and the pause after it, in letter units. */
export function spokenUnits(word: string): number {
  const letters = word.match(/\p{L}/gu)?.length ?? 0;
  const digits = word.match(/\p{Nd}/gu)?.length ?? 0;
  const mark = TRAILING_MARK.exec(word)?.[1];
  const pause = mark === undefined ? 0 : (PAUSE_UNITS[mark] ?? 0);
  return WORD_UNITS + letters + DIGIT_UNITS * digits + pause;
}

/** Starts (ms) of `words` in espeak-ng speech lasting `totalMs`, each given its spoken share. */
export function spokenWordStarts(words: readonly string[], totalMs: number): number[] {
  const units = words.map(spokenUnits);
  const total = units.reduce((sum, u) => sum + u, 0);
  let before = 0;
  return units.map((u) => {
    const start = (before / total) * totalMs;
    before += u;
    return start;
  });
}
