import { Box, Text, useInput } from 'ink';
import { useEffect, useState } from 'react';
import { footerItems } from '../keymap.js';
import { clusterAfter, type EditLine, editLine } from '../lineEdit.js';
import { sanitizeLine } from '../sanitize.js';

/** Shown in the empty message line. */
export const TYPING_PROMPT = 'type a message';

export interface TypingLineProps {
  readonly line: EditLine;
  /** The line after a key; a newline in the input (a paste with Enter) means "send this". */
  readonly onChange: (line: EditLine, submit: boolean) => void;
  readonly width: number;
}

/**
 * The message being typed (after `t`). Enter and Esc are the keymap's (send, cancel); this reads
 * text, Backspace and the cursor keys.
 */
export function TypingLine({ line, onChange, width }: TypingLineProps) {
  // The prompt appears once the input is listening (child effects run first), so keys typed
  // after it shows are never lost.
  const [listening, setListening] = useState(false);
  useEffect(() => setListening(true), []);
  useInput((input, key) => {
    // A paste, or a terminal that batches keys, delivers text and Enter in one chunk.
    const cut = input.search(/[\r\n]/);
    // Pasted text may hold escape sequences or tabs: only printable text reaches the line.
    const text = sanitizeLine(cut < 0 ? input : input.slice(0, cut));
    const next = editLine(line, text, key);
    if (cut >= 0 && !key.return) onChange(next, true);
    else if (next !== line) onChange(next, false);
  });
  const hints = footerItems({ mode: 'typing', ptt: false })
    .map(([keys, label]) => `${keys} ${label}`)
    .join(' · ');
  const shown = line.text;
  const end = clusterAfter(shown, line.cursor);
  const before = shown.slice(0, line.cursor);
  const at = shown.slice(line.cursor, end) || ' ';
  const after = shown.slice(end);
  return (
    <Box width={width} height={1} overflow="hidden">
      <Text bold>{'say: '}</Text>
      <Box flexGrow={1} flexShrink={1} height={1} overflow="hidden">
        {listening && shown === '' ? (
          // The cursor sits on the prompt's first letter, so the line reads "say: type a message".
          <Text>
            <Text inverse>{TYPING_PROMPT.slice(0, 1)}</Text>
            <Text dimColor>{TYPING_PROMPT.slice(1)}</Text>
          </Text>
        ) : (
          <Text wrap="truncate-start">
            {before}
            <Text inverse>{at}</Text>
            {after}
          </Text>
        )}
      </Box>
      <Box flexShrink={0} marginLeft={1}>
        <Text dimColor>{hints}</Text>
      </Box>
    </Box>
  );
}
