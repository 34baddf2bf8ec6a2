import { type Key, useInput } from 'ink';
import { useCallback, useRef } from 'react';
import { graphemes } from '../../text/graphemes.js';
import { type CommandName, commandFor, type KeyContext, keyNameOf } from '../keymap.js';
import type { KeyEventType } from '../ptt.js';

/** Runs a command; `event` says whether the key was pressed, repeated or released. */
export type RunCommand = (command: CommandName, event?: KeyEventType) => void;

export interface CallKeyHandlers {
  /**
   * The mode the next key meets, read at the key: after the keys before it in the same terminal
   * read, which React has not rendered yet (`useLatestReducer`).
   */
  readonly context: () => KeyContext;
  readonly run: RunCommand;
  /** The first key release (the terminal reports releases). */
  readonly onRelease: () => void;
  /** A key that is no command in this mode: the message line's text and editing keys. */
  readonly onText: (input: string, key: Key) => void;
  /** Text that is a paste, not keys (the terminal did not bracket it): never commands. */
  readonly onPaste: (text: string) => void;
  /** Told of every key Ink hands over, before it counts (which keys were typed ahead). */
  readonly onRead?: () => void;
}

/**
 * Printable keys of one read in call mode or the help, from this many on (or with a space among
 * others), are taken for a paste the terminal did not bracket rather than for commands: `Is this
 * quick?` would otherwise interrupt, save and hang up. Two keys (`tq`, `md`) still count one by
 * one, and so does an Enter or a Ctrl key after them: they are keys, not part of the paste. One
 * command key repeated (`rrr`) is keys too, each as in a read of its own.
 */
const PASTE_RUN_KEYS = 3;

/**
 * The only place keys become commands: each key is named, looked up in the keymap for the
 * current mode, and the command (if any) handed to `run`; any other key goes to `onText` (the
 * message line while typing). Key releases (kitty keyboard protocol) run nothing but
 * push-to-talk; `onRelease` hears about the first one. One listener for every key, so keys that
 * arrive together reach the message line and the keymap in the order they were typed.
 */
export function useCallKeys(handlers: CallKeyHandlers, isActive = true): void {
  // The listener stays subscribed for the life of the UI and reads the latest handlers from a
  // ref: re-subscribing on every render would leave a window in which a key meets a stale mode.
  const latest = useRef(handlers);
  latest.current = handlers;
  const onKey = useCallback((input: string, key: Key) => {
    const { context, run, onRelease, onText, onPaste, onRead } = latest.current;
    onRead?.();
    const one = (text: string, k: Key): void => {
      const event = k.eventType;
      // Esc and a key in one read (typed fast, sent by tmux, a slow link) reach Ink as Alt and
      // that key. Unless it is one of the message line's Alt keys (Alt+B, Alt+F), it is
      // both keys, in order: Esc closes the line or the help, then the key meets that mode.
      // Only in the legacy encoding: the kitty keyboard protocol (its keys carry an event type)
      // sends Esc as a key of its own, so its Alt+Q is Alt+Q, never Esc and `q`.
      if (k.meta && !k.ctrl && event === undefined && isEscThenKey(text, k, context().mode)) {
        one('', { ...k, meta: false, escape: true });
        one(text, { ...k, meta: false });
        return;
      }
      if (event === 'release') onRelease();
      const name = keyNameOf(text, k);
      const now = context();
      // Releasing the talk key always ends the talking, whatever opened since it was pressed
      // (`?`, `t`): a release dropped there would leave the mic open.
      if (event === 'release' && name === 'space' && now.ptt && now.mode !== 'call') {
        run('ptt', event);
        return;
      }
      const command = name === undefined ? undefined : commandFor(name, now);
      if (command === undefined) {
        onText(text, k);
        return;
      }
      if (event === 'release' && command !== 'ptt') return;
      run(command, event);
    };
    if (!isKeyRun(input, key)) {
      one(input, key);
      return;
    }
    // Printable keys that arrived in one read (a fast typist, a terminal or tmux that batches,
    // a paste the terminal did not bracket): Ink hands them over as one string. Each counts on
    // its own, in order, against the mode the keys before it left (`t` then text, text then
    // Enter then `d`). Text for the message line goes in runs, not a key at a time.
    const keys = Array.from(graphemes().segment(input), ({ segment }) => segment);
    let text = '';
    for (let i = 0; i < keys.length; i++) {
      const segment = keys[i]!;
      const enter = segment === '\r' || segment === '\n' || segment === '\r\n';
      // A Ctrl+letter inside the run (Ink splits out only Backspace and Ctrl+C): Ctrl+A, Ctrl+E,
      // Ctrl+U … act where they were typed.
      const control = ctrlLetter(segment);
      if (control !== undefined) {
        if (text) onText(text, key);
        text = '';
        one(control, { ...key, ctrl: true });
        continue;
      }
      if (!enter && context().mode === 'typing') {
        text += segment;
        continue;
      }
      if (text) onText(text, key);
      text = '';
      const now = context();
      // In the help too: there a paste closes it and opens the message line (as a bracketed
      // one does), where as keys a `q` in it quit.
      if (!enter && (now.mode === 'call' || now.mode === 'help')) {
        // The printable keys from here to the next Enter or Ctrl key: those are keys of their
        // own, acted on after the run (`md` Enter mutes and opens the events; a paste and the
        // Enter after it send it), never characters of a paste.
        let end = i + 1;
        while (end < keys.length && isPrintable(keys[end]!)) end++;
        const run = keys.slice(i, end);
        // Spaces only: one Space held and repeated, one push-to-talk press.
        if (run.every((k) => k === ' ')) {
          one(' ', key);
          i = end - 1;
          continue;
        }
        // One command key repeated (`rrr`: a held key's repeats, or the key pressed again while
        // the app was busy) is no paste, which nobody makes of it: keys, each meeting what the
        // one before left, as in reads of their own (`rrr` calls again once, and the next `r`
        // says a call is being made already). Another key repeated (`aaa`) is text.
        const sameKey =
          run.every((k) => k === segment) &&
          commandFor(keyNameOf(segment, key) ?? '', now) !== undefined;
        // `t` first opens the message line and the rest is its text: a message typed ahead
        // (`t`, text, Enter while the app was busy) runs no command, so it is not a paste.
        const opensLine = commandFor(keyNameOf(segment, key) ?? '', now) === 'type';
        if (
          !opensLine &&
          !sameKey &&
          (run.length >= PASTE_RUN_KEYS || (run.length > 1 && run.includes(' ')))
        ) {
          onPaste(run.join(''));
          i = end - 1;
          continue;
        }
      }
      one(enter ? '\r' : segment, enter ? { ...key, return: true } : key);
    }
    if (text) onText(text, key);
  }, []);
  useInput(onKey, { isActive });
}

/** The message line's own Alt keys: a word back, a word on. */
const LINE_ALT_KEYS = new Set(['b', 'f']);

/**
 * Alt with one printable character that is not the message line's own Alt key while typing: what
 * a terminal sends for Esc followed at once by that key.
 */
function isEscThenKey(text: string, key: Key, mode: KeyContext['mode']): boolean {
  if (key.escape || key.return || key.tab || key.backspace || key.delete) return false;
  if (text.length === 0 || ctrlLetter(text) !== undefined || /^\p{C}/u.test(text)) return false;
  if (isKeyRun(text, { ...key, meta: false })) return false;
  return !(mode === 'typing' && LINE_ALT_KEYS.has(text.toLowerCase()));
}

/** `a` for Ctrl+A (0x01) … `z` for Ctrl+Z, but not Tab, Enter or line feed; else undefined. */
export function ctrlLetter(segment: string): string | undefined {
  if (segment.length !== 1) return undefined;
  const code = segment.charCodeAt(0);
  if (code < 1 || code > 26 || code === 9 || code === 10 || code === 13) return undefined;
  return String.fromCharCode(code + 96);
}

/** A key that may be a character of a paste: not Enter, not a Ctrl key. */
function isPrintable(segment: string): boolean {
  return !/^[\r\n]/.test(segment) && ctrlLetter(segment) === undefined;
}

/** More than one key's worth of plain text: no modifier, no named key, several graphemes. */
function isKeyRun(input: string, key: Key): boolean {
  if (input.length < 2 || key.ctrl || key.meta || key.escape || key.return || key.tab) return false;
  if (key.eventType === 'release') return false;
  // A single grapheme (an emoji, a flag, a letter with its accent) is one key.
  let count = 0;
  for (const _ of graphemes().segment(input)) if (++count > 1) return true;
  return false;
}
