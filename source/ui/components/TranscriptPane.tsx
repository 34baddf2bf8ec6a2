import { Box, Text } from 'ink';
import { memo } from 'react';
import { fg, ROLE_COLOR } from '../theme.js';
import {
  computeWindow,
  LABEL_WIDTH,
  type RowTone,
  type ScrollState,
  type TranscriptItem,
  type TranscriptRow,
} from '../transcriptLayout.js';

const TONE_COLOR: Record<RowTone, string> = {
  user: ROLE_COLOR.user,
  agent: ROLE_COLOR.agent,
  tool: 'magenta',
  error: 'red',
  divider: 'gray',
  summary: 'gray',
};

export const EMPTY_TEXT = 'The conversation appears here. Speak, or press t to type.';

export interface TranscriptPaneProps {
  readonly items: readonly TranscriptItem[];
  readonly width: number;
  readonly height: number;
  readonly scroll: ScrollState;
}

/**
 * One transcript row. Rows are cached per item and width (`rowsOf`), so a finished turn's rows
 * are the same objects from frame to frame and this memo skips them.
 */
const TranscriptLine = memo(function TranscriptLine({ row }: { readonly row: TranscriptRow }) {
  const color = fg(TONE_COLOR[row.tone]);
  return (
    <Text wrap="truncate-end">
      <Text bold={!row.dim} dimColor={row.dim} {...color}>
        {row.label.padEnd(LABEL_WIDTH)}
      </Text>
      <Text dimColor={row.dim} {...(row.tone === 'user' ? color : {})}>
        {row.text}
      </Text>
      {row.mark !== undefined && <Text dimColor>{row.mark}</Text>}
    </Text>
  );
});

/**
 * The transcript: only the rows that fit are rendered, whatever the length of the call, wrapped
 * by `transcriptLayout.ts` with Ink's own width measure.
 */
export const TranscriptPane = memo(function TranscriptPane({
  items,
  width,
  height,
  scroll,
}: TranscriptPaneProps) {
  if (items.length === 0) {
    return (
      <Box width={width} height={height} flexDirection="column">
        <Text dimColor wrap="truncate-end">
          {EMPTY_TEXT}
        </Text>
      </Box>
    );
  }
  const following = scroll.follow;
  // Scrolled back: the last row says how much is below.
  const view = following ? height : Math.max(1, height - 1);
  const window = computeWindow(items, width, view, scroll);
  return (
    <Box width={width} height={height} flexDirection="column" overflow="hidden">
      {window.rows.map((row, i) => (
        // Rows are positional: keying by position lets React update text in place.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <TranscriptLine key={i} row={row} />
      ))}
      {!following && !window.atBottom && (
        <Text inverse wrap="truncate-end">
          {`↓ ${window.moreBelow} more · End to follow`}
        </Text>
      )}
    </Box>
  );
});
