import { sanitizeLine } from '../protocol/sanitize.js';

/** Server text is shown on one line of a terminal message; longer text is cut to this. */
export const SERVER_TEXT_MAX_CHARS = 200;

// Zero-width characters, the BOM and line/paragraph separators: invisible in a one-line
// message, and able to hide or split what the user reads.
const INVISIBLE_CHARS = /[\u200b-\u200f\u2028\u2029\ufeff]/g;

/**
 * Makes untrusted text safe for a one-line terminal message: the shared sanitiser removes escape
 * sequences and control characters (line breaks and tabs become spaces), invisible characters
 * go too, runs of spaces collapse, and the result is cut to `maxChars` with an ellipsis.
 */
export function sanitizeServerText(text: string, maxChars = SERVER_TEXT_MAX_CHARS): string {
  const cleaned = sanitizeLine(text, Number.MAX_SAFE_INTEGER)
    .replace(INVISIBLE_CHARS, '')
    .replace(/[\v\f]/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  const chars = Array.from(cleaned);
  if (chars.length <= maxChars) return cleaned;
  return `${chars.slice(0, maxChars - 1).join('')}…`;
}
