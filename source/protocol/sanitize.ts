/**
 * Makes server-supplied text safe to put on a terminal. Everything that arrives over the call
 * socket (transcripts, debug lines, error messages, tool names) is untrusted: an escape
 * sequence in it could move the cursor, rewrite the screen, set the window title or hide
 * text, and bidi overrides can make a line read differently from what it contains.
 */

import { cutAtGrapheme } from '../text/graphemes.js';
import { blankSecrets } from '../text/secrets.js';

/** Default cap on sanitised text, in UTF-16 code units. */
export const DEFAULT_MAX_TEXT_CHARS = 10_000;

/** Appended when text was cut at the length cap. */
export const ELLIPSIS = '…';

// String-type sequences (OSC `ESC ]`, DCS `ESC P`, SOS `ESC X`, PM `ESC ^`, APC `ESC _`) run
// until BEL or ST (`ESC \` or U+009C). Unterminated ones swallow the rest of the input: a
// terminal would have done the same, and we would rather lose text than leak a title.
// Single-character C1 introducers (U+009B, U+009D, ...) are only deleted, not treated as the
// start of a sequence: they mostly come from mis-decoded text, and what follows them is
// harmless once the introducer is gone.
const STRING_SEQUENCE = /\u001b[\]PX^_][\s\S]*?(?:\u0007|\u001b\\|\u009c|$)/g;
// CSI: `ESC [`, parameter bytes, intermediate bytes, one final byte.
const CSI_SEQUENCE = /\u001b\[[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?/g;
// Any other escape: ESC, optional intermediates, one final byte (e.g. `ESC c` resets the terminal).
const OTHER_ESCAPE = /\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;
// C0 controls except tab (U+0009) and newline (U+000A), DEL, C1 controls, bidi embeddings,
// overrides and isolates.
const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Removes escape sequences, control characters (newline kept, tab becomes a space) and bidi
 * controls, blanks the run's secrets (`text/secrets.ts`), then truncates to `maxLength` code
 * units with an ellipsis. Never throws.
 */
export function sanitizeText(input: string, maxLength: number = DEFAULT_MAX_TEXT_CHARS): string {
  if (typeof input !== 'string') return '';
  let out = input;
  // Fast path: most transcript deltas are plain text.
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(out)) {
    out = out
      // Unicode's line and paragraph separators are line breaks: a one-line form (plain mode's
      // lines, the .txt file's turns) must not break there.
      .replace(/\r\n?|[\u2028\u2029]/g, '\n')
      .replace(STRING_SEQUENCE, '')
      .replace(CSI_SEQUENCE, '')
      .replace(OTHER_ESCAPE, '')
      .replace(/\t/g, ' ')
      .replace(CONTROL_CHARS, '');
  }
  // The run's secrets go before the text is cut: cut first, a key's start would be left.
  return truncate(blankSecrets(out), maxLength);
}

/** Like {@link sanitizeText} but for one-line display: newlines become spaces. */
export function sanitizeLine(input: string, maxLength: number = DEFAULT_MAX_TEXT_CHARS): string {
  // Replace newlines before truncating so the cap counts the final text.
  return truncate(sanitizeText(input, Number.MAX_SAFE_INTEGER).replace(/\n/g, ' '), maxLength);
}

/** Cuts `text` to at most `maxLength` code units, ending in an ellipsis when cut. */
export function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength <= 0) return '';
  return cutAtGrapheme(text, maxLength - ELLIPSIS.length) + ELLIPSIS;
}
