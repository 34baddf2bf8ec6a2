import { type Key, useInput } from 'ink';
import { useCallback, useRef } from 'react';
import { type CommandName, commandFor, type KeyContext, keyNameOf } from '../keymap.js';

/**
 * The only place keys are read: each key is named, looked up in the keymap for the current
 * mode, and the command (if any) handed to `run`. Text typed after `t` reaches ink-text-input
 * directly; this hook still sees Enter, Esc and Ctrl+C.
 */
export function useCallKeys(
  context: KeyContext,
  run: (command: CommandName) => void,
  isActive = true,
): void {
  // The listener stays subscribed for the life of the UI and reads the latest mode from a ref:
  // re-subscribing on every render would leave a window in which a key meets a stale mode.
  const latest = useRef({ context, run });
  latest.current = { context, run };
  const onKey = useCallback((input: string, key: Key) => {
    const name = keyNameOf(input, key);
    if (name === undefined) return;
    const command = commandFor(name, latest.current.context);
    if (command !== undefined) latest.current.run(command);
  }, []);
  useInput(onKey, { isActive });
}
