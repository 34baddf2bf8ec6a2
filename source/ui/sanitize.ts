/**
 * Defensive cleaning of text that may have come from a server. The store already sanitises,
 * but a stray escape sequence reaching the terminal could move the cursor, recolour the screen
 * or retitle the window, so the UI cleans again at render time.
 */

// C0 controls except newline, DEL, and the C1 range (0x80-0x9f: some terminals treat 0x9b as CSI).
const UNSAFE_MULTILINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
const UNSAFE_ONE_LINE = /[\u0000-\u001f\u007f-\u009f]/g;
// Whole ANSI sequences first, so "ESC[31m" does not leave "[31m" behind on screen.
const ANSI_SEQUENCE =
  /\u009b[0-?]*[ -/]*[@-~]|\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;

/** Text safe to render: no escape sequences, no control characters except newline. */
export function sanitizeText(text: string): string {
  return text.replace(ANSI_SEQUENCE, '').replace(/\r\n?/g, '\n').replace(UNSAFE_MULTILINE, '');
}

/** Text safe to render on one line: also turns newlines and tabs into spaces. */
export function sanitizeLine(text: string): string {
  return text
    .replace(ANSI_SEQUENCE, '')
    .replace(/[\t\r\n]+/g, ' ')
    .replace(UNSAFE_ONE_LINE, '');
}
