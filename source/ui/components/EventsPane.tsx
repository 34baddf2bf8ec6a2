import { Box, Text } from 'ink';
import { memo } from 'react';
import { eventText } from '../../session/events.js';
import type { CallEvent, Snapshot, Store } from '../../session/types.js';
import { useStoreSelector } from '../hooks/useStoreSelector.js';
import { screenLine } from '../sanitize.js';
import { fitToWidth, truncateToWidth, wrapText } from '../textWidth.js';
import { EVENT_COLOR, fg } from '../theme.js';

export interface EventsPaneProps {
  readonly store: Store;
  readonly width: number;
  /** Rows including the title row. */
  readonly rows: number;
}

/** Continuation rows of a long event are indented this much under its first row. */
const INDENT_COLUMNS = 2;
const KIND_COLUMNS = 8;

/** One screen row of the events pane. */
export interface EventRow {
  readonly key: string;
  /** Time and kind, on the first row of an event only. */
  readonly head?: { readonly time: string; readonly kind: CallEvent['kind'] };
  readonly text: string;
}

function clock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/** The rows of one event: wrapped to the pane, never cut at the pane's edge. Pure. */
export function eventRows(event: CallEvent, width: number): EventRow[] {
  const time = clock(event.at);
  const headColumns = time.length + 1 + KIND_COLUMNS + 1;
  // The kind column says `tool`: the line does not say it again.
  const message = screenLine(eventText(event));
  // One wrap, the first row narrower (the time and kind take its start): a word that does not
  // fit the first row moves to the next, as in the transcript, and is split only when it is
  // longer than a whole row.
  const [head = '', ...tail] = wrapText(
    message,
    Math.max(1, width - headColumns),
    Math.max(1, width - INDENT_COLUMNS),
  );
  return [
    { key: `${event.id}:0`, head: { time, kind: event.kind }, text: head },
    ...tail.map((text, i) => ({ key: `${event.id}:${i + 1}`, text })),
  ];
}

/**
 * The newest events that fit in `height` rows, each wrapped whole; when even the newest does
 * not fit, its first rows with "…" on the last. Pure.
 */
export function eventWindow(
  events: readonly CallEvent[],
  width: number,
  height: number,
): EventRow[] {
  const out: EventRow[][] = [];
  let left = height;
  for (let i = events.length - 1; i >= 0 && left > 0; i--) {
    const rows = eventRows(events[i]!, width);
    if (rows.length <= left) {
      out.push(rows);
      left -= rows.length;
      continue;
    }
    if (out.length === 0) {
      const shown = rows.slice(0, left);
      const last = shown[shown.length - 1]!;
      const room = last.head
        ? width - (last.head.time.length + KIND_COLUMNS + 2)
        : width - INDENT_COLUMNS;
      shown[shown.length - 1] = { ...last, text: truncateToWidth(`${last.text}…`, room) };
      out.push(shown);
    }
    break;
  }
  return out.reverse().flat();
}

const selectEvents = (s: Snapshot) => s.events;
const selectDropped = (s: Snapshot) => s.eventsDropped;

/** `Events (12)`, or `Events (last 500 of 1,234)` once a flood pushed the oldest out. */
export function eventsTitle(kept: number, dropped: number): string {
  if (dropped <= 0) return `Events (${kept})`;
  return `Events (last ${kept.toLocaleString('en-US')} of ${(kept + dropped).toLocaleString('en-US')})`;
}

/** The newest events, wrapped (toggled with `d`). */
export const EventsPane = memo(function EventsPane({ store, width, rows }: EventsPaneProps) {
  const events = useStoreSelector(store, selectEvents);
  const dropped = useStoreSelector(store, selectDropped);
  if (rows <= 0) return null;
  const shown = eventWindow(events, width, rows - 1);
  return (
    <Box flexDirection="column" width={width} height={rows} overflow="hidden">
      <Text bold wrap="truncate-end">
        {eventsTitle(events.length, dropped)}
        <Text dimColor> d to hide</Text>
      </Text>
      {shown.map((row) =>
        row.head ? (
          <Text key={row.key} wrap="truncate-end">
            <Text dimColor>{`${row.head.time} `}</Text>
            <Text
              {...fg(EVENT_COLOR[row.head.kind])}
            >{`${row.head.kind.padEnd(KIND_COLUMNS)} `}</Text>
            {row.text}
          </Text>
        ) : (
          <Text key={row.key} wrap="truncate-end">
            {fitToWidth(`${' '.repeat(INDENT_COLUMNS)}${row.text}`, width)}
          </Text>
        ),
      )}
    </Box>
  );
});
