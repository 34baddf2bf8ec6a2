import { Box, Text } from 'ink';
import { memo, useMemo } from 'react';
import { eventText, MAX_EVENTS } from '../../session/events.js';
import type { CallEvent, Snapshot, Store } from '../../session/types.js';
import { useStoreSelector } from '../hooks/useStoreSelector.js';
import { screenLine } from '../sanitize.js';
import { fitToWidth, stringWidth, truncateToWidth, wrapText } from '../textWidth.js';
import { EVENT_COLOR, fg } from '../theme.js';

export interface EventsPaneProps {
  readonly store: Store;
  readonly width: number;
  /** Rows including the title row. */
  readonly rows: number;
  /** The earlier calls of the screen (redial), oldest first: their events stay in the log. */
  readonly earlier?: readonly EventsBlock[];
  /** The line above the current call's events, when earlier calls are above it. */
  readonly divider?: string;
  /**
   * Scrolled back (`[`): the log's entries before this index are shown, the newest of them on
   * the last row. Undefined: the newest, following new events.
   */
  readonly end?: number;
  /** Filled in as the pane draws, for the keys that scroll it (`[`, `]`). */
  readonly view?: { current: EventsView | undefined };
}

/** What the pane shows now, as the keys that scroll it need it. */
export interface EventsView {
  readonly entries: readonly LogEntry[];
  readonly width: number;
  /** Rows for entries (the title's row not counted). */
  readonly height: number;
}

/** An earlier call's part of the log: the line that names it, its events, how many it dropped. */
export interface EventsBlock {
  readonly divider: string;
  readonly events: readonly CallEvent[];
  readonly dropped: number;
}

/** An entry of the log: an event, or the line that starts a call's events. */
export type LogEntry = CallEvent | { readonly divider: string };

/** Continuation rows of a long event are indented this much under its first row. */
const INDENT_COLUMNS = 2;
const KIND_COLUMNS = 8;

/** One screen row of the events pane. */
export interface EventRow {
  readonly key: string;
  /** Time and kind, on the first row of an event only. */
  readonly head?: { readonly time: string; readonly kind: CallEvent['kind'] };
  /** A call's divider (`── call 2 · concierge ──`), drawn dim. */
  readonly divider?: boolean;
  readonly text: string;
}

function clock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/**
 * The rows of one entry: a divider's one row, cut to the pane; an event's, {@link eventRows}.
 * Keyed by the entry's place in the log, not its event's id: each call numbers its events from
 * 1, so after a redial two rows had one key, and React, told two children were one, left rows of
 * an earlier frame in the pane (duplicated, out of order, run together, no title) until it was
 * closed.
 */
function entryRows(entry: LogEntry, width: number, at: number): EventRow[] {
  if (!('divider' in entry)) {
    return eventRows(entry, width).map((row, i) => ({ ...row, key: `${at}:${i}` }));
  }
  const text = truncateToWidth(`── ${screenLine(entry.divider)} `, width);
  const fill = Math.max(0, width - stringWidth(text));
  return [{ key: `divider:${at}`, divider: true, text: text + '─'.repeat(fill) }];
}

/**
 * The log after a redial: each earlier call's events under its divider, then the current
 * call's under its own, the newest {@link MAX_EVENTS} in all (as one call keeps), a divider kept
 * only with events of its call below it, or when its call is the current one. `kept` counts the
 * events, `dropped` those no longer kept (the calls' own and the ones cut here). Pure.
 */
export function eventLog(
  earlier: readonly EventsBlock[],
  current: Omit<EventsBlock, 'divider'> & { readonly divider?: string },
): { entries: LogEntry[]; kept: number; dropped: number } {
  const blocks = [...earlier, current];
  let room = MAX_EVENTS;
  let dropped = 0;
  const parts: LogEntry[][] = [];
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i]!;
    const shown = room > 0 ? block.events.slice(-room) : [];
    room -= shown.length;
    dropped += block.dropped + block.events.length - shown.length;
    const keep = block.divider !== undefined && (shown.length > 0 || i === blocks.length - 1);
    parts.push(keep ? [{ divider: block.divider! }, ...shown] : [...shown]);
  }
  return { entries: parts.reverse().flat(), kept: MAX_EVENTS - room, dropped };
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
  events: readonly LogEntry[],
  width: number,
  height: number,
): EventRow[] {
  return eventWindowAt(events, width, height).rows;
}

/**
 * The entries before `end` that fit in `height` rows, the last of them on the last row, each
 * wrapped whole (the last cut with "…" when even it does not fit), and the index of the first
 * shown. Pure.
 */
export function eventWindowAt(
  events: readonly LogEntry[],
  width: number,
  height: number,
  end = events.length,
): { rows: EventRow[]; first: number; end: number } {
  const last = Math.max(0, Math.min(end, events.length));
  const out: EventRow[][] = [];
  let left = height;
  let first = last;
  for (let i = last - 1; i >= 0 && left > 0; i--) {
    const rows = entryRows(events[i]!, width, i);
    if (rows.length <= left) {
      out.push(rows);
      left -= rows.length;
      first = i;
      continue;
    }
    if (out.length === 0) {
      const shown = rows.slice(0, left);
      const lastRow = shown[shown.length - 1]!;
      const room = lastRow.head
        ? width - (lastRow.head.time.length + KIND_COLUMNS + 2)
        : width - INDENT_COLUMNS;
      shown[shown.length - 1] = { ...lastRow, text: truncateToWidth(`${lastRow.text}…`, room) };
      out.push(shown);
      first = i;
    }
    break;
  }
  const rows = out.reverse().flat();
  // Scrolled back to the start with rows to spare: the entries after fill them, so the pane is
  // never half empty with more to show.
  let after = last;
  while (first === 0 && left > 0 && after < events.length) {
    const more = entryRows(events[after]!, width, after);
    if (more.length > left) break;
    rows.push(...more);
    left -= more.length;
    after++;
  }
  return { rows, first, end: after };
}

/**
 * `[`: a page back: the entry at the top of the pane goes to its bottom (one entry read twice
 * keeps the place). The same end when nothing is above. Pure.
 */
export function eventsPageBack(view: EventsView, end: number | undefined): number | undefined {
  const { first, end: last } = eventWindowAt(view.entries, view.width, view.height, end);
  if (first <= 0) return end;
  return first + 1 < last ? first + 1 : first;
}

/**
 * `]`: a page on: the entry at the bottom of the pane goes to its top; undefined (following the
 * newest again) once the newest is in the pane. Pure.
 */
export function eventsPageOn(view: EventsView, end: number | undefined): number | undefined {
  if (end === undefined) return undefined;
  const { entries, width, height } = view;
  end = eventWindowAt(entries, width, height, end).end;
  let left = height;
  let next = Math.max(0, end - 1);
  while (next < entries.length) {
    const rows = entryRows(entries[next]!, width, next).length;
    if (rows > left) break;
    left -= rows;
    next++;
  }
  next = Math.max(next, end + 1);
  return next >= entries.length ? undefined : next;
}

/** How many events (not dividers) are in `entries` from `from` to `to`. Pure. */
function countEvents(entries: readonly LogEntry[], from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (!('divider' in entries[i]!)) n++;
  return n;
}

/**
 * What is out of the pane, for its title: ` ↑ 14 more` (events above) and ` ↓ 9 newer`
 * (scrolled back), with the keys that bring them. Pure.
 */
export function eventsMarker(above: number, below: number): { counts: string; keys: string } {
  const counts = `${above > 0 ? ` ↑ ${above} more` : ''}${below > 0 ? ` ↓ ${below} newer` : ''}`;
  const keys = below > 0 ? ' · [ ] scroll, ] to the newest' : above > 0 ? ' · [ scrolls back' : '';
  return { counts, keys };
}

const selectEvents = (s: Snapshot) => s.events;
const selectDropped = (s: Snapshot) => s.eventsDropped;

/** `Events (12)`, or `Events (last 500 of 1,234)` once a flood pushed the oldest out. */
export function eventsTitle(kept: number, dropped: number): string {
  if (dropped <= 0) return `Events (${kept})`;
  return `Events (last ${kept.toLocaleString('en-US')} of ${(kept + dropped).toLocaleString('en-US')})`;
}

const NO_EARLIER: readonly EventsBlock[] = [];

/**
 * The newest events, wrapped (toggled with `d`); after a redial the earlier calls' too, each
 * call's under a divider that names it.
 */
export const EventsPane = memo(function EventsPane({
  store,
  width,
  rows,
  earlier = NO_EARLIER,
  divider,
  end,
  view,
}: EventsPaneProps) {
  const events = useStoreSelector(store, selectEvents);
  const dropped = useStoreSelector(store, selectDropped);
  const log = useMemo(
    () =>
      earlier.length === 0
        ? { entries: events, kept: events.length, dropped }
        : eventLog(earlier, { events, dropped, ...(divider === undefined ? {} : { divider }) }),
    [earlier, events, dropped, divider],
  );
  if (view) view.current = { entries: log.entries, width, height: Math.max(0, rows - 1) };
  if (rows <= 0) return null;
  const shown = eventWindowAt(log.entries, width, rows - 1, end);
  const marker = eventsMarker(
    countEvents(log.entries, 0, shown.first),
    countEvents(log.entries, shown.end, log.entries.length),
  );
  return (
    <Box flexDirection="column" width={width} height={rows} overflow="hidden">
      <Text bold wrap="truncate-end">
        {eventsTitle(log.kept, log.dropped)}
        {marker.counts}
        <Text dimColor>{`${marker.keys}${marker.keys ? ' ·' : ''} d to hide`}</Text>
      </Text>
      {shown.rows.map((row) =>
        row.divider ? (
          <Text key={row.key} dimColor wrap="truncate-end">
            {row.text}
          </Text>
        ) : row.head ? (
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
