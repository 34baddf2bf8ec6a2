import { Box, Text } from 'ink';
import TextInput from 'ink-text-input';
import { useEffect, useState } from 'react';
import { footerItems, type KeyContext } from '../keymap.js';
import { colorsEnabled } from '../theme.js';

/**
 * Footer pieces for a width: "m mute · i interrupt · …" when it fits, tighter separators
 * next, and at last bare keys for everything but help and quit (help lists them all).
 */
export function footerLayout(
  items: ReadonlyArray<readonly [string, string]>,
  width: number,
): { separator: string; items: Array<readonly [string, string]> } {
  const length = (list: ReadonlyArray<readonly [string, string]>, separator: string) =>
    list.reduce((n, [k, l]) => n + k.length + (l ? l.length + 1 : 0), 0) +
    separator.length * Math.max(0, list.length - 1);
  for (const separator of [' · ', '  ']) {
    if (length(items, separator) <= width) return { separator, items: [...items] };
  }
  const keep = new Set(['help', 'quit']);
  return {
    separator: ' ',
    items: items.map(([k, l]) => [k, keep.has(l) ? l : ''] as const),
  };
}

/** The key hints for the current mode, generated from the keymap. */
export function Footer({
  context,
  width,
}: {
  readonly context: KeyContext;
  readonly width: number;
}) {
  const { separator, items } = footerLayout(footerItems(context), width);
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end">
        {items.map(([keys, label], i) => (
          <Text key={keys}>
            {i > 0 && <Text dimColor>{separator}</Text>}
            <Text bold>{keys}</Text>
            {label !== '' && <Text dimColor>{` ${label}`}</Text>}
          </Text>
        ))}
      </Text>
    </Box>
  );
}

/** Shown in the empty message line. */
export const TYPING_PROMPT = 'type a message';
export interface TypingLineProps {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly width: number;
}

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
