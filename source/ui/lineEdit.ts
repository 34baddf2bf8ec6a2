/**
 * The message line's editing, as a pure function of (line, key). Grapheme-aware: Backspace
 * removes a whole flag or ZWJ family, the cursor never lands inside one.
 */

import type { Key } from 'ink';
import { graphemes } from '../text/graphemes.js';
import { sanitizeLine } from './sanitize.js';

/** The line being typed and where the cursor is (in UTF-16 units, on a cluster boundary). */
export interface EditLine {
  readonly text: string;
  readonly cursor: number;
}

/** Text with no key held: how a paste reaches the message line. */
export const PLAIN_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/**
 * Pasted text as one line: its lines joined by spaces, the line breaks at its ends dropped (a
 * copied line usually ends with one), escape sequences and control characters gone.
 */
export function pastedLine(pasted: string): string {
  return sanitizeLine(pasted.replace(/^[\r\n]+|[\r\n]+$/g, '').replace(/\r\n|\r|\n/g, ' '));
}

export const EMPTY_LINE: EditLine = { text: '', cursor: 0 };

/** Start of the cluster that ends at `at`. */
function clusterBefore(text: string, at: number): number {
  let start = 0;
  for (const { index } of graphemes().segment(text.slice(0, at))) start = index;
  return start;
}

/** End of the cluster that starts at `at`. */
export function clusterAfter(text: string, at: number): number {
  const first = graphemes().segment(text.slice(at))[Symbol.iterator]().next();
  return first.done ? at : at + first.value.segment.length;
}

/**
 * The line after one key. Enter, Esc and Ctrl+C belong to the keymap (send, cancel, hang up) and
 * leave the line as it is; so do key releases (the kitty keyboard protocol reports them: a
 * release is not a second keystroke). Text arriving with a newline (a paste) keeps what is
 * before the newline: sending is the keymap's job.
 */
export function editLine(line: EditLine, input: string, key: Key): EditLine {
  if (key.eventType === 'release') return line;
  const { text, cursor } = line;
  if (key.return || key.escape || key.tab || key.upArrow || key.downArrow) return line;
  if (key.pageUp || key.pageDown) return line;
  if (key.backspace || key.delete) {
    // Terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`.
    if (cursor === 0) return line;
    const start = clusterBefore(text, cursor);
    return { text: text.slice(0, start) + text.slice(cursor), cursor: start };
  }
  if (key.leftArrow) return { text, cursor: cursor === 0 ? 0 : clusterBefore(text, cursor) };
  if (key.rightArrow) return { text, cursor: clusterAfter(text, cursor) };
  if (key.home || (key.ctrl && input === 'a')) return { text, cursor: 0 };
  if (key.end || (key.ctrl && input === 'e')) return { text, cursor: text.length };
  if (key.ctrl && input === 'u') return { text: text.slice(cursor), cursor: 0 };
  if (key.ctrl && input === 'k') return { text: text.slice(0, cursor), cursor };
  if (key.ctrl && input === 'w') {
    // The word before the cursor and the spaces after it, as a shell's Ctrl+W.
    const start = text.slice(0, cursor).replace(/\S*\s*$/u, '').length;
    return { text: text.slice(0, start) + text.slice(cursor), cursor: start };
  }
  if (key.ctrl || key.meta) return line;
  if (input === '') return line;
  return {
    text: text.slice(0, cursor) + input + text.slice(cursor),
    cursor: cursor + input.length,
  };
}
