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
