/**
 * "Did you mean": the valid names closest to what a user typed, for agents, voices, languages
 * and setting names. Pure.
 */

/** Levenshtein distance (insert, delete, substitute: 1 each). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Case, spaces, dashes and underscores do not make two names different to a user. */
export function normaliseName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
}

/** How many suggestions a one-line message lists at most. */
export const MAX_SUGGESTIONS = 5;

/**
 * The candidates closest to `query`, best first: those containing it (or contained in it), then
 * those a few typos away (a third of the query's length, at least 2; 1 for two letters). Each candidate has
 * one or more names it answers to (a voice's name and id); `label` is what is shown.
 */
export function closeMatches<T>(
  query: string,
  candidates: readonly T[],
  namesOf: (candidate: T) => readonly string[],
  max: number = MAX_SUGGESTIONS,
): T[] {
  const q = normaliseName(query);
  if (q === '') return [];
  // A third of the query's length, at least two; one for a query of two letters, where two
  // typos ("xx") would match every other code.
  const allowed = q.length <= 2 ? 1 : Math.max(2, Math.floor(q.length / 3));
  const scored: Array<{ candidate: T; score: number }> = [];
  for (const candidate of candidates) {
    let best = Number.POSITIVE_INFINITY;
    for (const raw of namesOf(candidate)) {
      const name = normaliseName(raw);
      if (name === '') continue;
      // Containment first (score below any typo distance), shorter names first among them.
      // A name inside the query counts when it is no mere fragment ("is" inside "english").
      const inQuery = name.length >= 3 && name.length * 2 >= q.length && q.includes(name);
      if (name.includes(q) || inQuery) best = Math.min(best, -1 / (1 + name.length));
      else {
        const distance = editDistance(q, name);
        if (distance <= allowed) best = Math.min(best, distance);
      }
    }
    if (Number.isFinite(best)) scored.push({ candidate, score: best });
  }
  scored.sort((a, b) => a.score - b.score);
  return scored.slice(0, max).map((entry) => entry.candidate);
}

/**
 * Close enough to name as what was meant: one typo, or two in a word of four letters or more
 * (`gaurd`, `ture`), or one inside the other (`speakers`). Stricter than names of agents and
 * voices: `foo` is not `sox`, a short word two letters away from it.
 */
function nearValue(typed: string, name: string): boolean {
  const a = normaliseName(typed);
  const b = normaliseName(name);
  if (a.length >= 2 && (a.includes(b) || b.includes(a))) return true;
  const distance = editDistance(a, b);
  return distance <= 1 || (distance <= 2 && Math.min(a.length, b.length) >= 4);
}

/**
 * "Did you mean" for a setting or flag with a fixed set of values (a setting's `suggest`):
 * `words` are the values, each with the other names it may be typed as (`markdown` for `md`);
 * `prefixed` are those that may take a `:<device>`, kept as typed (`speakr:USB` is
 * `speaker:USB`). The value meant, or undefined when none is close.
 */
export function closestValue(
  words: readonly (readonly [string, ...string[]])[],
  prefixed: readonly string[] = [],
): (raw: string) => string | undefined {
  const closest = (typed: string, among: typeof words) =>
    closeMatches(typed, among, (names) => names).find((names) =>
      names.some((name) => nearValue(typed, name)),
    )?.[0];
  return (raw) => {
    const value = raw.trim();
    const colon = prefixed.length > 0 ? value.indexOf(':') : -1;
    // `.md` is md; a file name (`mic.wv`, `out/take.mp3`) is no typo of a word: `mic` would
    // mislead. A device after the colon may be named anyhow.
    const word = (colon > 0 ? value.slice(0, colon) : value).replace(/^\.(?=\w+$)/, '');
    if (/[./\\]/.test(word)) return undefined;
    if (colon <= 0) return closest(word, words);
    const head = closest(
      word,
      words.filter(([name]) => prefixed.includes(name)),
    );
    return head === undefined ? undefined : `${head}${value.slice(colon)}`;
  };
}
