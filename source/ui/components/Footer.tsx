import { Box, Text } from 'ink';
import { memo } from 'react';
import { footerItems, type KeyContext } from '../keymap.js';

/** Labels given up first when the footer is too narrow: the keys used least. */
const DROP_ORDER = ['redial', 'events', 'voice/text', 'save', 'type', 'interrupt', 'mute'];

/**
 * Footer pieces for a width: "m mute · i interrupt · …" when it fits, tighter separators
 * next, then the labels of the keys used least go one by one ("r" stays, "redial" goes), then
 * bare keys for everything but help and quit (help lists them all), and at last those keys
 * themselves, least used first, until `q quit` alone is left.
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
  let fewer = [...items];
  for (const label of DROP_ORDER) {
    fewer = fewer.map(([k, l]) => [k, l === label ? '' : l] as const);
    if (length(fewer, '  ') <= width) return { separator: '  ', items: fewer };
  }
  // Help (or, with it open, how to close it) and quit always; and how push-to-talk works here
  // (held or toggled), which only the footer and the help say.
  const keep = new Set(['help', 'close', 'quit', 'talk on/off', 'hold to talk']);
  let bare = items.map(([k, l]) => ({ keys: k, label: l, shown: keep.has(l) ? l : '' }));
  const fits = () =>
    length(
      bare.map((b) => [b.keys, b.shown] as const),
      ' ',
    ) <= width;
  // Narrower still, the bare keys go too, least used first: the way out is never the part cut.
  for (const label of DROP_ORDER) {
    if (fits()) break;
    bare = bare.filter((b) => b.label !== label);
  }
  if (!fits()) bare = bare.filter((b) => ['quit', 'help', 'close'].includes(b.label));
  if (!fits()) bare = bare.filter((b) => b.label === 'quit');
  return { separator: ' ', items: bare.map((b) => [b.keys, b.shown] as const) };
}

/** The key hints for the current mode, generated from the keymap. */
export const Footer = memo(function Footer({
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
});
