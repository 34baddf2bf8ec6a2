import { sanitizeLine as cleanLine, sanitizeText as cleanText } from '../protocol/sanitize.js';

/*
 * Defensive cleaning at render time. The store already sanitises what the server sends, but a
 * stray escape sequence reaching the terminal could move the cursor, recolour the screen or
 * retitle the window, so the UI cleans again, with the same rules and no length cap.
 */

/** Emoji skin-tone modifiers (Fitzpatrick types 1-2 to 6). */
const SKIN_TONES = /[\u{1F3FB}-\u{1F3FF}]/gu;

/**
 * Whether the terminal draws an emoji with a skin-tone modifier wider than string-width (Ink's
 * measure) says: tmux (3.3) draws `👍🏽` 4 columns wide, the emoji and its modifier apart, where
 * every other measure says 2. A row holding one then overflowed its pane, wrapped, and scrolled
 * the whole frame (the header off the screen) for as long as it was in view. Under tmux the
 * screen shows such an emoji without its modifier (`👍`); the files keep it.
 */
let dropSkinTones = Boolean(process.env.TMUX);

/** For tests: draw as under tmux (`true`) or as elsewhere. */
export function setDropSkinTones(drop: boolean): void {
  dropSkinTones = drop;
}

/**
 * Text as the screen draws it, already clean: under tmux without skin-tone modifiers (what is
 * being typed, drawn as it is edited: the modifier sits inside its emoji's grapheme cluster, so
 * the pieces around a cursor can each be drawn this way).
 */
export function forScreen(text: string): string {
  return dropSkinTones ? text.replace(SKIN_TONES, '') : text;
}

/** Text safe to render: no escape sequences, no control characters except newline. */
export function sanitizeText(text: string): string {
  return cleanText(text, Number.MAX_SAFE_INTEGER);
}

/** Text safe to render on one line: newlines become spaces too. */
export function sanitizeLine(text: string): string {
  return cleanLine(text, Number.MAX_SAFE_INTEGER);
}

/**
 * {@link sanitizeText} as the screen draws it (not what is typed or sent: a message keeps its
 * skin tones): under tmux without skin-tone modifiers.
 */
export function screenText(text: string): string {
  return forScreen(sanitizeText(text));
}

/** {@link sanitizeLine} as the screen draws it (see {@link screenText}). */
export function screenLine(text: string): string {
  return forScreen(sanitizeLine(text));
}
