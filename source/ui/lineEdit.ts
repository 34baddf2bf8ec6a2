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

/** The message line's editing keys, for the help (`editLine` below is what they do). */
export const LINE_KEYS: ReadonlyArray<{ readonly keys: string; readonly description: string }> = [
  { keys: '←/→, Ctrl+B/F', description: 'move the cursor' },
  { keys: 'Ctrl+←/→, Alt+←/→, Alt+B/F', description: 'move a word' },
  { keys: 'Home/End, Ctrl+A/E', description: 'the start / the end of the line' },
  { keys: 'Backspace', description: 'remove the character before the cursor' },
  { keys: 'Delete, Ctrl+D', description: 'remove the character at the cursor' },
  { keys: 'Ctrl+W, Alt+Backspace', description: 'remove the word before the cursor' },
  { keys: 'Ctrl+U / Ctrl+K', description: 'remove all before / after the cursor' },
];

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
 * Where the word before `at` starts, words being what spaces separate (as a shell's Ctrl+W): the
 * spaces just before `at` are skipped first.
 */
function wordStartBefore(text: string, at: number): number {
  return text.slice(0, at).replace(/\S*\s*$/u, '').length;
}

/** Where the word after `at` ends: the spaces just after `at` are skipped first. */
function wordEndAfter(text: string, at: number): number {
  return at + (/^\s*\S*/u.exec(text.slice(at))?.[0].length ?? 0);
}

/** The line without `text[from, to)`, the cursor where the cut was. */
function removeBetween(line: EditLine, from: number, to: number): EditLine {
  if (from >= to) return line.cursor === from ? line : { text: line.text, cursor: from };
  return { text: line.text.slice(0, from) + line.text.slice(to), cursor: from };
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
  // Ink 8 reports DEL (0x7f, what terminals send for Backspace) and ^H as `backspace`, and the
  // Delete key (`ESC [3~`) as `delete`: the one removes before the cursor, the other after it.
  if (key.backspace && key.meta) return removeBetween(line, wordStartBefore(text, cursor), cursor);
  if (key.backspace) {
    if (cursor === 0) return line;
    return removeBetween(line, clusterBefore(text, cursor), cursor);
  }
  if (key.delete || (key.ctrl && input === 'd')) {
    return removeBetween(line, cursor, clusterAfter(text, cursor));
  }
  // A word at a time: Ctrl or Alt with an arrow, Alt+B and Alt+F (not Alt+D: it is what Esc then
  // `d` sends, which closes the line and opens the events pane).
  const word = key.ctrl || key.meta;
  if ((key.leftArrow && word) || (key.meta && input === 'b')) {
    return { text, cursor: wordStartBefore(text, cursor) };
  }
  if ((key.rightArrow && word) || (key.meta && input === 'f')) {
    return { text, cursor: wordEndAfter(text, cursor) };
  }
  if (key.leftArrow || (key.ctrl && input === 'b')) {
    return { text, cursor: cursor === 0 ? 0 : clusterBefore(text, cursor) };
  }
  if (key.rightArrow || (key.ctrl && input === 'f')) {
    return { text, cursor: clusterAfter(text, cursor) };
  }
  if (key.home || (key.ctrl && input === 'a')) return { text, cursor: 0 };
  if (key.end || (key.ctrl && input === 'e')) return { text, cursor: text.length };
  if (key.ctrl && input === 'u') return { text: text.slice(cursor), cursor: 0 };
  if (key.ctrl && input === 'k') return { text: text.slice(0, cursor), cursor };
  if (key.ctrl && input === 'w') return removeBetween(line, wordStartBefore(text, cursor), cursor);
  if (key.ctrl || key.meta) return line;
  if (input === '') return line;
  return {
    text: text.slice(0, cursor) + input + text.slice(cursor),
    cursor: cursor + input.length,
  };
}
