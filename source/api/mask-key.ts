/** Keys shorter than this reveal too much through their last characters, so nothing is shown. */
const MIN_MASKABLE_KEY_CHARS = 8;
/** How many trailing characters of a key a user sees to tell two keys apart. */
const VISIBLE_KEY_CHARS = 4;

/**
 * A safe stand-in for an API key in messages: only its last 4 characters, so a user can tell
 * which key was used without the key ever reaching a terminal, a log or a file.
 * `maskKey('sk_live_1234abcd') === '…abcd'`; short keys give `'…'`.
 */
export function maskKey(key: string): string {
  if (key.length < MIN_MASKABLE_KEY_CHARS) return '…';
  return `…${key.slice(-VISIBLE_KEY_CHARS)}`;
}

/** Replaces every occurrence of `key` in `text` with its mask (servers sometimes echo keys). */
export function redactKey(text: string, key: string | undefined): string {
  if (!key) return text;
  return text.split(key).join(maskKey(key));
}

/** Shorter spellings are too likely to be ordinary text to blank out. */
const MIN_SECRET_SPELLING_CHARS = 8;

/**
 * The ways a secret can come back from a server that echoes it: as given, lower- and upper-case,
 * percent-encoded and decoded, and for a URL (the call's socket address) each long query value
 * on its own (the token in `?token=…`). Longest first, so a whole URL is blanked before its
 * parts.
 */
export function secretSpellings(secret: string | undefined): string[] {
  const value = secret?.trim();
  if (!value) return [];
  const out = new Set<string>();
  const add = (s: string) => {
    if (s.length < MIN_SECRET_SPELLING_CHARS) return;
    out.add(s);
    out.add(s.toLowerCase());
    out.add(s.toUpperCase());
    out.add(encodeURIComponent(s));
  };
  add(value);
  try {
    add(decodeURIComponent(value));
  } catch {
    // Not percent-encoded text.
  }
  try {
    const url = new URL(value);
    for (const param of url.searchParams.values()) add(param);
  } catch {
    // Not a URL (an API key).
  }
  return [...out].sort((a, b) => b.length - a.length);
}
