import { type Key, useInput } from 'ink';
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
  useInput(
    (input: string, key: Key) => {
      const name = keyNameOf(input, key);
      if (name === undefined) return;
      const command = commandFor(name, context);
      if (command !== undefined) run(command);
    },
    { isActive },
  );
}
