import { type Key, useInput } from 'ink';
import { useCallback, useRef } from 'react';
import { type CommandName, commandFor, type KeyContext, keyNameOf } from '../keymap.js';
import type { KeyEventType } from '../ptt.js';

/** Runs a command; `event` says whether the key was pressed, repeated or released. */
export type RunCommand = (command: CommandName, event?: KeyEventType) => void;

/**
 * The only place keys become commands: each key is named, looked up in the keymap for the
 * current mode, and the command (if any) handed to `run`. Key releases (kitty keyboard protocol)
 * run nothing but push-to-talk; `onRelease` hears about the first one (the terminal reports
 * releases). Text typed after `t` is read by the message line; this hook still sees Enter, Esc
 * and Ctrl+C.
 */
export function useCallKeys(
  context: KeyContext,
  run: RunCommand,
  onRelease: () => void,
  isActive = true,
): void {
  // The listener stays subscribed for the life of the UI and reads the latest mode from a ref:
  // re-subscribing on every render would leave a window in which a key meets a stale mode.
  const latest = useRef({ context, run, onRelease });
  latest.current = { context, run, onRelease };
  const onKey = useCallback((input: string, key: Key) => {
    const event = key.eventType;
    if (event === 'release') latest.current.onRelease();
    const name = keyNameOf(input, key);
    if (name === undefined) return;
    const command = commandFor(name, latest.current.context);
    if (command === undefined) return;
    if (event === 'release' && command !== 'ptt') return;
    latest.current.run(command, event);
  }, []);
  useInput(onKey, { isActive });
}
