import { Box, Text, useCursor } from 'ink';
import { footerItems } from '../keymap.js';
import { clusterAfter, type EditLine } from '../lineEdit.js';
import { forScreen } from '../sanitize.js';
import { lastColumns, stringWidth, truncateToWidth } from '../textWidth.js';
import { stylesShown } from '../theme.js';

/** "say: " before the text. */
const PROMPT_COLUMNS = 5;
/** Columns the text keeps before the key hints beside it give way. */
const MIN_TEXT_COLUMNS = 24;

/** Shown in the empty message line. */
export const TYPING_PROMPT = 'type a message';

export interface TypingLineProps {
  readonly line: EditLine;
  readonly width: number;
  /** The screen row the line is drawn on (the cursor's, where the terminal's own is shown). */
  readonly row: number;
}

/**
 * The message being typed (after `t`), with its cursor. It only draws: the keys reach the line
 * through the App's one key listener (`useCallKeys`), which is listening before this shows.
 */
export function TypingLine({ line, width, row }: TypingLineProps) {
  const { setCursorPosition } = useCursor();
  const hints = footerItems({ mode: 'typing', ptt: false })
    .map(([keys, label]) => `${keys} ${label}`)
    .join(' · ');
  // The hints give way before the text does: they show only while the text keeps room.
  const showHints = width - PROMPT_COLUMNS - hints.length - 1 >= MIN_TEXT_COLUMNS;
  const shown = line.text;
  const end = clusterAfter(shown, line.cursor);
  const room = Math.max(1, width - PROMPT_COLUMNS - (showHints ? hints.length + 1 : 0));
  // Each piece as the screen draws it (measured that way too): the line itself keeps it all.
  const { before, at, after } = cursorWindow(
    forScreen(shown.slice(0, line.cursor)),
    forScreen(shown.slice(line.cursor, end)) || ' ',
    forScreen(shown.slice(end)),
    room,
  );
  // Without styles the inverse cell is a plain one: the terminal's own cursor marks the place
  // (it also puts an input method's composing text there).
  setCursorPosition(
    stylesShown() ? undefined : { x: PROMPT_COLUMNS + stringWidth(before), y: row },
  );
  return (
    <Box width={width} height={1} overflow="hidden">
      <Text bold>{'say: '}</Text>
      <Box flexGrow={1} flexShrink={1} height={1} overflow="hidden">
        {shown === '' ? (
          // The cursor sits on the prompt's first letter, so the line reads "say: type a message".
          <Text>
            <Text inverse>{TYPING_PROMPT.slice(0, 1)}</Text>
            <Text dimColor>{TYPING_PROMPT.slice(1)}</Text>
          </Text>
        ) : (
          <Text wrap="truncate-end">
            {before}
            <Text inverse>{at}</Text>
            {after}
          </Text>
        )}
      </Box>
      {showHints && (
        <Box flexShrink={0} marginLeft={1}>
          <Text dimColor>{hints}</Text>
        </Box>
      )}
    </Box>
  );
}

/**
 * The part of a long line that fits in `room` columns with the cursor in it: a line wider than
 * the room shows the cursor's surroundings, `…` at either end where text goes on, so an edit in
 * the middle is seen where it is made. The text after the cursor keeps up to a third of the room.
 */
export function cursorWindow(
  before: string,
  at: string,
  after: string,
  room: number,
): { before: string; at: string; after: string } {
  const atWidth = stringWidth(at);
  if (stringWidth(before) + atWidth + stringWidth(after) <= room) return { before, at, after };
  const afterRoom = Math.min(stringWidth(after), Math.floor(room / 3));
  const beforeRoom = Math.max(0, room - atWidth - afterRoom);
  const head =
    stringWidth(before) <= beforeRoom ? before : `…${lastColumns(before, beforeRoom - 1)}`;
  const tailRoom = room - stringWidth(head) - atWidth;
  return { before: head, at, after: truncateToWidth(after, tailRoom) };
}
