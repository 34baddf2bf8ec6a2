import { sanitizeLine } from '../protocol/sanitize.js';
import { cutAtGrapheme } from '../text/graphemes.js';

/** Server text is shown on one line of a terminal message; longer text is cut to this. */
export const SERVER_TEXT_MAX_CHARS = 200;

// The zero-width space, direction marks, the BOM and line/paragraph separators: invisible in a
// one-line message, and able to hide or split what the user reads. The joiners (U+200C ZWNJ,
// U+200D ZWJ) stay: they are part of emoji sequences (a family is one emoji) and of Persian and
// Indic words, which are misspelled without them.
const INVISIBLE_CHARS = /[\u200b\u200e\u200f\u2028\u2029\ufeff]/g;

/**
 * Makes untrusted text safe for a one-line terminal message: the shared sanitiser removes escape
 * sequences, control characters and bidi controls (line breaks and tabs become spaces), invisible
 * characters go too (not the joiners), runs of spaces collapse, and the result is cut to
 * `maxChars` code points with an ellipsis, between grapheme clusters.
 */
export function sanitizeServerText(text: string, maxChars = SERVER_TEXT_MAX_CHARS): string {
  const cleaned = sanitizeLine(text, Number.MAX_SAFE_INTEGER)
    .replace(INVISIBLE_CHARS, '')
    .replace(/[\v\f]/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  return cutChars(cleaned, maxChars);
}

/**
 * At most `maxChars` code points of `text`, ending in an ellipsis when cut; the cut falls between
 * grapheme clusters, never inside an emoji sequence or a letter with its marks.
 */
function cutChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const chars = Array.from(text);
  if (chars.length <= maxChars) return text;
  // The first maxChars - 1 code points, as code units, cut back to a cluster's end.
  return `${cutAtGrapheme(text, chars.slice(0, maxChars - 1).join('').length)}…`;
}

// What JSON.stringify leaves as it is but a terminal may act on: DEL and the C1 controls (an
// 8-bit CSI among them), bidi embeddings, overrides and isolates (they reorder what is shown),
// and the line and paragraph separators.
const JSON_UNSAFE_CHARS = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `shown` (server text made safe to show: cleaned, cut) with a hidden `toJSON` that gives `data`
 * (the same fields, whole): the screen gets safe text, `--json` and JSON files the server's.
 */
export function withWholeJson<T extends object, D>(shown: T, data: D): T {
  Object.defineProperty(shown, 'toJSON', { value: () => data, enumerable: false });
  return shown;
}

/**
 * `value` as JSON text (two-space indent) safe to print on a terminal, and still the data itself:
 * JSON.stringify escapes C0 controls; this also escapes the characters above as `\uXXXX`, which a
 * JSON reader turns back into the same characters. Nothing is removed or cut.
 */
export function terminalJson(value: unknown): string {
  return escapeJsonText(JSON.stringify(value, null, 2));
}

/**
 * JSON text with the characters a terminal may act on escaped as `\uXXXX`. Only for JSON text:
 * outside strings JSON holds none of them, so the text means the same.
 */
export function escapeJsonText(json: string): string {
  return json.replace(
    JSON_UNSAFE_CHARS,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
