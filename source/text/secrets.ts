/**
 * The secrets of the run (the API key, each call's socket address, in the spellings a server
 * might echo them in) and the one function that blanks them out of text. It sits under every
 * sanitiser of server text (`protocol/sanitize.ts`), so a secret is blanked before anything
 * shortens, wraps or lays the text out: cut first, `sk-live-abcdefgh…` would show most of a key
 * that no longer matched. The terminal's output guard and the transcript files use it too.
 */

/** The mark a secret leaves behind. */
export const REDACTED = '[redacted]';

/**
 * Characters a terminal draws as nothing (zero-width spaces and joiners, soft hyphens, variation
 * selectors, direction marks, word joiners, the BOM, line and paragraph separators …): one inside
 * a key would keep it from matching while the key reads the same on screen.
 */
const INVISIBLE =
  '\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0';
/**
 * Text that may hide a secret from a plain search: an invisible character. (Escape sequences
 * inside server text are gone before it is searched: the sanitisers strip them first.)
 */
const HIDING = new RegExp(`[${INVISIBLE}]`, 'u');
const INVISIBLE_CHARS = new RegExp(`[${INVISIBLE}]`, 'gu');
/**
 * What may stand between two characters of a secret and still show it whole (an escape sequence
 * too, for text that still has them).
 */
const FILLER = `(?:[${INVISIBLE}]|\\u001b\\[[0-?]*[ -/]*[@-~])*`;
/** What cut text ends in (`protocol/sanitize.ts`, Ink's truncation). */
const ELLIPSIS = '…';
/** A secret's first characters, this many or more, before an ellipsis are taken for the secret cut short. */
const MIN_CUT_PREFIX_CHARS = 8;

const registered = new Set<string>();
let sorted: readonly string[] = [];
const patterns = new Map<string, RegExp | undefined>();

/** Adds spellings of a secret to the run's secrets; empty ones are ignored. */
export function registerSecrets(spellings: Iterable<string>): void {
  let added = false;
  for (const spelling of spellings) {
    if (spelling.length === 0 || registered.has(spelling)) continue;
    registered.add(spelling);
    added = true;
  }
  // Longest first: a whole address is blanked before its token.
  if (added) sorted = [...registered].sort((a, b) => b.length - a.length);
}

/** The run's secrets, longest first. */
export function registeredSecrets(): readonly string[] {
  return sorted;
}

function patternFor(secret: string): RegExp | undefined {
  if (!patterns.has(secret)) {
    // Only the syntax characters are escaped: with the `u` flag any other escape (`\-`) is an
    // error, and a key or an address holds dashes.
    const chars = Array.from(secret, (c) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(chars.join(FILLER), 'gu');
    } catch {
      // Never a reason to fail the text (this runs on every write to the terminal).
      pattern = undefined;
    }
    patterns.set(secret, pattern);
  }
  return patterns.get(secret);
}

/**
 * Where the start of `secret` that begins at `start` in `text` ends: the length of their common
 * start, at most one less than the secret (the whole secret is blanked by the plain search).
 */
function commonStart(text: string, start: number, secret: string): number {
  let length = 0;
  while (length < secret.length - 1 && text[start + length] === secret[length]) length += 1;
  return length;
}

/**
 * `text` with every secret replaced by `[redacted]`: the run's registered secrets, and `extra`
 * (a writer's own list). Also blanked: a secret with invisible characters between its
 * characters (it reads the same; escape sequences are gone before: the sanitisers strip them),
 * and a secret's start of 8 characters or more cut short right before an ellipsis
 * (`sk-live-abcdefgh…`). Cheap for text that holds none: a search or two per secret.
 */
export function blankSecrets(text: string, extra: readonly string[] = []): string {
  // A writer's or the store's own list is mostly the run's secrets already: merged (and sorted)
  // only when it adds one, not on every transcript delta.
  const more = extra.filter((secret) => secret.length > 0 && !registered.has(secret));
  const secrets =
    more.length === 0 ? sorted : [...sorted, ...more].sort((a, b) => b.length - a.length);
  if (secrets.length === 0 || text.length < MIN_CUT_PREFIX_CHARS) return text;
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  if (HIDING.test(out)) {
    // Only a secret that shows once the invisible characters are gone is looked for with them.
    const visible = out.replace(INVISIBLE_CHARS, '');
    for (const secret of secrets) {
      if (!visible.includes(secret)) continue;
      const pattern = patternFor(secret);
      if (pattern) out = out.replace(pattern, REDACTED);
    }
  }
  if (out.includes(ELLIPSIS)) {
    for (const secret of secrets) {
      if (secret.length <= MIN_CUT_PREFIX_CHARS) continue;
      const head = secret.slice(0, MIN_CUT_PREFIX_CHARS);
      // Each place the secret's start shows (rarely any): cut short there by an ellipsis?
      let at = out.indexOf(head);
      while (at !== -1) {
        const length = commonStart(out, at, secret);
        if (length >= MIN_CUT_PREFIX_CHARS && out.startsWith(ELLIPSIS, at + length)) {
          out = out.slice(0, at) + REDACTED + out.slice(at + length);
          at += REDACTED.length;
        }
        at = out.indexOf(head, at + 1);
      }
    }
  }
  return out;
}
