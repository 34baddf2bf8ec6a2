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
/** What may stand between two characters of a secret and still show it whole. */
const FILLER = `(?:[${INVISIBLE}]|\\u001b\\[[0-?]*[ -/]*[@-~])*`;
/** What cut text ends in (`protocol/sanitize.ts`, Ink's truncation). */
const ELLIPSIS = '…';
/** A secret's first characters, this many or more, before an ellipsis are taken for the secret cut short. */
const MIN_CUT_PREFIX_CHARS = 8;

const registered = new Set<string>();
let sorted: readonly string[] = [];
const patterns = new Map<string, RegExp>();

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

function patternFor(secret: string): RegExp {
  let pattern = patterns.get(secret);
  if (!pattern) {
    const chars = Array.from(secret, (c) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
    pattern = new RegExp(chars.join(FILLER), 'gu');
    patterns.set(secret, pattern);
  }
  return pattern;
}

/**
 * Where a cut-short start of `secret` (at least {@link MIN_CUT_PREFIX_CHARS} characters) ends at
 * `end` in `text`, else -1.
 */
function cutPrefixStart(text: string, end: number, secret: string): number {
  if (end < MIN_CUT_PREFIX_CHARS) return -1;
  const head = secret.slice(0, MIN_CUT_PREFIX_CHARS);
  let start = text.lastIndexOf(head, end - MIN_CUT_PREFIX_CHARS);
  while (start !== -1) {
    const length = end - start;
    if (length < secret.length && text.startsWith(secret.slice(0, length), start)) return start;
    if (end - start >= secret.length) return -1;
    start = start === 0 ? -1 : text.lastIndexOf(head, start - 1);
  }
  return -1;
}

/**
 * `text` with every secret replaced by `[redacted]`: the run's registered secrets, and `extra`
 * (a writer's own list). Also blanked: a secret with invisible characters or escape sequences
 * between its characters (it reads the same), and a secret's start cut short before an
 * ellipsis (`sk-live-abcdefgh…`). Cheap for text that holds none: a search per secret.
 */
export function blankSecrets(text: string, extra: readonly string[] = []): string {
  const secrets = extra.length === 0 ? sorted : [...new Set([...sorted, ...extra])];
  if (secrets.length === 0 || text.length < MIN_CUT_PREFIX_CHARS) return text;
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  if (HIDING.test(out)) {
    for (const secret of secrets) out = out.replace(patternFor(secret), REDACTED);
  }
  if (out.includes(ELLIPSIS)) {
    for (const secret of secrets) {
      if (secret.length <= MIN_CUT_PREFIX_CHARS) continue;
      let at = out.indexOf(ELLIPSIS);
      while (at !== -1) {
        const start = cutPrefixStart(out, at, secret);
        if (start !== -1) {
          out = out.slice(0, start) + REDACTED + out.slice(at);
          at = start + REDACTED.length;
        }
        at = out.indexOf(ELLIPSIS, at + 1);
      }
    }
  }
  return out;
}
