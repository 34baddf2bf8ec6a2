/** Server text is shown on one line of a terminal message; longer text is cut to this. */
export const SERVER_TEXT_MAX_CHARS = 200;

// ESC-introduced sequences: CSI (ESC [ … final), OSC/DCS/SOS/PM/APC strings (up to BEL or ST),
// and two-character escapes. Removed whole so no fragment of a sequence survives.
const ESCAPE_SEQUENCE =
  /\u001b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[ -/]*[0-~])?/g;
// 8-bit CSI/OSC/DCS forms, which some terminals still honour.
const C1_SEQUENCE = /[\u009b][0-?]*[ -/]*[@-~]|[\u009d\u0090\u0098\u009e\u009f][^\u0007\u009c]*/g;
// Controls (C0, DEL, C1), bidi overrides and isolates (they can reorder what the user reads),
// zero-width characters and line/paragraph separators.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/**
 * Makes untrusted text safe for a one-line terminal message: escape sequences and control
 * characters are removed (line breaks and tabs become spaces), runs of spaces collapse, and the
 * result is cut to `maxChars` with an ellipsis.
 */
export function sanitizeServerText(text: string, maxChars = SERVER_TEXT_MAX_CHARS): string {
  const cleaned = text
    .replace(ESCAPE_SEQUENCE, '')
    .replace(C1_SEQUENCE, '')
    .replace(/[\t\n\r\v\f]/g, ' ')
    .replace(UNSAFE_CHARS, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  const chars = Array.from(cleaned);
  if (chars.length <= maxChars) return cleaned;
  return `${chars.slice(0, maxChars - 1).join('')}…`;
}
