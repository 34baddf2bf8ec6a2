import { sanitizeLine as cleanLine, sanitizeText as cleanText } from '../protocol/sanitize.js';

/*
 * Defensive cleaning at render time. The store already sanitises what the server sends, but a
 * stray escape sequence reaching the terminal could move the cursor, recolour the screen or
 * retitle the window, so the UI cleans again, with the same rules and no length cap.
 */

/** Text safe to render: no escape sequences, no control characters except newline. */
export function sanitizeText(text: string): string {
  return cleanText(text, Number.MAX_SAFE_INTEGER);
}

/** Text safe to render on one line: newlines become spaces too. */
export function sanitizeLine(text: string): string {
  return cleanLine(text, Number.MAX_SAFE_INTEGER);
}
