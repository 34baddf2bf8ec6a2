import { Box, Text } from 'ink';
import { memo, useContext, useRef } from 'react';
import type { Snapshot } from '../../session/types.js';
import { LiveContext } from '../live.js';
import { type Piece, rowText } from '../rows.js';
import { fg, ROLE_COLOR } from '../theme.js';
import {
  computeWindow,
  LABEL_WIDTH,
  type RowTone,
  type ScrollState,
  type TranscriptItem,
  type TranscriptRow,
  type TranscriptWindow,
} from '../transcriptLayout.js';
import { LiveRow } from './LiveRow.js';

const TONE_COLOR: Record<RowTone, string> = {
  user: ROLE_COLOR.user,
  agent: ROLE_COLOR.agent,
  tool: 'magenta',
  error: 'red',
};

export interface TranscriptPaneProps {
  readonly items: readonly TranscriptItem[];
  /** The items of any snapshot (cached): live rows ask with the latest one on every paint. */
  readonly itemsOf: (snapshot: Snapshot) => readonly TranscriptItem[];
  readonly width: number;
  readonly height: number;
  readonly scroll: ScrollState;
}

const EMPTY_TEXT = 'The conversation appears here. Speak, or press t to type.';

/** One transcript row as a styled string, as {@link TranscriptLine} draws it. */
export function transcriptRowText(row: TranscriptRow, width: number): string {
  const color = TONE_COLOR[row.tone];
  const pieces: Piece[] = [
    [row.label.padEnd(LABEL_WIDTH), { bold: !row.dim, dim: row.dim, color }],
    [row.text, { dim: row.dim, color: row.tone === 'user' ? color : undefined }],
  ];
  if (row.mark !== undefined) pieces.push([row.mark, { dim: true }]);
  return rowText(pieces, width);
}

/** What row `i` of the pane shows for `items`: a transcript row, the "more below" line, or the hint. */
function paneRowText(
  i: number,
  items: readonly TranscriptItem[],
  window: TranscriptWindow,
  following: boolean,
  width: number,
  height: number,
): string {
  if (items.length === 0) return rowText(i === 0 ? [[EMPTY_TEXT, { dim: true }]] : [], width);
  if (!following && !window.atBottom && i === height - 1)
    return rowText([[` ↓ ${window.moreBelow} more · End to follow `, { inverse: true }]], width);
  const row = window.rows[i];
  return row ? transcriptRowText(row, width) : rowText([], width);
}

/**
 * The full-screen UI's transcript: one live row per screen row (see `live.ts`), painted from
 * the latest snapshot, so text streaming in and new turns cost no frame from Ink.
 */
function LiveTranscript({ itemsOf, width, height, scroll }: TranscriptPaneProps) {
  const cache = useRef<{
    items?: readonly TranscriptItem[];
    key?: string;
    window?: TranscriptWindow;
  }>({});
  const following = scroll.follow;
  const view = following ? height : Math.max(1, height - 1);
  // Size and scroll only change with a render of this pane: one key for all its paints.
  const key = `${width}:${view}:${JSON.stringify(scroll)}`;
  const windowFor = (items: readonly TranscriptItem[]): TranscriptWindow => {
    const c = cache.current;
    if (c.items !== items || c.key !== key || !c.window) {
      c.items = items;
      c.key = key;
      c.window = computeWindow(items, width, view, scroll);
    }
    return c.window;
  };
  const text = (i: number) => (s: Snapshot) => {
    const items = itemsOf(s);
    return paneRowText(i, items, windowFor(items), following, width, height);
  };
  return (
    <Box width={width} height={height} flexDirection="column">
      {Array.from({ length: height }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are screen positions
        <LiveRow key={i} width={width} text={text(i)} />
      ))}
    </Box>
  );
}

function TranscriptLine({ row }: { readonly row: TranscriptRow }) {
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
}

/**
 * The transcript: only the rows that fit are rendered, whatever the length of the call.
 * Memoised on its props, so meter frames never re-render it.
 */
export const TranscriptPane = memo(function TranscriptPane(props: TranscriptPaneProps) {
  const live = useContext(LiveContext);
  if (live) return <LiveTranscript {...props} />;
  const { items, width, height, scroll } = props;
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
    <Box width={width} height={height} flexDirection="column">
      {window.rows.map((row, i) => (
        // Rows are positional: keying by position lets React update text in place.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <TranscriptLine key={i} row={row} />
      ))}
      {!following && !window.atBottom && (
        <Text inverse wrap="truncate-end">
          {` ↓ ${window.moreBelow} more · End to follow `}
        </Text>
      )}
    </Box>
  );
});
