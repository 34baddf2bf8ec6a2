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
