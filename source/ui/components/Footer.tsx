import { Box, Text } from 'ink';
import TextInput from 'ink-text-input';
import { useEffect, useState } from 'react';
import { footerItems, type KeyContext } from '../keymap.js';
import { colorsEnabled } from '../theme.js';

/** "m mute · i interrupt · …", generated from the keymap for the current mode. */
export function Footer({
  context,
  width,
}: {
  readonly context: KeyContext;
  readonly width: number;
}) {
  const items = footerItems(context);
  return (
    <Box width={width} height={1} overflow="hidden">
      <Text wrap="truncate-end">
        {items.map(([keys, label], i) => (
          <Text key={keys}>
            {i > 0 && <Text dimColor> · </Text>}
            <Text bold>{keys}</Text>
            <Text dimColor>{` ${label}`}</Text>
          </Text>
        ))}
      </Text>
    </Box>
  );
}

export interface TypingLineProps {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly width: number;
}

/** Shown in the empty message line. */
export const TYPING_PROMPT = 'type a message';
/** The message being typed (after `t`); Enter and Esc are handled by the keymap. */
export function TypingLine({ value, onChange, width }: TypingLineProps) {
  // The prompt appears once the input is listening (child effects run first), so keys typed
  // after it shows are never lost.
  const [listening, setListening] = useState(false);
  useEffect(() => setListening(true), []);
  const colour = colorsEnabled();
  const hints = footerItems({ mode: 'typing', ptt: false })
    .map(([keys, label]) => `${keys} ${label}`)
    .join(' · ');
  return (
    <Box width={width} height={1} overflow="hidden">
      <Text bold>{'say: '}</Text>
      <Box flexGrow={1} flexShrink={1} height={1} overflow="hidden">
        {/* ink-text-input greys its placeholder with chalk, which ignores NO_COLOR. */}
        <TextInput
          value={value}
          onChange={onChange}
          placeholder={listening && colour ? TYPING_PROMPT : ''}
        />
        {listening && !colour && value === '' && <Text dimColor>{TYPING_PROMPT}</Text>}
      </Box>
      <Box flexShrink={0} marginLeft={1}>
        <Text dimColor>{hints}</Text>
      </Box>
    </Box>
  );
}
